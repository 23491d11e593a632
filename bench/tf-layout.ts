// Layout conversions from our PyTorch layouts to TF.js's, for benchmark cases that give both libraries the
// same weights and inputs: NCHW → NHWC activations, OIHW → HWIO conv filters (or [kH, kW, C, 1] depthwise),
// and the column order of a dense layer that follows a flatten (ours flattens (c, h, w), TF.js (h, w, c)).

import type { Tf, TfTensor } from './registry.ts';

/** A host tensor: shape and flat row-major values. */
export interface HostArray {
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

/** OIHW → HWIO (or, for a depthwise [C, 1, kH, kW] weight, → [kH, kW, C, 1]). */
export function toTfFilter(tf: Tf, t: HostArray, depthwise = false): TfTensor {
  const [O, I, kH, kW] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let h = 0; h < kH; h++)
        for (let w = 0; w < kW; w++) out[((h * kW + w) * I + i) * O + o] = t.data[((o * I + i) * kH + h) * kW + w]!;
  return depthwise ? tf.tensor4d(out, [kH, kW, O, 1]) : tf.tensor4d(out, [kH, kW, I, O]);
}

/** NCHW values → NHWC values (host). */
export function nchwToNhwc(x: ArrayLike<number>, [N, C, H, W]: readonly [number, number, number, number]): Float32Array {
  const out = new Float32Array(N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H * W; i++) out[(n * H * W + i) * C + c] = x[(n * C + c) * H * W + i]!;
  return out;
}

/**
 * The weight [out, C·H·W] of a Linear layer that follows a flatten of NCHW features, with its columns put in
 * the (h, w, c) order of a flatten of the same features in NHWC: column (h·W + w)·C + c of the result is column
 * (c·H + h)·W + w of ours. Still [out, in].
 */
export function denseAfterNhwcFlatten(weight: ArrayLike<number>, out: number, [C, H, W]: readonly [number, number, number]): Float32Array {
  const inF = C * H * W;
  const res = new Float32Array(out * inF);
  for (let o = 0; o < out; o++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) res[o * inF + (h * W + w) * C + c] = weight[o * inF + (c * H + h) * W + w]!;
  return res;
}
