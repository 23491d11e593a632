// How similar is a target task to what a trunk learned? Measured, not asserted: a linear probe.
//
// For each cut point, the target sample's features are computed with the frozen trunk, standardised over the
// sample, and a linear probe (ridge regression onto one-hot labels, solved in closed form from the features'
// Gram matrix) is scored by k-fold cross-validation (default 5 folds of consecutive samples: fit on four,
// score the fifth, every sample scored once), so that a small sample still gives a usable estimate.
// History, all before the first full experiment: version 1 trained a logistic-regression probe with Adam and
// scored one 70/30 split; on a 100-digit sample each of its 30 held-out digits moved the score by 3.3 points
// (noise), and k-fold Adam probes cost thousands of dispatches, so version 2 is the closed-form k-fold probe.
// The same probe runs on a baseline: a randomly initialised trunk of the same architecture when one is given,
// else the raw pixels. The similarity is the share of the baseline's error that the pretrained features
// remove, at the deepest cut point measured:
//
//     similarity = (acc_pretrained − acc_baseline) / (1 − acc_baseline)      (1: all of it, ≤ 0: none)
//
// and `bestCut` is the cut point where the pretrained probe scored best (where to truncate when the deeper
// layers are too specific to the source). recommendStrategy (advisor.ts) reads both. The cost is one forward
// of the sample per cut point per trunk, one Gram matmul and one [n, n] readback each, and a CPU solve per fold.

import { EngineError, ShapeError, fmtShape, checkOptions, Tensor, concat, matmul, noGrad, tensor, tidy } from '../engine/internal.ts';
import { Module } from '../nn/index.ts';
import { cutPoints, forwardTo } from './cut.ts';
import type { ImageSet } from './cache.ts';

export interface LabelledImageSet extends ImageSet {
  labels: Int32Array;
}

export interface SimilarityOptions {
  /** Cut points to probe (default: the trunk's last cut point). The last one gives `similarity`. */
  at?: string[];
  /** A randomly initialised model of the same architecture (default: raw pixels as the baseline). */
  baseline?: Module;
  /** Cross-validation folds (default 5; at least 2). */
  folds?: number;
}

export interface ProbeResult {
  at: string;
  features: number;
  pretrained: number;
  baseline: number;
}

export interface SimilarityReport {
  similarity: number;
  /** The cut point whose pretrained probe scored best. */
  bestCut: string;
  probes: ProbeResult[];
  baselineKind: 'random trunk' | 'pixels';
  sampleCount: number;
  folds: number;
}

const ALLOWED = ['at', 'baseline', 'folds'];

export async function measureSimilarity(trunk: Module, sample: LabelledImageSet, options: SimilarityOptions = {}): Promise<SimilarityReport> {
  checkOptions('measureSimilarity', options, ALLOWED);
  if (!(trunk instanceof Module)) throw new TypeError('measureSimilarity: trunk must be an nn.Module');
  const per = sample.shape.reduce((a, b) => a * b, 1);
  if (!(sample.labels instanceof Int32Array) || sample.labels.length !== sample.count || sample.images.length !== sample.count * per) {
    throw new ShapeError(`measureSimilarity: the sample must hold ${sample.count} images of ${fmtShape(sample.shape)} and ${sample.count} int32 labels`);
  }
  const points = cutPoints(trunk);
  const at = options.at ?? [points[points.length - 1]!];
  for (const p of at) {
    if (!points.includes(p)) {
      throw new EngineError(`measureSimilarity: "${p}" is not a cut point of ${trunk.label()} (valid cut points: ${points.join(', ')})`);
    }
  }
  const folds = options.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 2 || folds > sample.count) {
    throw new EngineError(`measureSimilarity: folds must be an integer in [2, ${sample.count}] (the sample size), got ${folds}`);
  }
  const classes = Math.max(...sample.labels) + 1;

  const wasTraining = [trunk.training, options.baseline?.training ?? false];
  trunk.eval();
  options.baseline?.eval();
  const probes: ProbeResult[] = [];
  try {
    let pixelScore: number | null = null;
    for (const p of at) {
      const pre = await probe(featuresOf(trunk, sample, p), sample.labels, folds, classes);
      let base: number;
      if (options.baseline) base = (await probe(featuresOf(options.baseline, sample, p), sample.labels, folds, classes)).accuracy;
      else base = pixelScore ??= (await probe(tensor(sample.images, [sample.count, per]), sample.labels, folds, classes)).accuracy;
      probes.push({ at: p, features: pre.features, pretrained: pre.accuracy, baseline: base });
    }
  } finally {
    trunk.train(wasTraining[0]);
    options.baseline?.train(wasTraining[1]);
  }
  const last = probes[probes.length - 1]!;
  const similarity = last.baseline >= 1 ? 0 : (last.pretrained - last.baseline) / (1 - last.baseline);
  const best = probes.reduce((a, b) => (b.pretrained > a.pretrained ? b : a));
  return { similarity, bestCut: best.at, probes, baselineKind: options.baseline ? 'random trunk' : 'pixels', sampleCount: sample.count, folds };
}

/** The features at cut point `at` for the whole sample, flattened to [count, F] (chunks of 256). */
function featuresOf(model: Module, sample: ImageSet, at: string): Tensor {
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
