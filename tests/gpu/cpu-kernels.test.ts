// The CPU-adapter kernel versions (issue 21: maxPool2d.forward v2–v4, maxPool2d.backward v2 and unary v2, chosen by the CPU rules only),
// forced against the versions a GPU runs (bit for bit) and a float64 CPU reference, on sizes that are not
// multiples of 4, of length 1, with NaN, ±inf, ±0, ties, padding and dilation.

import { describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

const gpu = useGpuPage();

/** Float32 results with the non-finite values as strings (the page's results come back as JSON). */
type Out = Array<number | string>;
function expectClose(got: Out, want: number[], tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (!Number.isFinite(w)) expect(g, `${what} [${i}]`).toBe(String(w));
    else expect(Math.abs((g as number) - w), `${what} [${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w)));
  }
}

const nanMax = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));

describe('maxPool2d.forward v1 / v2 (forced)', () => {
  const cases = [
    { shape: [1, 1, 1, 1], k: 1, opts: {} },
    { shape: [2, 3, 7, 9], k: 3, opts: { stride: 2, padding: 1 } },
    { shape: [1, 2, 11, 6], k: 2, opts: { stride: 1, padding: 1, dilation: 2 } },
    { shape: [1, 3, 5, 5], k: 3, opts: { stride: 3, padding: 1 } },
  ];
  it('values (with and without the argmax), reluMaxPool2d and the gradient routed by the argmax agree with v1 bit for bit and with a reference', async () => {
    const out = await gpu.run(async (E, H, list: typeof cases) => {
      await E.init();
      const res: Record<string, Out[]> = {};
      // Non-finite values and −0 (JSON would make it 0) as strings.
      const enc = (a: ArrayLike<number>): Out => Array.from(a, (v) => (Number.isFinite(v) && !Object.is(v, -0) ? v : Object.is(v, -0) ? '-0' : String(v)));
      for (const v of ['v1', 'v2']) {
        res[v] = [];
        for (const [k, c] of list.entries()) {
          const n = c.shape.reduce((a, b) => a * b, 1);
          const x = Array.from({ length: n }, (_, i) => Math.round(Math.sin(i * 12.9898 + k) * 4)); // ties
          if (n > 40) x[5] = NaN;
          await E.extend.kernelVersions.using({ 'maxPool2d.forward': v }, async () => {
            await H.noLeak(E, async () => {
              const t = E.tensor(x, c.shape, { requiresGrad: true });
              const y = E.maxPool2d(t, c.k, c.opts);
              const r = E.noGrad(() => E.internal.reluMaxPool2d(t, c.k, c.opts));
              const i = E.noGrad(() => E.maxPool2d(t, c.k, c.opts)); // no argmax written
              const s = E.sum(y);
              s.backward();
              for (const u of [y, r, i, t.grad!]) res[v]!.push(enc(await u.data()));
              for (const u of [t, y, r, i, s]) u.dispose();
            });
          });
        }
      }
      return res;
    }, cases);
    expect(out.v2).toEqual(out.v1);
    // The reference for the values of the 3×3/2 p1 case.
    const [N, C, Hh, W] = cases[1]!.shape as [number, number, number, number];
    const x = Array.from({ length: N * C * Hh * W }, (_, i) => Math.round(Math.sin(i * 12.9898 + 1) * 4));
    x[5] = NaN;
    const OH = Math.floor((Hh + 2 - 3) / 2) + 1;
    const OW = Math.floor((W + 2 - 3) / 2) + 1;
    const want: number[] = [];
    for (let p = 0; p < N * C; p++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let m = -Infinity;
          for (let kh = 0; kh < 3; kh++) {
            for (let kw = 0; kw < 3; kw++) {
              const ih = oh * 2 - 1 + kh;
              const iw = ow * 2 - 1 + kw;
              if (ih >= 0 && ih < Hh && iw >= 0 && iw < W) m = nanMax(m, x[(p * Hh + ih) * W + iw]!);
            }
          }
          want.push(m);
        }
      }
    }
    expectClose(out.v2![4]!, want, 0, 'v2 3×3/2 p1');
    expectClose(out.v2![6]!, want, 0, 'v2 3×3/2 p1, inference');
    expect(out.v1!.flat()).toContain('-0'); // the ±0 ties are exercised
  });
});


describe('maxPool2d.forward v3 / v4 (forced)', () => {
  // W a multiple of 4 (v3 and v4), then not (v4 only); OW not always one (the last group of four is partial);
  // padding, dilation, strides 1–3.
  const cases = [
    { shape: [1, 1, 1, 4], k: 1, opts: {} },
    { shape: [2, 3, 9, 12], k: 3, opts: { stride: 2, padding: 1 } },
    { shape: [1, 2, 7, 8], k: 2, opts: {} },
    { shape: [1, 2, 11, 16], k: 2, opts: { stride: 1, padding: 1, dilation: 2 } },
    { shape: [1, 3, 5, 20], k: 3, opts: { stride: 3, padding: 1 } },
    { shape: [2, 2, 6, 28], k: 3, opts: { stride: 1, padding: 1 } },
    { shape: [1, 2, 5, 12], k: [2, 3] as [number, number], opts: { stride: [1, 2] as [number, number], padding: [0, 1] as [number, number] } },
    { shape: [2, 3, 9, 7], k: 3, opts: { stride: 2, padding: 1 } },
    { shape: [2, 2, 9, 14], k: 2, opts: {} },
    { shape: [1, 2, 7, 7], k: 2, opts: {} },
    { shape: [1, 2, 11, 6], k: 2, opts: { stride: 1, padding: 1, dilation: 2 } },
    { shape: [1, 3, 5, 5], k: 3, opts: { stride: 3, padding: 1 } },
    { shape: [1, 2, 1, 1], k: 1, opts: {} },
  ];
  const what = 'maxPool2d and reluMaxPool2d, with and without the argmax, agree with v1 bit for bit (values, NaN, ±inf, ±0, ties, the gradient the argmax';
  it(`${what} routes); v3 / v4 refuse what they cannot take before GPU work`, async () => {
    const out = await gpu.run(async (E, H, list: typeof cases) => {
      await E.init();
      const enc = (a: ArrayLike<number>): Out => Array.from(a, (v) => (Number.isFinite(v) && !Object.is(v, -0) ? v : Object.is(v, -0) ? '-0' : String(v)));
      const res: Record<string, Out[][]> = {};
      for (const v of ['v1', 'v3', 'v4']) {
        res[v] = [];
        for (const [k, c] of list.entries()) {
          res[v]!.push([]);
          if (v === 'v3' && c.shape[3]! % 4 !== 0) continue; // v3 reads rows of whole vec4 words
          const n = c.shape.reduce((a, b) => a * b, 1);
          const x = Array.from({ length: n }, (_, i) => Math.round(Math.sin(i * 12.9898 + k) * 4)); // ties, −0
          if (n > 40) [x[5], x[9], x[17], x[30]] = [NaN, -Infinity, Infinity, NaN];
          if (n > 200) x.fill(-Infinity, 100, 140); // whole windows of −inf
          await E.extend.kernelVersions.using({ 'maxPool2d.forward': v }, async () => {
            await H.noLeak(E, async () => {
              const t = E.tensor(x, c.shape, { requiresGrad: true });
              const y = E.maxPool2d(t, c.k, c.opts); // with the argmax
              const r = E.internal.reluMaxPool2d(t, c.k, c.opts);
              const i = E.noGrad(() => E.maxPool2d(t, c.k, c.opts)); // inference: no argmax
              const ri = E.noGrad(() => E.internal.reluMaxPool2d(t, c.k, c.opts));
              // Distinct weights per output: the gradient of each input names the windows whose argmax it is.
              const w = E.tensor(Array.from({ length: y.size }, (_, j) => 1 + j), y.shape);
              const s = E.add(E.sum(E.mul(y, w)), E.sum(E.mul(r, E.mul(w, 1000))));
              s.backward();
              for (const u of [y, r, i, ri, t.grad!]) res[v]![k]!.push(enc(await u.data()));
              for (const u of [t, y, r, i, ri, w, s]) u.dispose();
            });
          });
        }
      }
      const refusals: string[] = [];
      let dispatched = 0;
      for (const [v, shape, k] of [['v3', [1, 2, 6, 9], 3], ['v3', [1, 2, 6, 8], 4], ['v4', [1, 2, 6, 9], 4]] as const) {
        const t = E.zeros([...shape], { requiresGrad: true });
        const before = E.memoryStats().dispatches;
        try {
          H.noLeak(E, () => E.extend.kernelVersions.using({ 'maxPool2d.forward': v }, () => E.maxPool2d(t, k, { stride: 2, padding: 1 })));
        } catch (e) {
          refusals.push((e as Error).message);
        }
        dispatched += E.memoryStats().dispatches - before;
        t.dispose();
      }
      // The rules: v3 on a width of a multiple of 4 under the CPU rules, else v4 (kernel width ≤ 3), else v2; v1 on a GPU.
      const pass = E.internal.pool2dVersions.maxForward;
      const geo = (W: number) => ({ N: 1, C: 2, H: 6, W, kH: 3, kW: 3, sH: 2, sW: 2, pH: 1, pW: 1, dH: 1, dW: 1, OH: 3, OW: Math.floor((W - 1) / 2) + 1 });
      const auto = [
        pass.choose({ d: geo(8) }, 'cpu'),
        pass.choose({ d: geo(8), withIndex: true }, 'cpu'),
        pass.choose({ d: geo(9) }, 'cpu'),
        pass.choose({ d: { ...geo(9), kW: 4 } }, 'cpu'),
        pass.choose({ d: geo(8) }, 'gpu'),
      ];
      return { res, refusals, dispatched, auto };
    }, cases);
    cases.forEach((c, k) => {
      expect(out.res.v4![k], `v4 ${c.shape}`).toEqual(out.res.v1![k]);
      if (c.shape[3]! % 4 === 0) expect(out.res.v3![k], `v3 ${c.shape}`).toEqual(out.res.v1![k]);
    });
    expect(out.res.v1!.flat(2)).toContain('-0');
    expect(out.res.v1!.flat(2)).toContain('NaN');
    expect(out.res.v1!.flat(2)).toContain('-Infinity');
    expect(out.refusals).toEqual([
      'maxPool2d.forward v3 (forced): reads rows as vec4 words: needs an input width that is a multiple of 4, got 9 (input [1,2,6,9], kernel [3,3])',
      'maxPool2d.forward v3 (forced): writes out at most 3 taps per row: needs a kernel width ≤ 3, got 4 (input [1,2,6,8], kernel [4,4])',
      'maxPool2d.forward v4 (forced): writes out at most 3 taps per row: needs a kernel width ≤ 3, got 4 (input [1,2,6,9], kernel [4,4])',
    ]);
    expect(out.dispatched).toBe(0);
    expect(out.auto).toEqual(['v3', 'v3', 'v4', 'v2', 'v1']);
  });
});


describe('maxPool2d.backward v1 / v2 (forced)', () => {
  // Overlapping windows (stride < kernel), padding, dilation, widths of 4k and not, rows with no window, ties.
  const cases = [
    { shape: [2, 3, 9, 12], k: 3, opts: { stride: 2, padding: 1 } },
    { shape: [2, 3, 9, 7], k: 3, opts: { stride: 2, padding: 1 } },
    { shape: [2, 2, 9, 14], k: 2, opts: {} },
    { shape: [1, 2, 11, 6], k: 2, opts: { stride: 1, padding: 1, dilation: 2 } },
    { shape: [1, 3, 5, 5], k: 3, opts: { stride: 3, padding: 1 } },
    { shape: [2, 3, 7, 7], k: 3, opts: { stride: 1, padding: 1 } },
    { shape: [1, 2, 5, 9], k: [2, 3] as [number, number], opts: { stride: [1, 2] as [number, number], padding: [0, 1] as [number, number] } },
    { shape: [1, 2, 1, 1], k: 1, opts: {} },
  ];
  it('the gradient through the argmax (maxPool2d and reluMaxPool2d) is the same bits in v2 as in v1', async () => {
    const out = await gpu.run(async (E, H, list: typeof cases) => {
      await E.init();
      const enc = (a: ArrayLike<number>): Out => Array.from(a, (v) => (Number.isFinite(v) && !Object.is(v, -0) ? v : Object.is(v, -0) ? '-0' : String(v)));
      const res: Record<string, Out[]> = {};
      for (const v of ['v1', 'v2']) {
        res[v] = [];
        for (const [k, c] of list.entries()) {
          const n = c.shape.reduce((a, b) => a * b, 1);
          const x = Array.from({ length: n }, (_, i) => Math.round(Math.sin(i * 12.9898 + k) * 4)); // ties
          if (n > 40) [x[5], x[9]] = [NaN, -Infinity];
          await E.extend.kernelVersions.using({ 'maxPool2d.forward': 'v1', 'maxPool2d.backward': v }, async () => {
            await H.noLeak(E, async () => {
              const t = E.tensor(x, c.shape, { requiresGrad: true });
              const y = E.maxPool2d(t, c.k, c.opts);
              const r = E.internal.reluMaxPool2d(t, c.k, c.opts);
              const w = E.tensor(Array.from({ length: y.size }, (_, j) => 1 + j), y.shape);
              const s = E.add(E.sum(E.mul(y, w)), E.sum(E.mul(r, E.mul(w, 1000))));
              s.backward();
              res[v]!.push(enc(await t.grad!.data()));
              for (const u of [t, y, r, w, s]) u.dispose();
            });
          });
        }
      }
      return res;
    }, cases);
    expect(out.v2).toEqual(out.v1);
    expect(out.v1!.flat().filter((v) => v !== 0).length).toBeGreaterThan(100); // gradients do flow
  });
});


describe('unary v1 / v2 (forced)', () => {
  it('every activation and scalar op gives the same bits on vec4 words as v1, NaN, ±inf and ±0 included; v2 refuses n % 4 ≠ 0', async () => {
    const out = await gpu.run(async (E, H) => {
      await E.init();
      const enc = (a: ArrayLike<number>): Out => Array.from(a, (v) => (Number.isFinite(v) && !Object.is(v, -0) ? v : Object.is(v, -0) ? '-0' : String(v)));
      const x = [NaN, Infinity, -Infinity, 0, -0, 2 ** -100, -(2 ** -100), 88.5, -88.5, 0.5, -0.5, 3, -3, 7, -7, 20, 1, 2.5, -2.5, 100];
      const t = E.tensor(x, [x.length]); // 20: 5 words
      const odd = E.tensor(x.slice(0, 7), [7]);
      const res: Record<string, Out[]> = {};
      for (const v of ['v1', 'v2']) {
        res[v] = await E.extend.kernelVersions.using({ unary: v }, async () => {
          const got: Out[] = [];
          for (const f of [E.neg, E.exp, E.log, E.sqrt, E.abs, E.relu, E.relu6, E.sigmoid, E.tanh, E.gelu]) {
            const y = f(t);
            got.push(enc(await y.data()));
            y.dispose();
          }
          for (const y of [E.mul(t, 0.5), E.add(t, -1), E.pow(t, 2), E.maximum(t, 0.25)]) {
            got.push(enc(await y.data()));
            y.dispose();
          }
          return got;
        });
      }
      let refused = '';
      try {
        H.noLeak(E, () => E.extend.kernelVersions.using({ unary: 'v2' }, () => E.relu(odd)));
      } catch (e) {
        refused = (e as Error).message;
      }
      const oddRelu = E.relu(odd);
      const oddOut = enc(await oddRelu.data());
      for (const u of [t, odd, oddRelu]) u.dispose();
      return { res, refused, oddOut };
    });
    expect(out.res.v2).toEqual(out.res.v1);
    expect(out.res.v1![5]).toEqual(['NaN', 'Infinity', 0, 0, 0, 2 ** -100, 0, 88.5, 0, 0.5, 0, 3, 0, 7, 0, 20, 1, 2.5, 0, 100]);
    expect(out.refused).toBe('unary v2 (forced): needs a multiple of 4 elements, got 7');
    expect(out.oddOut).toEqual(['NaN', 'Infinity', 0, 0, 0, 2 ** -100, 0]); // the auto rule falls back to v1
  });
});
