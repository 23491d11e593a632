// models.imageToTensor's preprocessing (src/models/image.ts) against torchvision 0.14's ImageClassification
// steps on a uint8 tensor (tests/fixtures/torch/zoo.json "image", from gen_zoo_fixtures.py): resize the
// shorter side to 64 (bilinear, antialias False = 0.14's tensor default, and True), round to uint8, centre
// crop 56, /255, normalize. Plain CPU code: runs in Node.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { preprocess } from '../../src/models/image.ts';
import { randomArray } from '../harness/random.ts';

interface Variant {
  resized_shape: number[];
  resized_u8: string;
  output: { shape: number[]; b64: string };
}
const fx = (JSON.parse(readFileSync(new URL('../fixtures/torch/zoo.json', import.meta.url), 'utf8')) as {
  image: { height: number; width: number; seed: number; resize: number; crop: number; plain: Variant; antialias: Variant };
}).image;

/** The fixture's seeded 8-bit image as RGBA pixels (alpha 255). */
function pixels(): { data: Uint8ClampedArray; width: number; height: number } {
  const { height: H, width: W } = fx;
  const u = randomArray(H * W * 3, fx.seed);
  const data = new Uint8ClampedArray(H * W * 4);
  for (let i = 0; i < H * W; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.min(255, Math.max(0, Math.floor((u[i * 3 + c]! + 1) * 128)));
    data[i * 4 + 3] = 255;
  }
  return { data, width: W, height: H };
}

const floats = (b64: string): Float32Array => new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer);

describe('imageToTensor preprocessing vs torchvision 0.14', () => {
  for (const [name, antialias] of [['plain', false], ['antialias', true]] as const) {
    it(`resize ${fx.resize} (${name}), crop ${fx.crop}, normalize`, () => {
      const v = fx[name];
      const resized = preprocess(pixels(), { resize: fx.resize, crop: null, mean: null, antialias });
      const [, rh, rw] = v.resized_shape as [number, number, number];
      expect([resized.h, resized.w]).toEqual([rh, rw]);
      const want8 = new Uint8Array(Buffer.from(v.resized_u8, 'base64'));
      let off = 0;
      for (let i = 0; i < want8.length; i++) if (Math.round(resized.data[i]! * 255) !== want8[i]) off++;
      // Bilinear weights are float32 on both sides; a value landing within an ulp of .5 may round the other way.
      expect(off, `${off} of ${want8.length} resized bytes differ`).toBeLessThanOrEqual(Math.ceil(want8.length * 0.002));
      const out = preprocess(pixels(), { resize: fx.resize, crop: fx.crop, antialias });
      const want = floats(v.output.b64);
      expect([3, out.h, out.w]).toEqual(v.output.shape);
      let worst = 0;
      let bad = 0;
      for (let i = 0; i < want.length; i++) {
        const e = Math.abs(out.data[i]! - want[i]!);
        worst = Math.max(worst, e);
        if (e > 1e-6) bad++;
      }
      // A byte off by one moves a normalized value by 1/(255·std) ≈ 0.0175.
      expect(worst).toBeLessThanOrEqual(0.018);
      expect(bad, `${bad} of ${want.length} values off by one level`).toBeLessThanOrEqual(Math.ceil(want.length * 0.002));
    });
  }

  it('errors: a crop larger than the resized image, bad sizes', () => {
    expect(() => preprocess(pixels(), { resize: 32, crop: 40 })).toThrow(/a 40×40 crop does not fit a 32×43 image/);
    expect(() => preprocess(pixels(), { resize: 0 })).toThrow(/resize must be a positive integer or null, got 0/);
  });
});
