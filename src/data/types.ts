// The contract between images in and training: what a dataset is to `transfer.fit`, `evaluate` and the
// command line, whatever it was made from (a folder of class folders, files a user dropped into a page, the
// webcam, tensors already on the GPU). A dataset holds its images compactly (encoded, or uint8 at the trunk's
// input size, never float32 on the host) and makes float32 NCHW batches on the GPU only when asked.
//
// src/data is a floor beside src/nn: it imports the engine only through src/engine/internal.ts, and
// src/transfer builds on it.

import type { Tensor } from '../engine/internal.ts';

/** RGBA pixels, row-major, 4 bytes a pixel (an ImageData has this shape). */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * How a trunk wants its input: the size it was trained at, its channels, and its normalization. Shipped with a
 * saved model (its metadata) so `predict` prepares new images the way training did.
 */
export interface InputSpec {
  /** Height and width of the network input, e.g. [224, 224] or [28, 28]. */
  size: readonly [number, number];
  /** 1 (gray) or 3 (RGB). */
  channels: 1 | 3;
  /** Resize so the shorter side is this before the centre crop (torchvision's Resize(256) + CenterCrop(224));
   * null resizes straight to `size`. */
  resizeShorter: number | null;
  /** Per-channel mean and std applied after scaling to [0, 1]; all-zero mean and unit std mean "v/255 only". */
  mean: readonly number[];
  std: readonly number[];
}

/** One batch ready for the network: float32 images [N, C, H, W] and int32 class indices [N] (owned by the caller). */
export interface LabeledBatch {
  x: Tensor;
  y: Tensor;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle the order each call (seeded from `seed`, or from the engine's RNG when no seed is given). */
  shuffle?: boolean;
  seed?: number;
  /** Random augmentation on the GPU (training batches only). */
  augment?: boolean;
  /** Stops between batches: the iterator returns, nothing leaked. */
  signal?: AbortSignal;
}

/**
 * A labelled set of images. `batches` yields GPU batches prepared for `input`; the caller disposes each batch's
 * tensors (or runs inside tidy). `labels` are class indices into `classes`, one per image.
 */
export interface LabeledImages {
  readonly classes: readonly string[];
  readonly size: number;
  readonly labels: Int32Array;
  /** The input spec batches are prepared for; `withInput` gives a view of the same images for another trunk. */
  readonly input: InputSpec;
  withInput(input: InputSpec): LabeledImages;
  /** The images at these indices as one set (shares the stored images). */
  subset(indices: readonly number[]): LabeledImages;
  batches(options: BatchOptions): AsyncIterable<LabeledBatch>;
}
