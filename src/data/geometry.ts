// Where an image lands in the network input, as torchvision places it: resized straight to `size`, or its
// shorter side to `resizeShorter` and then centre-cropped. The decoders use it to shrink an image once, on
// decode, when a set holds pixels at the input size; the GPU op (src/engine/ops/image-prep.ts) places it the same
// way on every batch.

import { EngineError } from '../engine/internal.ts';
import type { InputSpec } from './types.ts';

/** The resized height and width, and the crop's top-left corner inside them. */
export function resizedGeometry(width: number, height: number, input: InputSpec): { rh: number; rw: number; top: number; left: number } {
  const [oh, ow] = input.size;
  if (input.resizeShorter === null) return { rh: oh, rw: ow, top: 0, left: 0 };
  const s = input.resizeShorter;
  const [rh, rw] = width <= height ? [Math.trunc((s * height) / width), s] : [s, Math.trunc((s * width) / height)];
  if (oh > rh || ow > rw) throw new EngineError(`prepareImages: a ${oh}×${ow} crop does not fit ${rh}×${rw} (resizeShorter ${s})`);
  return { rh, rw, top: Math.round((rh - oh) / 2), left: Math.round((rw - ow) / 2) };
}
