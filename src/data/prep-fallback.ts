// PLACEHOLDER — the CPU preparation of a batch, until the preprocess helper's GPU op
// (src/engine/ops/image-prep.ts `prepareImages(images, input)`) is merged. The lead replaces the one call in
// prepare.ts with that op and deletes this file. It does what the GPU op does, on the host, for one batch at a
// time (the float32 it makes lives only until the upload): resize (bilinear, antialiased when shrinking, the
// triangle filter of PIL and torch's _upsample_bilinear2d_aa), an optional resize-shorter-side + centre crop
// (torchvision's Resize(256) + CenterCrop(224)), gray (ITU-R 601-2 luma, torchvision's rgb_to_grayscale) or RGB,
// /255, then (v − mean)/std. src/data must not import src/models, so this is a minimal copy of the idea, not of
// src/models/image.ts (which stays the parity reference).

import { EngineError } from '../engine/internal.ts';
import type { InputSpec, RgbaImage } from './types.ts';

interface Taps {
  start: number;
  weights: Float32Array;
}

/** Per output index, the first input index and the normalized triangle-filter weights (support widens when shrinking). */
function taps(inSize: number, outSize: number): Taps[] {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const out: Taps[] = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const start = Math.max(Math.trunc(center - support + 0.5), 0);
    const end = Math.min(Math.trunc(center + support + 0.5), inSize);
    const weights = new Float32Array(Math.max(end - start, 1));
    let total = 0;
    for (let j = start; j < end; j++) {
      const w = Math.max(0, 1 - Math.abs((j - center + 0.5) / support));
      weights[j - start] = w;
      total += w;
    }
    if (total > 0) for (let k = 0; k < weights.length; k++) weights[k]! /= total;
    else weights[0] = 1;
    out.push({ start, weights });
  }
  return out;
}

/** RGB planes [3, H, W] of an RGBA image, values 0..255. */
function planes(img: RgbaImage): Float32Array {
  const { width: W, height: H, data } = img;
  const out = new Float32Array(3 * H * W);
  for (let p = 0; p < H * W; p++) for (let c = 0; c < 3; c++) out[c * H * W + p] = data[p * 4 + c]!;
  return out;
}

function resize(src: Float32Array, H: number, W: number, nh: number, nw: number): Float32Array {
  if (nh === H && nw === W) return src;
  const tx = taps(W, nw);
  const ty = taps(H, nh);
  const mid = new Float32Array(3 * H * nw);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < H; y++) {
      const row = (c * H + y) * W;
      for (let x = 0; x < nw; x++) {
        const t = tx[x]!;
        let acc = 0;
        for (let k = 0; k < t.weights.length; k++) acc += src[row + t.start + k]! * t.weights[k]!;
        mid[(c * H + y) * nw + x] = acc;
      }
    }
  }
  const out = new Float32Array(3 * nh * nw);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < nh; y++) {
      const t = ty[y]!;
      for (let x = 0; x < nw; x++) {
        let acc = 0;
        for (let k = 0; k < t.weights.length; k++) acc += mid[(c * H + t.start + k) * nw + x]! * t.weights[k]!;
        out[(c * nh + y) * nw + x] = acc;
      }
    }
  }
  return out;
}

/** The geometry torchvision uses: resize straight to `size`, or shorter side to `resizeShorter` then centre crop. */
export function resizedGeometry(width: number, height: number, input: InputSpec): { rh: number; rw: number; top: number; left: number } {
  const [oh, ow] = input.size;
  if (input.resizeShorter === null) return { rh: oh, rw: ow, top: 0, left: 0 };
  const s = input.resizeShorter;
  const [rh, rw] = width <= height ? [Math.trunc((s * height) / width), s] : [s, Math.trunc((s * width) / height)];
  if (oh > rh || ow > rw) throw new EngineError(`prepareImages: a ${oh}×${ow} crop does not fit ${rh}×${rw} (resizeShorter ${s})`);
  return { rh, rw, top: Math.round((rh - oh) / 2), left: Math.round((rw - ow) / 2) };
}

/** float32 NCHW values of a batch, prepared for `input` (host memory, one batch at a time). */
export function prepareImagesCpu(images: readonly RgbaImage[], input: InputSpec): Float32Array {
  const [oh, ow] = input.size;
  const C = input.channels;
  const out = new Float32Array(images.length * C * oh * ow);
  images.forEach((img, n) => {
    const { rh, rw, top, left } = resizedGeometry(img.width, img.height, input);
    const rgb = resize(planes(img), img.height, img.width, rh, rw);
    const plane = rh * rw;
    for (let c = 0; c < C; c++) {
      const mean = input.mean[c] ?? 0;
      const std = input.std[c] ?? 1;
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          const p = (y + top) * rw + x + left;
          const v = C === 1 ? 0.2989 * rgb[p]! + 0.587 * rgb[plane + p]! + 0.114 * rgb[2 * plane + p]! : rgb[c * plane + p]!;
          out[((n * C + c) * oh + y) * ow + x] = (v / 255 - mean) / std;
        }
      }
    }
  });
  return out;
}
