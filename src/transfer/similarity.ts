// How similar is a target task to what a trunk learned? Measured, not asserted: a linear probe.
//
// For each cut point, the target sample's features are computed with the frozen trunk, standardised, and a
// logistic-regression probe (one Linear layer, full-batch Adam) is scored by k-fold cross-validation (default 5
// folds of consecutive samples: train on four, score the fifth, every sample scored once), so that a small
// sample still gives a usable estimate. (Version 1 scored one 70/30 split; on a 100-digit sample its 30
// held-out digits moved the score by 3.3 points each, so a quick run's reading was noise. Folds came in
// before the first full experiment.) The same probe runs on a baseline: a randomly initialised trunk of the same
// architecture when one is given, else the raw pixels. The similarity is the share of the baseline's error
// that the pretrained features remove, at the deepest cut point measured:
//
//     similarity = (acc_pretrained − acc_baseline) / (1 − acc_baseline)      (1: all of it, ≤ 0: none)
//
// and `bestCut` is the cut point where the pretrained probe scored best (where to truncate when the deeper
// layers are too specific to the source). recommendStrategy (advisor.ts) reads both. The cost is one forward
// of the sample per cut point per trunk, plus `probeSteps` small matmul steps per probe.

import { EngineError, ShapeError, fmtShape } from '../engine/errors.ts';
import { Tensor, argmax, concat, indexSelect, linear, noGrad, rand, tensor, tidy, zeros } from '../engine/index.ts';
import { Module, crossEntropy } from '../nn/index.ts';
import { Adam } from '../nn/optim.ts';
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
  /** Full-batch Adam steps of each probe (default 150). */
  probeSteps?: number;
  /** Seed of the probes' initialisation (default 0). */
  seed?: number;
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

const ALLOWED = ['at', 'baseline', 'folds', 'probeSteps', 'seed'];

export async function measureSimilarity(trunk: Module, sample: LabelledImageSet, options: SimilarityOptions = {}): Promise<SimilarityReport> {
  for (const k of Object.keys(options)) if (!ALLOWED.includes(k)) throw new EngineError(`measureSimilarity: unknown option "${k}" (accepted: ${ALLOWED.join(', ')})`);
  if (!(trunk instanceof Module)) throw new TypeError('measureSimilarity: trunk must be an nn.Module');
  const per = sample.shape.reduce((a, b) => a * b, 1);
  if (!(sample.labels instanceof Int32Array) || sample.labels.length !== sample.count || sample.images.length !== sample.count * per) {
    throw new ShapeError(`measureSimilarity: the sample must hold ${sample.count} images of ${fmtShape(sample.shape)} and ${sample.count} int32 labels`);
  }
  const points = cutPoints(trunk);
  const at = options.at ?? [points[points.length - 1]!];
  for (const p of at) if (!points.includes(p)) throw new EngineError(`measureSimilarity: "${p}" is not a cut point of ${trunk.label()} (valid cut points: ${points.join(', ')})`);
  const folds = options.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 2 || folds > sample.count) throw new EngineError(`measureSimilarity: folds must be an integer in [2, ${sample.count}] (the sample size), got ${folds}`);
  const classes = Math.max(...sample.labels) + 1;
  const steps = options.probeSteps ?? 150;
  const seed = options.seed ?? 0;

  const wasTraining = [trunk.training, options.baseline?.training ?? false];
  trunk.eval();
  options.baseline?.eval();
  const probes: ProbeResult[] = [];
  try {
    let pixelScore: number | null = null;
    for (const p of at) {
      const pre = await probe(featuresOf(trunk, sample, p), sample.labels, folds, classes, steps, seed);
      let base: number;
      if (options.baseline) base = (await probe(featuresOf(options.baseline, sample, p), sample.labels, folds, classes, steps, seed)).accuracy;
      else base = pixelScore ??= (await probe(tensor(sample.images, [sample.count, per]), sample.labels, folds, classes, steps, seed)).accuracy;
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

/** The k-fold cross-validated accuracy of a logistic-regression probe on `features` [n, F]. Disposes `features`. */
async function probe(features: Tensor, labels: Int32Array, folds: number, classes: number, steps: number, seed: number): Promise<{ accuracy: number; features: number }> {
  const [n, f] = features.shape as [number, number];
  let correct = 0;
  for (let k = 0; k < folds; k++) {
    const lo = Math.floor((k * n) / folds);
    const hi = Math.floor(((k + 1) * n) / folds);
    const trainRows = Int32Array.from({ length: n - (hi - lo) }, (_, i) => (i < lo ? i : i + hi - lo));
    const testRows = Int32Array.from({ length: hi - lo }, (_, i) => lo + i);
    correct += await probeFold(features, labels, trainRows, testRows, classes, steps, seed + k);
  }
  features.dispose();
  return { accuracy: correct / n, features: f };
}

/** Trains a probe on `trainRows` of `features` and returns how many of `testRows` it labels right. */
async function probeFold(features: Tensor, labels: Int32Array, trainRows: Int32Array, testRows: Int32Array, classes: number, steps: number, seed: number): Promise<number> {
  const f = features.shape[1]!;
  const yTrain = tensor(Int32Array.from(trainRows, (r) => labels[r]!), [trainRows.length], { dtype: 'int32' });
  const { train, test } = noGrad(() => tidy(() => {
    const tr = indexSelect(features, 0, tensor(trainRows, [trainRows.length], { dtype: 'int32' }));
    const te = indexSelect(features, 0, tensor(testRows, [testRows.length], { dtype: 'int32' }));
    const mean = tr.mean(0, true);
    const centred = tr.sub(mean);
    const std = centred.mul(centred).mean(0, true).add(1e-5).sqrt();
    return { train: centred.div(std), test: te.sub(mean).div(std) };
  }));
  // The probe's own seeded initialisation (PyTorch's Linear bounds), leaving the engine's random stream alone.
  const bound = 1 / Math.sqrt(f);
  const weight = rand([classes, f], { seed, low: -bound, high: bound, requiresGrad: true });
  const bias = zeros([classes], { requiresGrad: true });
  const opt = new Adam([weight, bias], { lr: 1e-2 });
  for (let s = 0; s < steps; s++) {
    tidy(() => {
      crossEntropy(linear(train, weight, bias), yTrain).backward();
      opt.step();
      opt.zeroGrad();
    });
  }
  const pred = noGrad(() => tidy(() => argmax(linear(test, weight, bias), 1)));
  const got = await pred.data();
  let correct = 0;
  for (let i = 0; i < got.length; i++) if (got[i] === labels[testRows[i]!]) correct++;
  pred.dispose();
  opt.dispose();
  weight.dispose();
  bias.dispose();
  train.dispose();
  test.dispose();
  yTrain.dispose();
  return correct;
}
