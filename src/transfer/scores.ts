// Transferability scores: how well will a trunk's frozen features (or its source head) serve a target task,
// without fine-tuning anything. Every score is "higher is better" and is meant for ranking (cut points of one
// trunk, or several trunks, for one target), not as an accuracy.
//
//   logME(features, target)          LogME, You et al. 2021 (ICML), "LogME: Practical Assessment of
//                                    Pre-trained Models for Transfer Learning": the mean over target columns of
//                                    the maximised log evidence per sample of Bayesian linear regression on the
//                                    raw features; classification targets are one-hot columns, regression
//                                    targets their columns. Formula in spectral.ts (logMEFromSpectrum).
//   leep(sourceLogits, labels)       LEEP, Nguyen et al. 2020 (ICML), "LEEP: A New Measure to Evaluate
//                                    Transferability of Learned Representations": θ = softmax(source logits),
//                                    P̂(y, z) = 1/N Σ_{i: y_i = y} θ_z(x_i), P̂(y|z) = P̂(y, z)/Σ_y P̂(y, z),
//                                    LEEP = 1/N Σ_i log Σ_z P̂(y_i|z)·θ_z(x_i).
//   nce(sourceLogits, labels)        NCE, Tran et al. 2019 (ICCV), "Transferability and Hardness of Supervised
//                                    Classification Tasks": z_i = argmax of the source head,
//                                    NCE = −H(Y|Z) = Σ_{y,z} P̂(y, z)·log P̂(y|z) (empirical, hard labels).
//   hScore(features, labels)         H-score, Bao et al. 2019 (ICIP), and its Ledoit–Wolf regularized form
//                                    (Ibrahim et al. 2022, ICLR); formulas in spectral.ts (hScoreFromSpectrum).
//
// Where the work runs. The feature statistics run on the GPU through engine ops: FᵀF [D, D] and FᵀY [D, K]
// when N > D, else the Gram matrix FFᵀ [N, N] (centred for the H-scores), the per-row ‖x̃_i‖⁴ sum for the
// Ledoit–Wolf shrinkage, the softmax, the empirical joint Yᵀθ and each sample's expected empirical prediction
// for LEEP. Only the r×r matrix (r = min(N, D)) and K×Z joints are read back; the eigendecomposition
// (spectral.ts), LogME's fixed point and the joint's normalisation run on the host in float64.
// Validated against tools/gen_transfer_scores.py (NumPy, float64, written from the papers) on committed
// fixtures: relative error ≤ 1e-4 (tests/gpu/transfer-scores.test.ts).
//
// On a model: scoreTransferability(model, data, { at }) scores the features at each cut point (default: the
// end of each trunk group, as measureSimilarity probes them) and, when the model has a head, LEEP and NCE from
// it; rankCutPoints orders a trunk's cut points and rankTrunks several trunks by one score.

import { EngineError, ShapeError, checkOptions, fmtShape, matmul, noGrad, tensor, tidy, Tensor, softmax, argmax } from '../engine/internal.ts';
import { Module } from '../nn/index.ts';
import type { LabeledImages } from '../data/types.ts';
import { featuresOf, hostSample, trunkProbePoints, type LabelledImageSet } from './similarity.ts';
import { hScoreFromSpectrum, logMEFromSpectrum, spectrumFromCovariance, spectrumFromGram, type Spectrum } from './spectral.ts';

/** Labels as int32 class indices 0..K−1 (host), or regression targets (LogME only): a float tensor [N] or [N, K]. */
export type ScoreTarget = Int32Array | readonly number[] | Tensor;

function checkFeatures(op: string, f: Tensor): [number, number] {
  if (!(f instanceof Tensor)) throw new TypeError(`${op}: features must be a Tensor [N, D]`);
  if (f.shape.length !== 2 || f.dtype !== 'float32') throw new ShapeError(`${op}: features must be float32 [N, D], got ${f.describe()}`);
  const [n, d] = f.shape as [number, number];
  if (n < 2 || d < 1) throw new ShapeError(`${op}: need at least 2 samples and 1 feature, got ${fmtShape(f.shape)}`);
  return [n, d];
}

function checkLabels(op: string, labels: Int32Array | readonly number[], n: number): { labels: Int32Array; classes: number } {
  if (labels instanceof Tensor || !(labels instanceof Int32Array || Array.isArray(labels))) {
    throw new TypeError(`${op}: labels must be an Int32Array or an array of class indices`);
  }
  if (labels.length !== n) throw new ShapeError(`${op}: ${labels.length} labels for ${n} samples`);
  const out = Int32Array.from(labels);
  for (const l of out) if (!(l >= 0)) throw new EngineError(`${op}: labels must be class indices ≥ 0, got ${l}`);
  return { labels: out, classes: Math.max(...out) + 1 };
}

function oneHotHost(labels: Int32Array, k: number): Float32Array {
  const y = new Float32Array(labels.length * k);
  labels.forEach((l, i) => (y[i * k + l] = 1));
  return y;
}

/**
 * The spectrum of `features` against the host targets y [N, K] (spectral.ts). GPU: the centring, FᵀF and FᵀY or
 * FFᵀ, and Σ‖x̃_i‖⁴; host: the rest. Does not dispose `features`.
 */
async function spectrumOf(features: Tensor, y: Float32Array, k: number, center: boolean): Promise<{ sp: Spectrum; rowNorm4: number }> {
  const [n, d] = features.shape as [number, number];
  const primal = n > d;
  const outs = noGrad(() => tidy(() => {
    const x = center ? features.sub(features.mean(0, true)) : features;
    const norm4 = x.mul(x).sum(1).pow(2).sum();
    if (primal) {
      const yt = tensor(y, [n, k]);
      return [matmul(x.T, x), matmul(x.T, yt), norm4];
    }
    return [matmul(x, x.T), norm4];
  }));
  try {
    const host = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    const rowNorm4 = host[host.length - 1]![0]!;
    if (primal) {
      const yy = new Float64Array(k);
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) yy[c]! += y[i * k + c]! ** 2;
      return { sp: spectrumFromCovariance(Float64Array.from(host[0]!), Float64Array.from(host[1]!), yy, n, d, k), rowNorm4 };
    }
    return { sp: spectrumFromGram(Float64Array.from(host[0]!), y, n, d, k), rowNorm4 };
  } finally {
    for (const t of outs) t.dispose();
  }
}

/** Host targets [N, K] for LogME: one-hot columns for labels, the columns of a float tensor for regression. */
async function targetColumns(op: string, target: ScoreTarget, n: number): Promise<{ y: Float32Array; k: number; regression: boolean }> {
  if (target instanceof Tensor) {
    if (target.dtype !== 'float32' || target.shape.length < 1 || target.shape.length > 2 || target.shape[0] !== n) {
      throw new ShapeError(`${op}: regression targets must be float32 [${n}] or [${n}, K], got ${target.describe()}`);
    }
    const k = target.shape.length === 2 ? target.shape[1]! : 1;
    return { y: Float32Array.from((await target.data()) as Float32Array), k, regression: true };
  }
  const { labels, classes } = checkLabels(op, target, n);
  return { y: oneHotHost(labels, classes), k: classes, regression: false };
}

/**
 * LogME of features [N, D] for a target: class labels (one-hot columns) or regression targets (a float tensor
 * [N] or [N, K]). Higher is better; values are log evidence per sample (typically in [−2, 2] for labels).
 */
export async function logME(features: Tensor, target: ScoreTarget): Promise<number> {
  const [n] = checkFeatures('logME', features);
  const { y, k } = await targetColumns('logME', target, n);
  const { sp } = await spectrumOf(features, y, k, false);
  return logMEFromSpectrum(sp);
}

export interface HScoreResult {
  /** H-score: tr(cov(f)⁺ cov(E[f|y])). */
  hScore: number;
  /** The Ledoit–Wolf regularized H-score (the better-behaved one in high dimension). */
  regularized: number;
  /** The Ledoit–Wolf shrinkage α used. */
  shrinkage: number;
}

/** H-score and regularized H-score of features [N, D] for class labels. */
export async function hScore(features: Tensor, labels: Int32Array | readonly number[]): Promise<HScoreResult> {
  const [n] = checkFeatures('hScore', features);
  const { labels: l, classes } = checkLabels('hScore', labels, n);
  const counts = new Float64Array(classes);
  for (const v of l) counts[v]!++;
  const { sp, rowNorm4 } = await spectrumOf(features, oneHotHost(l, classes), classes, true);
  return hScoreFromSpectrum(sp, counts, rowNorm4);
}

function checkLogits(op: string, logits: Tensor): [number, number] {
  if (!(logits instanceof Tensor)) throw new TypeError(`${op}: sourceLogits must be a Tensor [N, Z] (the source head's outputs)`);
  if (logits.shape.length !== 2 || logits.dtype !== 'float32') throw new ShapeError(`${op}: sourceLogits must be float32 [N, Z], got ${logits.describe()}`);
  return logits.shape as [number, number];
}

/** LEEP from the source head's logits [N, Z] (softmax taken here) and the target labels. */
export async function leep(sourceLogits: Tensor, labels: Int32Array | readonly number[]): Promise<number> {
  const [n, z] = checkLogits('leep', sourceLogits);
  const { labels: l, classes } = checkLabels('leep', labels, n);
  const y = oneHotHost(l, classes);
  const theta = noGrad(() => softmax(sourceLogits, 1));
  try {
    const jointT = noGrad(() => tidy(() => matmul(tensor(y, [n, classes]).T, theta).div(n)));
    const joint = Float64Array.from((await jointT.data()) as Float32Array);
    jointT.dispose();
    const cond = new Float32Array(classes * z);
    for (let j = 0; j < z; j++) {
      let pz = 0;
      for (let c = 0; c < classes; c++) pz += joint[c * z + j]!;
      for (let c = 0; c < classes; c++) cond[c * z + j] = pz > 0 ? joint[c * z + j]! / pz : 0;
    }
    const out = noGrad(() => tidy(() => {
      const eep = matmul(theta, tensor(cond, [classes, z]).T);
      return eep.mul(tensor(y, [n, classes])).sum(1).log().mean();
    }));
    const v = ((await out.data()) as Float32Array)[0]!;
    out.dispose();
    return v;
  } finally {
    theta.dispose();
  }
}

/** NCE from the source head's logits [N, Z] (argmax: the source's hard labels) and the target labels. */
export async function nce(sourceLogits: Tensor, labels: Int32Array | readonly number[]): Promise<number> {
  const [n, z] = checkLogits('nce', sourceLogits);
  const { labels: l, classes } = checkLabels('nce', labels, n);
  const idx = noGrad(() => argmax(sourceLogits, 1));
  const src = Int32Array.from((await idx.data()) as Int32Array);
  idx.dispose();
  const joint = new Float64Array(classes * z);
  for (let i = 0; i < n; i++) joint[l[i]! * z + src[i]!]! += 1 / n;
  let v = 0;
  for (let j = 0; j < z; j++) {
    let pz = 0;
    for (let c = 0; c < classes; c++) pz += joint[c * z + j]!;
    for (let c = 0; c < classes; c++) if (joint[c * z + j]! > 0) v += joint[c * z + j]! * Math.log(joint[c * z + j]! / pz);
  }
  return v;
}

// ---- on a model

export type ScoreName = 'logME' | 'hScore' | 'regularizedHScore';

export interface CutScores {
  at: string;
  features: number;
  logME: number;
  hScore: number;
  regularizedHScore: number;
}

export interface TransferabilityReport {
  cuts: CutScores[];
  /** From the model's own head (null when it has none). */
  leep: number | null;
  nce: number | null;
  head: string | null;
  sampleCount: number;
  seconds: number;
}

export interface TransferabilityOptions {
  /** Cut points to score (default: the end of each trunk group; see trunkProbePoints). */
  at?: string[];
  /** Score the model's head with LEEP and NCE (default true when it has one). */
  head?: boolean;
}

async function sampleOf(op: string, data: LabelledImageSet | LabeledImages): Promise<LabelledImageSet> {
  const sample = typeof (data as LabeledImages).batches === 'function' ? await hostSample(data as LabeledImages) : (data as LabelledImageSet);
  const per = sample.shape.reduce((a, b) => a * b, 1);
  if (!(sample.labels instanceof Int32Array) || sample.labels.length !== sample.count || sample.images.length !== sample.count * per) {
    throw new ShapeError(`${op}: the sample must hold ${sample.count} images of ${fmtShape(sample.shape)} and ${sample.count} int32 labels`);
  }
  return sample;
}

/** Every score of a model's features at its cut points for one labelled target sample (a few hundred images). */
export async function scoreTransferability(
  model: Module, data: LabelledImageSet | LabeledImages, options: TransferabilityOptions = {},
): Promise<TransferabilityReport> {
  checkOptions('scoreTransferability', options, ['at', 'head']);
  if (!(model instanceof Module)) throw new TypeError('scoreTransferability: model must be an nn.Module');
  const { points, trunk: allowed, head } = trunkProbePoints(model);
  const at = options.at ?? points;
  for (const p of at) {
    if (!allowed.includes(p)) {
      throw new EngineError(`scoreTransferability: "${p}" is not a cut point of ${model.label()}'s trunk (valid: ${allowed.join(', ')})`);
    }
  }
  const sample = await sampleOf('scoreTransferability', data);
  const t0 = performance.now();
  const was = model.training;
  model.eval();
  try {
    const cuts: CutScores[] = [];
    for (const p of at) {
      const f = featuresOf(model, sample, p);
      try {
        const lm = await logME(f, sample.labels);
        const h = await hScore(f, sample.labels);
        cuts.push({ at: p, features: f.shape[1]!, logME: lm, hScore: h.hScore, regularizedHScore: h.regularized });
      } finally {
        f.dispose();
      }
    }
    let leepV: number | null = null;
    let nceV: number | null = null;
    if (head && options.head !== false) {
      const per = sample.shape.reduce((a, b) => a * b, 1);
      const parts: Float32Array[] = [];
      let z = 0;
      for (let s = 0; s < sample.count; s += 256) {
        const m = Math.min(256, sample.count - s);
        const out = noGrad(() => tidy(() => model.forward(tensor(sample.images.subarray(s * per, (s + m) * per), [m, ...sample.shape])) as Tensor));
        z = out.shape[1]!;
        parts.push(Float32Array.from((await out.data()) as Float32Array));
        out.dispose();
      }
      const all = new Float32Array(sample.count * z);
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      const logits = tensor(all, [sample.count, z]);
      try {
        leepV = await leep(logits, sample.labels);
        nceV = await nce(logits, sample.labels);
      } finally {
        logits.dispose();
      }
    }
    return { cuts, leep: leepV, nce: nceV, head, sampleCount: sample.count, seconds: (performance.now() - t0) / 1000 };
  } finally {
    model.train(was);
  }
}

export interface RankOptions {
  /** The score to rank by (default 'logME'). */
  score?: ScoreName;
  at?: string[];
}

/** A trunk's cut points, best first, by one score (default LogME). */
export async function rankCutPoints(
  model: Module, data: LabelledImageSet | LabeledImages, options: RankOptions = {},
): Promise<Array<{ at: string; score: number }>> {
  checkOptions('rankCutPoints', options, ['score', 'at']);
  const score = options.score ?? 'logME';
  if (!['logME', 'hScore', 'regularizedHScore'].includes(score)) {
    throw new EngineError(`rankCutPoints: score must be logME, hScore or regularizedHScore, got ${score}`);
  }
  if (score !== 'logME') {
    const report = await scoreTransferability(model, data, { ...(options.at ? { at: options.at } : {}), head: false });
    return report.cuts.map((c) => ({ at: c.at, score: c[score] })).sort((a, b) => b.score - a.score);
  }
  // LogME alone: the same numbers as scoreTransferability's, without the H-scores' second spectrum per cut.
  const { points, trunk: allowed } = trunkProbePoints(model);
  const at = options.at ?? points;
  for (const p of at) {
    if (!allowed.includes(p)) throw new EngineError(`rankCutPoints: "${p}" is not a cut point of ${model.label()}'s trunk (valid: ${allowed.join(', ')})`);
  }
  const sample = await sampleOf('rankCutPoints', data);
  const was = model.training;
  model.eval();
  const out: Array<{ at: string; score: number }> = [];
  try {
    for (const p of at) {
      const f = featuresOf(model, sample, p);
      try {
        out.push({ at: p, score: await logME(f, sample.labels) });
      } finally {
        f.dispose();
      }
    }
  } finally {
    model.train(was);
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Several trunks for one target, best first: each scored at its deepest default cut point (or its `at`), by a
 * feature score, or by 'leep' / 'nce' from each model's own head.
 */
export async function rankTrunks(
  trunks: Record<string, Module>, data: LabelledImageSet | LabeledImages, options: { score?: ScoreName | 'leep' | 'nce'; at?: Record<string, string> } = {},
): Promise<Array<{ name: string; at: string | null; score: number }>> {
  checkOptions('rankTrunks', options, ['score', 'at']);
  const score = options.score ?? 'logME';
  const sample = await sampleOf('rankTrunks', data);
  const out: Array<{ name: string; at: string | null; score: number }> = [];
  for (const [name, m] of Object.entries(trunks)) {
    if (score === 'leep' || score === 'nce') {
      const r = await scoreTransferability(m, sample, { at: [] });
      if (r[score] === null) throw new EngineError(`rankTrunks: ${score} needs a head, and "${name}" has none`);
      out.push({ name, at: null, score: r[score]! });
    } else {
      const at = options.at?.[name] ?? trunkProbePoints(m).points.at(-1)!;
      const r = await scoreTransferability(m, sample, { at: [at], head: false });
      out.push({ name, at, score: r.cuts[0]![score] });
    }
  }
  return out.sort((a, b) => b.score - a.score);
}
