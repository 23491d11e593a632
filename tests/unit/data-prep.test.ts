// The CPU placeholder for batch preparation (src/data/prep-fallback.ts) against the reference preprocessing of
// src/models/image.ts (antialiased bilinear, resize-shorter + centre crop, ImageNet mean/std): within 1/255
// before normalizing (the reference rounds to uint8 after resizing, as torchvision does for uint8 tensors).

import { describe, expect, it } from 'vitest';
import { preprocess } from '../../src/models/image.ts';
import { prepareImagesCpu } from '../../src/data/prep-fallback.ts';
import type { RgbaImage } from '../../src/data/types.ts';

function image(w: number, h: number, seed: number): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < data.length; i++) data[i] = (Math.imul(i + 1, 2654435761 + seed) >>> 13) & 255;
  return { data, width: w, height: h };
}

const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;

describe('prep-fallback (the CPU placeholder)', () => {
  for (const [w, h, shorter, crop] of [[40, 30, 20, 16], [9, 12, 24, 20], [33, 33, 33, 31]] as const) {
    it(`matches the reference for ${w}×${h} → shorter ${shorter}, crop ${crop}`, () => {
      const img = image(w, h, w);
      const ref = preprocess(img, { resize: shorter, crop, antialias: true, mean: MEAN, std: STD });
      const got = prepareImagesCpu([img], { size: [crop, crop], channels: 3, resizeShorter: shorter, mean: MEAN, std: STD });
      expect(got.length).toBe(ref.data.length);
      let worst = 0;
      got.forEach((v, i) => {
        const c = Math.floor(i / (crop * crop));
        worst = Math.max(worst, Math.abs(v - ref.data[i]!) * STD[c]!);
      });
      expect(worst).toBeLessThanOrEqual(1 / 255);
    });
  }

  it('gray is ITU-R 601-2 luma of the resized RGB, scaled to [0, 1]', () => {
    const img: RgbaImage = { data: Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255), width: 2, height: 2 };
    const got = prepareImagesCpu([img, img], { size: [2, 2], channels: 1, resizeShorter: null, mean: [0.5], std: [0.5] });
    const luma = [0.2989 * 255, 0.587 * 255, 0.114 * 255, 0.2989 * 10 + 0.587 * 20 + 0.114 * 30].map((v) => (v / 255 - 0.5) / 0.5);
    expect(Array.from(got).map((v) => Number(v.toFixed(5)))).toEqual([...luma, ...luma].map((v) => Number(v.toFixed(5))));
  });
});
