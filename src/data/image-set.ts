// ImageSet: the LabeledImages that image folders, files and buffers become (see types.ts for the contract).
// It holds each image compactly — its file bytes (a Uint8Array in Node, a Blob/File in the page), or uint8 RGBA
// already at the trunk's input size — and decodes a batch at a time, the next batch while the caller trains on
// the current one (prefetch.ts). Subsets, splits and other input specs share the held images.

import { drawSeed, EngineError, randperm, sync, tensor, type AugmentConfig, type Tensor } from '../engine/internal.ts';
import { prefetchOne } from './prefetch.ts';
import { checkInput, prepareBatch } from './prepare.ts';
import { stratifiedSplit, type SplitOptions } from './split.ts';
import type { BatchOptions, InputSpec, LabeledBatch, LabeledImages, RgbaImage } from './types.ts';

/** One image as held: its encoded bytes, or its pixels (uint8 RGBA, already at the input size). `name` is for messages. */
export type HeldImage = { name: string; bytes: Uint8Array | Blob } | { name: string; pixels: RgbaImage };

export interface ImageSetInit {
  classes: readonly string[];
  labels: Int32Array;
  images: readonly HeldImage[];
  input: InputSpec;
  /** Decodes held bytes to RGBA (sharp in Node, createImageBitmap in the page). */
  decode: (bytes: Uint8Array | Blob) => Promise<RgbaImage>;
  /** Receives 'decode k' / 'yield k' as batches are made (tests read the order). */
  trace?: (event: string) => void;
  /** Batch preparation (defaults to prepare.ts's; tests without a GPU pass their own). */
  prepare?: (images: readonly RgbaImage[], input: InputSpec, augment?: AugmentConfig) => Tensor;
  /** Class labels → int32 tensor (defaults to an upload; tests without a GPU pass their own). */
  labelTensor?: (labels: Int32Array) => Tensor;
  /** "The GPU has finished what was submitted so far" (defaults to the engine's sync; see prefetch.ts's backpressure). */
  fence?: () => Promise<void>;
}

const BATCH_OPTIONS = new Set(['batchSize', 'shuffle', 'seed', 'augment', 'signal']);

export class ImageSet implements LabeledImages {
  readonly classes: readonly string[];
  readonly labels: Int32Array;
  readonly input: InputSpec;
  private readonly init: ImageSetInit;

  constructor(init: ImageSetInit) {
    if (init.labels.length !== init.images.length) throw new EngineError(`ImageSet: ${init.labels.length} labels for ${init.images.length} images`);
    const bad = init.labels.findIndex((l) => l < 0 || l >= init.classes.length);
    if (bad >= 0) {
      throw new EngineError(`ImageSet: label ${init.labels[bad]} of image '${init.images[bad]!.name}' is not a class index (${init.classes.length} classes)`);
    }
    checkInput('ImageSet', init.input);
    this.init = init;
    this.classes = init.classes;
    this.labels = init.labels;
    this.input = init.input;
  }

  get size(): number {
    return this.labels.length;
  }

  /** The held images' names (file paths, or `class/index` for sources without one), in index order. */
  get names(): string[] {
    return this.init.images.map((h) => h.name);
  }

  /** Host bytes the held images take: encoded file bytes, or uint8 RGBA pixels (a page's memory readout). */
  get heldBytes(): number {
    return this.init.images.reduce((a, h) => a + ('pixels' in h ? h.pixels.data.byteLength : 'size' in h.bytes ? h.bytes.size : h.bytes.byteLength), 0);
  }

  withInput(input: InputSpec): ImageSet {
    return new ImageSet({ ...this.init, input });
  }

  subset(indices: readonly number[]): ImageSet {
    const n = this.size;
    const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= n);
    if (bad !== undefined) throw new EngineError(`subset: index ${bad} is out of range for ${n} images`);
    return new ImageSet({ ...this.init, images: indices.map((i) => this.init.images[i]!), labels: Int32Array.from(indices, (i) => this.labels[i]!) });
  }

  /** A stratified train/validation split by seed (split.ts); both parts share this set's images. */
  split(options: SplitOptions): { train: ImageSet; validation: ImageSet } {
    const { train, validation } = stratifiedSplit(this.labels, this.classes, options);
    return { train: this.subset(train), validation: this.subset(validation) };
  }

  /** Decodes the images at these indices to RGBA (for predict and previews); held pixels are returned as held. */
  decodeImages(indices: readonly number[]): Promise<RgbaImage[]> {
    return Promise.all(indices.map((i) => this.decodeOne(i)));
  }

  private async decodeOne(i: number): Promise<RgbaImage> {
    const held = this.init.images[i];
    if (!held) throw new EngineError(`decode: index ${i} is out of range for ${this.size} images`);
    if ('pixels' in held) return held.pixels;
    try {
      return await this.init.decode(held.bytes);
    } catch (e) {
      throw new EngineError(`batches: could not decode '${held.name}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  batches(options: BatchOptions): AsyncIterable<LabeledBatch> {
    const unknown = Object.keys(options).filter((k) => !BATCH_OPTIONS.has(k));
    if (unknown.length) throw new EngineError(`batches: unknown option(s) ${unknown.join(', ')}`);
    const { batchSize, shuffle = false, seed, augment = false, signal } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new EngineError(`batches: batchSize must be a positive integer, got ${batchSize}`);
    if (seed !== undefined && !Number.isInteger(seed)) throw new EngineError(`batches: seed must be an integer, got ${seed}`);
    // Augmentation draws one seed per batch from one base: the batches' seed when given (repeatable), else the
    // engine's stream.
    const augmentBase = augment ? (seed ?? drawSeed()) : 0;
    const augmentFor = (k: number): AugmentConfig | undefined => (augment ? { seed: (augmentBase + Math.imul(k + 1, 0x9e3779b1)) >>> 0 } : undefined);
    const n = this.size;
    const order = shuffle ? randperm(n, { seed: seed ?? drawSeed() }) : Int32Array.from({ length: n }, (_, i) => i);
    const count = Math.ceil(n / batchSize);
    const at = (k: number) => Array.from(order.subarray(k * batchSize, Math.min(n, (k + 1) * batchSize)));
    const { input, trace } = this.init;
    const prepare = this.init.prepare ?? prepareBatch;
    const labelTensor = this.init.labelTensor ?? ((l: Int32Array) => tensor(l, [l.length]));
    const finish = (images: RgbaImage[], k: number): LabeledBatch => {
      const x = prepare(images, input, augmentFor(k));
      try {
        return { x, y: labelTensor(Int32Array.from(at(k), (i) => this.labels[i]!)) };
      } catch (e) {
        x.dispose();
        throw e;
      }
    };
    const decode = (k: number) => this.decodeImages(at(k));
    const fence = this.init.fence ?? sync;
    return { [Symbol.asyncIterator]: () => prefetchOne(count, decode, finish, { signal, trace, fence }) };
  }
}
