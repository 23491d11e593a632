// How similar is a target task to what a trunk learned? Measured, not asserted: a linear probe.
//
// For each cut point, the target sample's features are computed with the frozen trunk, standardised over the
// sample, and a linear probe (ridge regression onto one-hot labels, solved in closed form from the features'
// Gram matrix) is scored by k-fold cross-validation (default 5 folds of consecutive samples: fit on four,
// score the fifth, every sample scored once), so that a small sample still gives a usable estimate.
// History, all before the first full experiment: version 1 trained a logistic-regression probe with Adam and
// scored one 70/30 split; on a 100-digit sample each of its 30 held-out digits moved the score by 3.3 points
// (noise), and k-fold Adam probes cost thousands of dispatches, so version 2 is the closed-form k-fold probe.
// Version 3 (issue 22): a whole model is probed at its trunk's cut points, never at its head (the last layer
// group when it holds an nn.Linear: probing the old head's logits measured the source task, not the
// features), and the baseline is several random trunks: by default the model itself re-initialised with
// seeds 0, 1, 2 (PyTorch's default init, reinit.ts; its weights are put back), or a function that makes one;
// each probe reports every baseline's accuracy and their spread, and the report the spread of the similarity.
// A trunk without a head keeps the version-2 default (the raw pixels); one Module as baseline is one baseline.
// The similarity is the share of a baseline's error that the pretrained features remove, at the deepest cut
// point measured, averaged over the baselines (`spread` gives each one's):
//
//     similarity = (acc_pretrained − acc_baseline) / (1 − acc_baseline)      (1: all of it, ≤ 0: none)
//
// and `bestCut` is the cut point where the pretrained probe scored best (where to truncate when the deeper
// layers are too specific to the source). recommendStrategy (advisor.ts) reads both. The cost is one forward
// of the sample per cut point per trunk, one Gram matmul and one [n, n] readback each, and a CPU solve per fold.

import { EngineError, ShapeError, fmtShape, checkOptions, Tensor, concat, matmul, noGrad, tensor, tidy } from '../engine/internal.ts';
import { Linear, Module, globMatches } from '../nn/index.ts';
import { cutPoints, forwardTo } from './cut.ts';
import { layerGroups, type LayerGroup } from './layer-groups.ts';
import { reinitialize, restore, snapshot } from './reinit.ts';
import type { ImageSet } from './cache.ts';
import type { LabeledImages } from '../data/types.ts';

export interface LabelledImageSet extends ImageSet {
  labels: Int32Array;
}

export interface SimilarityOptions {
  /** Cut points to probe (default: see trunkProbePoints). The last one gives `similarity`. */
  at?: string[];
  /**
   * The baseline: a randomly initialised model of the same architecture, a function that makes one (called
   * `baselines` times, each disposed after use), or 'pixels'. Default: for a whole model (it has a head), the
   * model itself re-initialised `baselines` times (seeded; its weights are put back); for a trunk, the pixels.
   */
  baseline?: Module | (() => Module) | 'pixels';
  /** How many random baselines (default 3; 1 when `baseline` is one Module). */
  baselines?: number;
  /** Seeds the re-initialised baselines (default 0): baseline i uses seed + i. */
  seed?: number;
  /** Cross-validation folds (default 5; at least 2). */
  folds?: number;
}

export interface ProbeResult {
  at: string;
  features: number;
  pretrained: number;
  /** The mean of the baselines' probe accuracies. */
  baseline: number;
  /** Each baseline's probe accuracy, and their standard deviation. */
  baselines: number[];
  baselineStd: number;
}

export interface SimilarityReport {
  similarity: number;
  /** Similarity against each baseline at the deepest cut, and its spread (standard deviation, min, max). */
  spread: { values: number[]; std: number; min: number; max: number };
  /** The cut point whose pretrained probe scored best. */
  bestCut: string;
  probes: ProbeResult[];
  baselineKind: 'random trunk' | 'pixels';
  /** The head that was left out of the probes (a whole model's last layer group), or null. */
  head: string | null;
  sampleCount: number;
  folds: number;
}

const ALLOWED = ['at', 'baseline', 'baselines', 'seed', 'folds'];

/**
 * The cut points measureSimilarity probes by default. A whole model's head (its last layer group, when that
 * group holds an nn.Linear) is never probed: the probes sit at the end of each trunk group (for the digits
 * CNN features.0, features.1, features.2). A trunk without a head: its last cut point.
 */
export function trunkProbePoints(model: Module): { points: string[]; trunk: string[]; head: string | null } {
  const all = cutPoints(model);
  let groups: LayerGroup[] = [];
  try {
    groups = layerGroups(model);
  } catch {
    groups = [];
  }
  const last = groups[groups.length - 1];
  const isHead = groups.length >= 2 && !!last && model.namedModules().some(([path, m]) => m instanceof Linear && globMatches(last.globs, path));
  if (!isHead) return { points: [all[all.length - 1]!], trunk: all, head: null };
  const trunk = all.filter((p) => !globMatches(last.globs, p));
  const ends = groups.slice(0, -1).map((g) => trunk.filter((p) => globMatches(g.globs, p)).at(-1)).filter((p): p is string => p !== undefined);
  return { points: ends.length ? ends : trunk.slice(-1), trunk, head: last.name };
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]): number => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));

/** A dataset's images on the host, in order (a few hundred images: what a probe sample is). */
export async function hostSample(data: LabeledImages): Promise<LabelledImageSet> {
  const { channels, size } = data.input;
  const per = channels * size[0] * size[1];
  const images = new Float32Array(data.size * per);
  let at = 0;
  for await (const batch of data.batches({ batchSize: 256 })) {
    batch.y.dispose();
    images.set((await batch.x.data()) as Float32Array, at * per);
    at += batch.x.shape[0]!;
    batch.x.dispose();
  }
  return { images, labels: Int32Array.from(data.labels), count: data.size, shape: [channels, size[0], size[1]] };
}

export async function measureSimilarity(trunk: Module, data: LabelledImageSet | LabeledImages, options: SimilarityOptions = {}): Promise<SimilarityReport> {
  checkOptions('measureSimilarity', options, ALLOWED);
  if (!(trunk instanceof Module)) throw new TypeError('measureSimilarity: trunk must be an nn.Module');
  const sample = typeof (data as LabeledImages).batches === 'function' ? await hostSample(data as LabeledImages) : (data as LabelledImageSet);
  const per = sample.shape.reduce((a, b) => a * b, 1);
  if (!(sample.labels instanceof Int32Array) || sample.labels.length !== sample.count || sample.images.length !== sample.count * per) {
    throw new ShapeError(`measureSimilarity: the sample must hold ${sample.count} images of ${fmtShape(sample.shape)} and ${sample.count} int32 labels`);
  }
  const { points: defaults, trunk: allowed, head } = trunkProbePoints(trunk);
  const at = options.at ?? defaults;
  for (const p of at) {
    if (!allowed.includes(p)) {
      const why = head ? ` (the head "${head}" is not probed)` : '';
      throw new EngineError(`measureSimilarity: "${p}" is not a cut point of ${trunk.label()}'s trunk${why} (valid cut points: ${allowed.join(', ')})`);
    }
  }
  const folds = options.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 2 || folds > sample.count) {
    throw new EngineError(`measureSimilarity: folds must be an integer in [2, ${sample.count}] (the sample size), got ${folds}`);
  }
  const b = options.baseline;
  let kind: 'reinit' | 'module' | 'factory' | 'pixels' = 'factory';
  if (b === undefined) kind = head ? 'reinit' : 'pixels';
  else if (b === 'pixels') kind = 'pixels';
  else if (b instanceof Module) kind = 'module';
  if (b !== undefined && b !== 'pixels' && !(b instanceof Module) && typeof b !== 'function') {
    throw new TypeError("measureSimilarity: baseline must be an nn.Module, a function making one, or 'pixels'");
  }
  const count = kind === 'module' || kind === 'pixels' ? 1 : (options.baselines ?? 3);
  if (!Number.isInteger(count) || count < 1) throw new EngineError(`measureSimilarity: baselines must be a positive integer, got ${options.baselines}`);
  const classes = Math.max(...sample.labels) + 1;

  const wasTraining = trunk.training;
  trunk.eval();
  const pretrained: Array<{ accuracy: number; features: number }> = [];
  const base: number[][] = at.map(() => []);
  try {
    for (const p of at) pretrained.push(await probe(featuresOf(trunk, sample, p), sample.labels, folds, classes));
    if (kind === 'pixels') {
      const px = (await probe(tensor(sample.images, [sample.count, per]), sample.labels, folds, classes)).accuracy;
      base.forEach((row) => row.push(px));
    } else if (kind === 'module') {
      const m = b as Module;
      const was = m.training;
      m.eval();
      try {
        for (let i = 0; i < at.length; i++) base[i]!.push((await probe(featuresOf(m, sample, at[i]!), sample.labels, folds, classes)).accuracy);
      } finally {
        m.train(was);
      }
    } else if (kind === 'factory') {
      for (let k = 0; k < count; k++) {
        const m = (b as () => Module)();
        if (!(m instanceof Module)) throw new TypeError('measureSimilarity: the baseline function must return an nn.Module');
        try {
          m.eval();
          for (let i = 0; i < at.length; i++) base[i]!.push((await probe(featuresOf(m, sample, at[i]!), sample.labels, folds, classes)).accuracy);
        } finally {
          m.dispose();
        }
      }
    } else {
      const snap = snapshot(trunk);
      try {
        for (let k = 0; k < count; k++) {
          reinitialize(trunk, (options.seed ?? 0) + k);
          for (let i = 0; i < at.length; i++) base[i]!.push((await probe(featuresOf(trunk, sample, at[i]!), sample.labels, folds, classes)).accuracy);
        }
      } finally {
        restore(trunk, snap);
      }
    }
  } finally {
    trunk.train(wasTraining);
  }
  const probes: ProbeResult[] = at.map((p, i) => ({
    at: p, features: pretrained[i]!.features, pretrained: pretrained[i]!.accuracy, baseline: mean(base[i]!), baselines: base[i]!, baselineStd: std(base[i]!),
  }));
  const last = probes[probes.length - 1]!;
  const score = (bl: number): number => (bl >= 1 ? 0 : (last.pretrained - bl) / (1 - bl));
  const values = last.baselines.map(score);
  const best = probes.reduce((x, y) => (y.pretrained > x.pretrained ? y : x));
  return {
    similarity: mean(values), spread: { values, std: std(values), min: Math.min(...values), max: Math.max(...values) },
    bestCut: best.at, probes, baselineKind: kind === 'pixels' ? 'pixels' : 'random trunk', head, sampleCount: sample.count, folds,
  };
}

/** The features at cut point `at` for the whole sample, flattened to [count, F] (chunks of 256). */
export function featuresOf(model: Module, sample: ImageSet, at: string): Tensor {
  const per = sample.shape.reduce((a, b) => a * b, 1);
  const parts: Tensor[] = [];
  for (let s = 0; s < sample.count; s += 256) {
    const n = Math.min(256, sample.count - s);
    parts.push(noGrad(() => tidy(() => {
      const f = forwardTo(model, tensor(sample.images.subarray(s * per, (s + n) * per), [n, ...sample.shape]), at);
      return f.reshape([n, f.size / n]);
    })));
  }
  if (parts.length === 1) return parts[0]!;
  const all = noGrad(() => concat(parts, 0));
  for (const p of parts) p.dispose();
  return all;
}

/**
 * The k-fold cross-validated accuracy of a ridge-regression probe (least squares onto one-hot labels, plus a
 * bias, then argmax) on `features` [n, F], solved in its dual form: the features are standardised over the
 * sample and their Gram matrix K = Z·Zᵀ [n, n] is the only thing read back; each fold solves
 * (K_tt + 1 + λI)·α = Y_t on the CPU (Cholesky; n is a few hundred) with λ = RIDGE · mean(diag K_tt), and
 * predicts (K_st + 1)·α. Disposes `features`.
 */
async function probe(features: Tensor, labels: Int32Array, folds: number, classes: number): Promise<{ accuracy: number; features: number }> {
  const [n, f] = features.shape as [number, number];
  const gram = noGrad(() => tidy(() => {
    const mean = features.mean(0, true);
    const centred = features.sub(mean);
    const z = centred.div(centred.mul(centred).mean(0, true).add(1e-5).sqrt());
    return matmul(z, z.T);
  }));
  features.dispose();
  const k32 = (await gram.data()) as Float32Array;
  gram.dispose();
  const K = Float64Array.from(k32);
  let correct = 0;
  for (let fold = 0; fold < folds; fold++) {
    const lo = Math.floor((fold * n) / folds);
    const hi = Math.floor(((fold + 1) * n) / folds);
    const train = Array.from({ length: n - (hi - lo) }, (_, i) => (i < lo ? i : i + hi - lo));
    const m = train.length;
    const A = new Float64Array(m * m);
    let diag = 0;
    for (let i = 0; i < m; i++) diag += K[train[i]! * n + train[i]!]!;
    const lambda = RIDGE * (diag / m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) A[i * m + j] = K[train[i]! * n + train[j]!]! + 1 + (i === j ? lambda : 0);
    }
    const Y = new Float64Array(m * classes);
    train.forEach((r, i) => (Y[i * classes + labels[r]!] = 1));
    const alpha = choleskySolve(A, m, Y, classes);
    for (let s = lo; s < hi; s++) {
      let bestC = 0;
      let bestV = -Infinity;
      for (let c = 0; c < classes; c++) {
        let v = 0;
        for (let i = 0; i < m; i++) v += (K[s * n + train[i]!]! + 1) * alpha[i * classes + c]!;
        if (v > bestV) [bestV, bestC] = [v, c];
      }
      if (bestC === labels[s]) correct++;
    }
  }
  return { accuracy: correct / n, features: f };
}

/** Ridge strength of the probe, relative to the mean squared norm of a standardised feature vector. */
const RIDGE = 0.1;

/** Solves A·X = B for symmetric positive definite A [m, m] and B [m, k] (Cholesky), in float64. */
function choleskySolve(A: Float64Array, m: number, B: Float64Array, k: number): Float64Array {
  const L = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    let d = A[j * m + j]!;
    for (let p = 0; p < j; p++) d -= L[j * m + p]! ** 2;
    const ljj = Math.sqrt(Math.max(d, 1e-12));
    L[j * m + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      let v = A[i * m + j]!;
      for (let p = 0; p < j; p++) v -= L[i * m + p]! * L[j * m + p]!;
      L[i * m + j] = v / ljj;
    }
  }
  const X = Float64Array.from(B);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < m; i++) {
      let v = X[i * k + c]!;
      for (let p = 0; p < i; p++) v -= L[i * m + p]! * X[p * k + c]!;
      X[i * k + c] = v / L[i * m + i]!;
    }
    for (let i = m - 1; i >= 0; i--) {
      let v = X[i * k + c]!;
      for (let p = i + 1; p < m; p++) v -= L[p * m + i]! * X[p * k + c]!;
      X[i * k + c] = v / L[i * m + i]!;
    }
  }
  return X;
}
