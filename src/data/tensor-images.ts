// A LabeledImages over images already prepared on the GPU: `fromTensors(x, y, classes, input?)`. The smallest
// dataset there is: x is float32 [N, C, H, W] in the trunk's input form (already scaled and normalized), y the
// N class indices. Batches are gathers of x (indexSelect, one kernel) and an upload of the batch's labels;
// nothing is decoded. It serves tests, in-memory data (the digits shipped with the project), and anything a
// user has turned into a tensor; the folder and file loaders implement the same contract (types.ts).
//
// Ownership: the dataset does not own x. It keeps x (and its subsets share it); dispose x when every dataset
// made from it is done. Each batch's tensors belong to the caller.
// Shuffling: a seeded permutation (randperm) when `seed` is given, else one draw from the engine's stream.

import { EngineError, ShapeError, fmtShape, checkOptions, indexSelect, randperm, tensor, Tensor } from '../engine/internal.ts';
import type { BatchOptions, InputSpec, LabeledBatch, LabeledImages } from './types.ts';

/** The input spec of images that are already in the network's form (v/255 only, no resize). */
function defaultInput(x: Tensor): InputSpec {
  const [, c, h, w] = x.shape as [number, number, number, number];
  return { size: [h, w], channels: c === 1 ? 1 : 3, resizeShorter: null, mean: Array(c).fill(0), std: Array(c).fill(1) };
}

class TensorImages implements LabeledImages {
  readonly size: number;
  constructor(
    private readonly x: Tensor,
    /** Which rows of x this set holds, in order. */
    private readonly rows: Int32Array,
    readonly labels: Int32Array,
    readonly classes: readonly string[],
    readonly input: InputSpec,
  ) {
    this.size = rows.length;
  }

  withInput(input: InputSpec): LabeledImages {
    const [, c, h, w] = this.x.shape as [number, number, number, number];
    if (input.channels !== c || input.size[0] !== h || input.size[1] !== w) {
      const wanted = fmtShape([input.channels, ...input.size]);
      throw new ShapeError(`fromTensors: these images are tensors of ${fmtShape([c, h, w])} already; they cannot be prepared for an input of ${wanted}`);
    }
    return new TensorImages(this.x, this.rows, this.labels, this.classes, input);
  }

  subset(indices: readonly number[]): LabeledImages {
    const rows = new Int32Array(indices.length);
    const labels = new Int32Array(indices.length);
    indices.forEach((i, k) => {
      if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new EngineError(`fromTensors: subset index ${i} is out of range for ${this.size} images`);
      rows[k] = this.rows[i]!;
      labels[k] = this.labels[i]!;
    });
    return new TensorImages(this.x, rows, labels, this.classes, this.input);
  }

  async *batches(options: BatchOptions): AsyncIterable<LabeledBatch> {
    checkOptions('batches', options, ['batchSize', 'shuffle', 'seed', 'augment', 'signal']);
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new EngineError(`batches: batchSize must be a positive integer, got ${batchSize}`);
    if (options.augment) throw new EngineError('batches: fromTensors datasets hold prepared tensors and do not augment (augment: false)');
    const order = options.shuffle ? randperm(this.size, options.seed !== undefined ? { seed: options.seed } : {}) : null;
    for (let start = 0; start < this.size; start += batchSize) {
      if (options.signal?.aborted) return;
      const n = Math.min(batchSize, this.size - start);
      const rows = new Int32Array(n);
      const labels = new Int32Array(n);
      for (let k = 0; k < n; k++) {
        const i = order ? order[start + k]! : start + k;
        rows[k] = this.rows[i]!;
        labels[k] = this.labels[i]!;
      }
      const index = tensor(rows, [n], { dtype: 'int32' });
      const x = indexSelect(this.x, 0, index);
      index.dispose();
      yield { x, y: tensor(labels, [n], { dtype: 'int32' }) };
    }
  }
}

/** Whether `d` is a fromTensors dataset (prepared tensors: no augmentation). */
export function isTensorImages(d: LabeledImages): boolean {
  return d instanceof TensorImages;
}

/**
 * A dataset over float32 images x [N, C, H, W] already on the GPU and their labels y (class indices, host
 * side), named by `classes`. `input` says what the images were prepared for (default: their own size, v/255).
 */

export function fromTensors(x: Tensor, y: Int32Array | readonly number[], classes: readonly string[], input?: InputSpec): LabeledImages {
  if (!(x instanceof Tensor)) throw new TypeError('fromTensors: x must be a Tensor of images [N, C, H, W]');
  if (x.shape.length !== 4 || x.dtype !== 'float32') throw new ShapeError(`fromTensors: x must be float32 [N, C, H, W], got ${x.dtype} ${fmtShape(x.shape)}`);
  const n = x.shape[0]!;
  if (!(y instanceof Int32Array) && !Array.isArray(y)) throw new TypeError('fromTensors: y must be an Int32Array (or array) of class indices, on the host');
  if (y.length !== n) throw new ShapeError(`fromTensors: ${y.length} labels for ${n} images ${fmtShape(x.shape)}`);
  if (!Array.isArray(classes) || classes.length < 2 || classes.some((c) => typeof c !== 'string')) {
    throw new EngineError(`fromTensors: classes must be at least two class names, got ${JSON.stringify(classes)}`);
  }
  const labels = Int32Array.from(y);
  labels.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= classes.length) {
      throw new EngineError(`fromTensors: label ${v} of image ${i} is not a class index in [0, ${classes.length})`);
    }
  });
  const spec = input ?? defaultInput(x);
  const set = new TensorImages(x, Int32Array.from({ length: n }, (_, i) => i), labels, [...classes], defaultInput(x));
  return input ? set.withInput(spec) : set;
}
