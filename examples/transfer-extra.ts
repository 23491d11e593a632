// Issue 24's additions to `npm run experiment:transfer`: the Fashion-MNIST target (the committed subsets under
// data/fashion-mnist), the transferability scores of each scenario judged by Kendall τ-b against a ground truth
// named before the run, and the auto strategy run beside the fixed ones.
//
// Ground truth for the scores (fixed before the first run): the 5-fold cross-validated accuracy of the closed-form
// ridge probe (transfer.measureSimilarity's probe) on the same target digits, for each item; the items are every
// cut point (features.0, .1, .2) of each shipped trunk (digits, and Fashion when built) and of a random trunk of
// the same architecture (6 or 9 items). The trunks after one pretraining epoch are not items yet. τ-b is computed
// per scenario between each score (LogME, regularized H-score) and that accuracy.
// Auto (fixed before the first run): fit({ strategy: 'auto', budget }) with budget = 2 × one fixed strategy's
// training samples (so its cost is at most 2× training one strategy, in samples), 20% of the training digits held
// out for its validation, AUTO_SETTINGS otherwise; its pick "matches the best" when the fixed run of the strategy
// it picked has a mean within 1 point of the best mean (MARGIN); its own model's held-out accuracy is reported too.

import * as E from '../src/index.ts';
import type { Digits, TaskSplit } from './digits-data.ts';
import { pack, seededOrder } from './digits-data.ts';
import { kendallTauB } from './kendall.ts';

export { kendallTauB };

const PIXELS = 784;

async function gunzip(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`fashion: GET ${url} failed (HTTP ${res.status})`);
  // The vite dev server sends .gz files with Content-Encoding: gzip, so the browser has already inflated them;
  // a server that does not needs the DecompressionStream.
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
}

/** One committed Fashion-MNIST subset (data/fashion-mnist, idx format) as images in [0, 1]. */
export async function loadFashion(split: 'train' | 'test'): Promise<Digits> {
  const stem = split === 'train' ? 'train-200' : 'test-100';
  const img = await gunzip(`/data/fashion-mnist/${stem}-images-idx3-ubyte.gz`);
  const lab = await gunzip(`/data/fashion-mnist/${stem}-labels-idx1-ubyte.gz`);
  const view = new DataView(img.buffer, img.byteOffset);
  const count = view.getUint32(4);
  const images = new Float32Array(count * PIXELS);
  for (let i = 0; i < count * PIXELS; i++) images[i] = img[16 + i]! / 255;
  return { images, labels: Int32Array.from(lab.subarray(8, 8 + count)), count };
}

/** Fashion classes relabelled 0..k−1: training images from the train subset (trainPerClass, seeded), all test ones held out. */
export function fashionTask(train: Digits, test: Digits, classes: number[], opts: { trainPerClass?: number; seed: number }): TaskSplit {
  const tr: Array<{ images: Float32Array; index: number; label: number }> = [];
  const te: typeof tr = [];
  classes.forEach((cls, label) => {
    const idx: number[] = [];
    for (let i = 0; i < train.count; i++) if (train.labels[i] === cls) idx.push(i);
    const chosen = seededOrder(idx.length, opts.seed * 31 + cls);
    const take = Math.min(idx.length, opts.trainPerClass ?? idx.length);
    for (let k = 0; k < take; k++) tr.push({ images: train.images, index: idx[chosen[k]!]!, label });
    for (let i = 0; i < test.count; i++) if (test.labels[i] === cls) te.push({ images: test.images, index: i, label });
  });
  return { train: pack(tr, opts.seed), test: pack(te, opts.seed + 1) };
}

export interface ScoreItem {
  item: string;
  logME: number;
  regularizedHScore: number;
  probe: number;
}

export interface ScenarioScores {
  items: ScoreItem[];
  /** Per source trunk, in the order given. */
  leep: number[];
  nce: number[];
  tau: { logME: number; regularizedHScore: number };
  seconds: number;
}

/** The scores of each shipped trunk and of a random one at every cut, their probes (ground truth) and τ-b. */
export async function scoreScenario(trunks: Array<{ name: string; weights: ArrayBuffer }>, train: Digits, n: number): Promise<ScenarioScores> {
  const t0 = performance.now();
  const sample = { images: train.images.subarray(0, n * PIXELS), labels: train.labels.subarray(0, n), count: n, shape: [1, 28, 28] };
  const at = ['features.0', 'features.1', 'features.2'];
  E.manualSeed(4321);
  const random = E.transfer.digitsCnn(5);
  const items: ScoreItem[] = [];
  const leep: number[] = [];
  const nce: number[] = [];
  let baselines: number[] = [];
  for (const t of trunks) {
    const trunk = E.transfer.digitsCnn(5);
    await E.nn.loadSafetensors(trunk, t.weights);
    const pre = await E.transfer.scoreTransferability(trunk, sample, { at });
    const probes = await E.transfer.measureSimilarity(trunk, sample, { at, baseline: random });
    trunk.dispose();
    baselines = probes.probes.map((p) => p.baseline);
    const probe = (i: number): number => probes.probes[i]!.pretrained;
    items.push(...pre.cuts.map((c, i) => ({ item: `${t.name} ${c.at}`, logME: c.logME, regularizedHScore: c.regularizedHScore, probe: probe(i) })));
    leep.push(pre.leep!);
    nce.push(pre.nce!);
  }
  const rnd = await E.transfer.scoreTransferability(random, sample, { at, head: false });
  random.dispose();
  items.push(...rnd.cuts.map((c, i) => ({ item: `random ${c.at}`, logME: c.logME, regularizedHScore: c.regularizedHScore, probe: baselines[i]! })));
  const truth = items.map((i) => i.probe);
  return {
    items, leep, nce, seconds: (performance.now() - t0) / 1000,
    tau: { logME: kendallTauB(items.map((i) => i.logME), truth), regularizedHScore: kendallTauB(items.map((i) => i.regularizedHScore), truth) },
  };
}

export interface AutoRun {
  pick: string;
  lr: number;
  truncateAt?: string;
  accuracy: number;
  samples: number;
  searchSamples: number;
  seconds: number;
  /** Where the wall time went: the search (scores, prior, shared features, rungs, validation) and the candidates' training alone. */
  searchSeconds?: number;
  trainingSeconds?: number;
  validationSamples?: number;
  /** auto's own account of its wall seconds per phase (result.auto.cost.phases; settings version 3 on). */
  phases?: Record<string, number>;
  settingsVersion?: number;
  /** With --rerun=auto: the training seconds of the picked strategy's fixed run, timed again right after auto. */
  aloneSeconds?: number;
  ranking: Array<{ name: string; rung: number; final: number; samples?: number; seconds?: number; curve?: Array<{ samples: number; valAccuracy: number }> }>;
  prior: string | null;
}

/** One auto run on a scenario's training digits, scored on its held-out digits. */
export async function runAuto(weights: ArrayBuffer, split: TaskSplit, budget: number, batch: number, seed: number): Promise<AutoRun> {
  const { transfer } = E;
  const t0 = performance.now();
  const x = E.tensor(split.train.images, [split.train.count, 1, 28, 28]);
  const classes = ['5', '6', '7', '8', '9'];
  const model = transfer.digitsCnn(5);
  await E.nn.loadSafetensors(model, weights);
  try {
    const data = transfer.fromTensors(x, Array.from(split.train.labels), classes);
    const result = await transfer.fit({ model, data, strategy: 'auto', budget, batchSize: batch, seed });
    const xt = E.tensor(split.test.images, [split.test.count, 1, 28, 28]);
    const accuracy = (await transfer.evaluate(result.model, transfer.fromTensors(xt, Array.from(split.test.labels), classes))).accuracy;
    xt.dispose();
    result.model.dispose();
    const a = result.auto!;
    return {
      pick: a.winner.strategy, lr: a.winner.lr, ...(a.winner.truncateAt ? { truncateAt: a.winner.truncateAt } : {}), accuracy,
      samples: a.cost.searchSamples + a.cost.winnerSamples, searchSamples: a.cost.searchSamples, seconds: (performance.now() - t0) / 1000,
      searchSeconds: a.cost.searchSeconds, trainingSeconds: a.ranking.reduce((sum, c) => sum + c.seconds, 0), validationSamples: a.cost.validationSamples,
      phases: { ...a.cost.phases }, settingsVersion: a.settingsVersion,
      ranking: a.ranking.map((c) => ({ name: c.name, rung: c.rung, final: c.final, samples: c.samples, seconds: c.seconds, curve: c.curve })),
      prior: a.prior?.advice.strategy ?? null,
    };
  } finally {
    model.dispose();
    x.dispose();
  }
}
