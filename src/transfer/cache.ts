// The feature cache at the freeze boundary. When the bottom of a model is frozen and deterministic (frozen
// parameters, BatchNorm in eval mode, no active Dropout), its output for every sample of a dataset is computed
// once and kept; an epoch then runs only the part above the boundary. The same loop serves every strategy:
//
//   const cache = new transfer.FeatureCache(model, { images, count, shape: [1, 28, 28] });
//   for (const epoch of …) {
//     await cache.prepare();                          // (re)builds when stale; cheap otherwise
//     for (const idx of batches) {
//       const loss = tidy(() => crossEntropy(cache.forward(idx), labelsOf(idx)));   // == model.forward(images[idx])
//       …
//     }
//   }
//
// The boundary is found, not declared: the last cut point below which every module is frozen and
// deterministic. Unfreezing a group moves it down; nothing frozen means no cache (forward runs the whole
// model on the uploaded images), so the loop never changes.
//
// Validity. The cache is keyed on the boundary, the train/eval flag and frozen state of every module below it,
// and, for each of their parameters and buffers, the storage it lives in and that buffer's write version (the
// recorder bumps a buffer's version for every kernel or copy that writes it: loadStateDict, an optimizer step,
// a BatchNorm update, a user's copyInto). So it is rebuilt whenever it could be stale, whoever changed the
// model. `forward` checks the key on every call: a stale GPU cache is rebuilt on the spot (GPU work only); a
// stale host cache is bypassed (the frozen part runs for that batch) until the next `prepare()` rebuilds it.
//
// Memory. WebGPU cannot report free memory, so the budget is an option: `budgetBytes`, default 256 MiB (the
// largest buffer every WebGPU device must allow, maxBufferSize). Features that fit live in one GPU tensor that
// fills as batches arrive: a batch's samples not yet cached run through the frozen part together and their
// rows are copied in (indexCopyInto), then the whole batch is one gather (indexSelect). So the first epoch
// costs what an uncached one does, later ones only the part above the boundary, and a boundary that moves
// before an epoch ends wastes nothing. Features over the budget are computed up front in chunks of `chunk`
// samples (default 256), read back into host memory, and each batch is gathered on the CPU and uploaded
// (slower, and the progress line says so).
//
// Cached against uncached: a sample's features do not depend on the other samples of its batch (eval-mode
// BatchNorm, no Dropout), but a kernel's summation order can depend on the problem size through the tile
// version 'auto' picks. On the GPU path a first epoch runs the frozen part on the same batches as the
// uncached path would, so the two train to the same weights (bit-identical in the tests); the host path's
// chunks agree with them to float rounding.

import {
  EngineError, ShapeError, fmtShape, checkOptions, writeVersion, emptyTensor, indexCopyInto, indexSelect, keep, noGrad, tensor, tidy, type Tensor,
} from '../engine/internal.ts';
import { Dropout, Module } from '../nn/index.ts';
import { canResume, cutPoints, forwardFrom, forwardTo, viewOf } from './cut.ts';
import { featureShape } from './shapes.ts';

/** A host dataset of images: `count` samples of `shape` each, row-major in `images`. */
export interface ImageSet {
  images: Float32Array;
  count: number;
  /** One sample's shape, e.g. [1, 28, 28]. */
  shape: readonly number[];
}

export interface FeatureCacheProgress {
  done: number;
  total: number;
  boundary: string;
  storage: 'gpu' | 'host';
  bytes: number;
  /** A line for the log: what is being built and where it lives. */
  line: string;
}

export interface FeatureCacheOptions {
  /** Bytes of features kept on the GPU (default 256 MiB); beyond it the cache lives in host memory. */
  budgetBytes?: number;
  /** Samples per chunk while building (default 256). */
  chunk?: number;
  /** false: never cache (forward always runs the whole model), the baseline for comparisons. */
  enabled?: boolean;
  onProgress?: (p: FeatureCacheProgress) => void;
}

export interface FeatureCacheStats {
  /** How many times the cache was (re)started for a boundary and a state of the frozen part. */
  builds: number;
  /** Samples run through the frozen part to fill the cache. */
  computedSamples: number;
  /** Batches served from the cache / run through the whole model / bypassed a stale host cache. */
  cachedBatches: number;
  uncachedBatches: number;
  bypassedBatches: number;
  boundary: string | null;
  storage: 'gpu' | 'host' | null;
  bytes: number;
}

export const DEFAULT_CACHE_BUDGET = 256 * 1024 * 1024;

const storageIds = new WeakMap<object, number>();
let nextStorageId = 1;
function idOf(o: object): number {
  let id = storageIds.get(o);
  if (id === undefined) storageIds.set(o, (id = nextStorageId++));
  return id;
}

export class FeatureCache {
  readonly options: Required<Omit<FeatureCacheOptions, 'onProgress'>> & Pick<FeatureCacheOptions, 'onProgress'>;
  private readonly sampleSize: number;
  private gpu: Tensor | null = null;
  /** Which rows of `gpu` hold features (1) and which are still empty (0). */
  private filled: Uint8Array | null = null;
  private host: Float32Array | null = null;
  private builtKey: string | null = null;
  private builtBoundary: string | null = null;
  private featureShape: number[] = [];
  private disposed = false;
  readonly stats: FeatureCacheStats = {
    builds: 0, computedSamples: 0, cachedBatches: 0, uncachedBatches: 0, bypassedBatches: 0, boundary: null, storage: null, bytes: 0,
  };

  constructor(readonly model: Module, readonly data: ImageSet, options: FeatureCacheOptions = {}) {
    if (!(model instanceof Module)) throw new TypeError('FeatureCache: model must be an nn.Module');
    checkOptions('FeatureCache', options, ['budgetBytes', 'chunk', 'enabled', 'onProgress']);
    if (!data || !(data.images instanceof Float32Array) || !Array.isArray(data.shape)) {
      throw new TypeError('FeatureCache: data must be { images: Float32Array, count, shape }');
    }
    this.sampleSize = data.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(data.count) || data.count < 1 || data.images.length !== data.count * this.sampleSize) {
      throw new ShapeError(`FeatureCache: ${data.images.length} values are not ${data.count} samples of ${fmtShape(data.shape)}`);
    }
    const budget = options.budgetBytes ?? DEFAULT_CACHE_BUDGET;
    const chunk = options.chunk ?? 256;
    if (!(budget >= 0)) throw new EngineError(`FeatureCache: budgetBytes must be ≥ 0, got ${budget}`);
    if (!Number.isInteger(chunk) || chunk < 1) throw new EngineError(`FeatureCache: chunk must be a positive integer, got ${chunk}`);
    this.options = { budgetBytes: budget, chunk, enabled: options.enabled ?? true, ...(options.onProgress ? { onProgress: options.onProgress } : {}) };
  }

  /** The cut point the cache sits at now (null: nothing below it is frozen and deterministic, or caching is off). */
  boundary(): string | null {
    if (!this.options.enabled || !canResume(this.model)) return null;
    const points = cutPoints(this.model);
    let last: string | null = null;
    for (const at of points) {
      if (!this.prefix(at).every(cacheable)) break;
      last = at;
    }
    return last;
  }

  /** Starts the cache (or starts it over when stale): room on the GPU, or the host copy computed. Returns whether it did. */
  async prepare(): Promise<boolean> {
    this.checkAlive();
    const at = this.boundary();
    if (at === null) {
      this.drop();
      return false;
    }
    if (this.builtKey === this.key(at)) return false;
    await this.build(at);
    return true;
  }

  /**
   * The model's output for the samples at `idx` (what `model.forward(images[idx])` returns), from the cache
   * when it is valid. A new tensor, recorded for autograd above the boundary.
   */
  forward(idx: ArrayLike<number>): Tensor {
    this.checkAlive();
    const at = this.boundary();
    if (at === null) {
      this.stats.uncachedBatches++;
      return tidy(() => this.model.forward(this.inputs(idx)) as Tensor);
    }
    if (this.builtKey !== this.key(at)) {
      if (!this.startOnGpu(at)) {
        // A stale host cache cannot be rebuilt without a readback: run the frozen part for this batch.
        this.stats.bypassedBatches++;
        return tidy(() => this.model.forward(this.inputs(idx)) as Tensor);
      }
    }
    if (this.gpu) this.fill(at, idx);
    this.stats.cachedBatches++;
    return tidy(() => {
      const features = this.cachedFeatures(idx);
      return forwardFrom(this.model, features, at);
    });
  }

  /** The inputs at `idx` as one uploaded tensor [n, ...shape]. */
  inputs(idx: ArrayLike<number>): Tensor {
    return tensor(gatherRows(this.data.images, this.sampleSize, idx, this.data.count), [idx.length, ...this.data.shape]);
  }

  /** Releases the cached features. The cache can be prepared again. */
  drop(): void {
    this.gpu?.dispose();
    this.gpu = null;
    this.filled = null;
    this.host = null;
    this.builtKey = null;
    this.builtBoundary = null;
    this.stats.boundary = null;
    this.stats.storage = null;
    this.stats.bytes = 0;
  }

  dispose(): void {
    this.drop();
    this.disposed = true;
  }

  // ---------------------------------------------------------------- internals

  private checkAlive(): void {
    if (this.disposed) throw new EngineError('FeatureCache: used after dispose()');
  }

  /**
   * The modules that run up to and including cut point `at`: those at the cut points so far, less any nested in
   * another of them (a Sequential's `features.0.1` inside `features.0`).
   */
  private prefix(at: string): Module[] {
    const points = cutPoints(this.model);
    const upTo = points.slice(0, points.indexOf(at) + 1);
    return upTo.filter((p) => !upTo.some((q) => p.startsWith(`${q}.`))).map((p) => this.model.getSubmodule(p));
  }

  /** What the cached features depend on, as a string (see the top of this file). */
  private key(at: string): string {
    const parts = [at];
    for (const m of this.prefix(at)) {
      for (const [, sub] of m.namedModules()) parts.push(sub.training ? 't' : 'e');
      for (const p of m.parameters()) parts.push(`${idOf(p.storage)}:${writeVersion(p.storage.buffer)}:${p.requiresGrad ? 1 : 0}`);
      for (const b of m.buffers()) parts.push(`${idOf(b.storage)}:${writeVersion(b.storage.buffer)}`);
    }
    return parts.join('|');
  }

  /** One sample's feature shape at `at` (shapes.ts: the layers' shape rules along a chain, else a one-sample run). */
  private featureShapeAt(at: string): number[] {
    return featureShape(viewOf('FeatureCache', this.model), [1, ...this.data.shape], at, () => this.inputs([0])).slice(1);
  }

  private async build(at: string): Promise<void> {
    this.drop();
    if (this.startOnGpu(at)) return;
    // Host memory, computed up front chunk by chunk.
    const shape = this.featureShapeAt(at);
    const perSample = shape.reduce((a, b) => a * b, 1);
    const bytes = this.data.count * perSample * 4;
    const host = new Float32Array(this.data.count * perSample);
    const budget = (this.options.budgetBytes / 2 ** 20).toFixed(0);
    for (let start = 0; start < this.data.count; start += this.options.chunk) {
      const n = Math.min(this.options.chunk, this.data.count - start);
      const out = this.runPrefix(at, Array.from({ length: n }, (_, i) => start + i));
      host.set(await out.data(), start * perSample);
      out.dispose();
      this.stats.computedSamples += n;
      const done = start + n;
      this.options.onProgress?.({
        done, total: this.data.count, boundary: at, storage: 'host', bytes,
        line: `feature cache at "${at}": ${done}/${this.data.count} samples, streamed to host memory `
          + `(${(bytes / 2 ** 20).toFixed(1)} MiB > GPU budget ${budget} MiB)`,
      });
    }
    this.host = host;
    this.finish(at, shape, 'host', bytes);
  }

  /** Starts an empty GPU cache for boundary `at` if its features fit the budget; false if they do not. */
  private startOnGpu(at: string): boolean {
    if (this.host !== null && this.builtBoundary === at) return false;
    const shape = this.featureShapeAt(at);
    const perSample = shape.reduce((a, b) => a * b, 1);
    const bytes = this.data.count * perSample * 4;
    if (bytes > this.options.budgetBytes) return false;
    const reuse = this.gpu !== null && this.gpu.size === this.data.count * perSample;
    if (!reuse) {
      this.drop();
      this.gpu = keep(emptyTensor([this.data.count, perSample]));
    }
    this.filled = new Uint8Array(this.data.count);
    this.host = null;
    this.finish(at, shape, 'gpu', bytes);
    this.options.onProgress?.({
      done: 0, total: this.data.count, boundary: at, storage: 'gpu', bytes,
      line: `feature cache at "${at}": room for ${this.data.count} × ${fmtShape(shape)} on the GPU (${(bytes / 2 ** 20).toFixed(1)} MiB), `
        + 'filled as batches arrive',
    });
    return true;
  }

  /** Runs the frozen part for the samples of `idx` not cached yet and copies their features in. */
  private fill(at: string, idx: ArrayLike<number>): void {
    const filled = this.filled!;
    checkedIndices(idx, this.data.count);
    const missing: number[] = [];
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i]!;
      if (filled[j] === 0) {
        filled[j] = 2; // taken, so a repeated index is computed once
        missing.push(j);
      }
    }
    if (missing.length === 0) return;
    const out = this.runPrefix(at, missing);
    const flat = out.reshape([missing.length, out.size / missing.length]);
    indexCopyInto(this.gpu!, 0, missing, flat);
    flat.dispose();
    out.dispose();
    for (const j of missing) filled[j] = 1;
    this.stats.computedSamples += missing.length;
  }

  private finish(at: string, shape: number[], storage: 'gpu' | 'host', bytes: number): void {
    this.featureShape = shape;
    this.builtBoundary = at;
    this.builtKey = this.key(at);
    this.stats.builds++;
    this.stats.boundary = at;
    this.stats.storage = storage;
    this.stats.bytes = bytes;
  }

  /** The frozen part's output for the samples `idx`, as one batch, outside autograd. */
  private runPrefix(at: string, idx: ArrayLike<number>): Tensor {
    return noGrad(() => tidy(() => forwardTo(this.model, this.inputs(idx), at)));
  }

  private cachedFeatures(idx: ArrayLike<number>): Tensor {
    const perSample = this.featureShape.reduce((a, b) => a * b, 1);
    if (this.gpu) {
      const index = tensor(Int32Array.from(checkedIndices(idx, this.data.count)), [idx.length], { dtype: 'int32' });
      const picked = indexSelect(this.gpu, 0, index);
      return picked.reshape([idx.length, ...this.featureShape]);
    }
    return tensor(gatherRows(this.host!, perSample, idx, this.data.count), [idx.length, ...this.featureShape]);
  }
}

/** Whether a frozen module's output can be cached: no trainable parameter, no batch statistics, no dropout. */
function cacheable(m: Module): boolean {
  for (const [, sub] of m.namedModules()) {
    if (sub.training && (sub.isBatchNorm() || sub instanceof Dropout)) return false;
  }
  return m.parameters().every((p) => !p.requiresGrad);
}

function checkedIndices(idx: ArrayLike<number>, count: number): ArrayLike<number> {
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= count) {
      throw new ShapeError(`FeatureCache: sample index ${v} is out of range for ${count} samples (a batch for another dataset?)`);
    }
  }
  return idx;
}

/** rows[idx[i]] for each i, from a host array of `count` rows of `rowSize`. */
export function gatherRows(src: Float32Array, rowSize: number, idx: ArrayLike<number>, count: number): Float32Array {
  checkedIndices(idx, count);
  const out = new Float32Array(idx.length * rowSize);
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i]! * rowSize, (idx[i]! + 1) * rowSize), i * rowSize);
  return out;
}


