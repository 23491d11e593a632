// The one place a batch of decoded images becomes the network's input tensor. Everything in src/data that makes
// batches calls prepareBatch; nothing else touches pixels on their way to the GPU.
//
// The work runs on the GPU (src/engine/ops/image-prep.ts: resize with antialiasing, centre crop, gray/RGB,
// normalization and, for training batches, random resized crop, flip and colour jitter in the same pass): the
// host only uploads the decoded uint8 pixels, one word a pixel.

import { EngineError, prepareImages, type AugmentConfig, type Tensor } from '../engine/internal.ts';
import type { InputSpec, RgbaImage } from './types.ts';

/** Checks an input spec before any work: sizes, channels, one mean and std per channel. */
export function checkInput(op: string, input: InputSpec): void {
  const [h, w] = input.size;
  const positive = (v: number) => Number.isInteger(v) && v >= 1;
  if (!positive(h) || !positive(w)) throw new EngineError(`${op}: input.size must be two positive integers, got [${input.size.join(', ')}]`);
  if (input.channels !== 1 && input.channels !== 3) throw new EngineError(`${op}: input.channels must be 1 or 3, got ${String(input.channels)}`);
  if (input.resizeShorter !== null && !positive(input.resizeShorter)) {
    throw new EngineError(`${op}: input.resizeShorter must be a positive integer or null, got ${input.resizeShorter}`);
  }
  if (input.mean.length !== input.channels || input.std.length !== input.channels) {
    throw new EngineError(`${op}: input.mean and input.std need ${input.channels} values each, got ${input.mean.length} and ${input.std.length}`);
  }
  if (input.std.some((s) => !(s > 0))) throw new EngineError(`${op}: input.std must be positive, got [${input.std.join(', ')}]`);
}

/**
 * Decoded RGBA images → float32 [N, C, H, W] on the GPU, prepared for `input`, augmented when `augment` is given
 * (its seed makes the batch repeatable). The caller owns the tensor.
 */
export function prepareBatch(images: readonly RgbaImage[], input: InputSpec, augment?: AugmentConfig): Tensor {
  return prepareImages(images, input, { op: 'batches', ...(augment ? { augment } : {}) });
}
