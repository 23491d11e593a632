// The CNN multi-task experiment, independent of where it runs: the page of `npm run experiment:multitask`
// (bench/multitask/experiment.ts, headless Chromium) and the GPU run's `multitask` section (Node + Dawn) both
// call runExperiment() with the data they loaded. Data: cnn-data.ts; models: cnn-models.ts.
//
// The protocol, fixed before the full run (the md repeats it):
//   - Training: Adam (lr `lr`) with a cosine decay of the lr to 0 over `steps` steps, batch `batch`, images per
//     class for training and validation as PROTOCOL below says (chosen by a pilot of the single-task baselines
//     only: bench/results/multitask-pilot.md); the same batches and masks (seeded by the run seed) for every
//     model of a regime.
//   - Curves: the validation metric of every task at 8 evenly spaced points (steps/8, 2·steps/8, …, steps).
//   - Convergence: a run has converged on a task when the mean of its validation metric over the last quarter
//     (points 7 and 8) differs from the mean over the third quarter (points 5 and 6) by less than 0.5 point
//     (accuracy %) or 0.5° (angle MAE). Checked for every run; the issue asks it of every single-task baseline.
//   - Test metric: the final model on the test set, mean ± std over the seeds.
//   - Verdict per task (method vs the single-task baseline of the same dataset and regime): d = the improvement
//     of the mean (higher accuracy, lower MAE), se = sqrt(s²/n + s_b²/n); "helped" if d > max(2·se, 0.5),
//     "hurt" if d < −max(2·se, 0.5), else "no measurable difference" (0.5: the convergence tolerance; a
//     difference smaller than that is not resolved by runs that stop there).
//   - Best weighting (per dataset, chosen before the architectures run): on hard sharing in the full regime,
//     the highest mean over tasks of the relative VALIDATION gain over the single-task baselines (accuracy:
//     (m − b)/(100 − b); MAE: (b − m)/b), from the final validation point; ties go to the earlier id.
//   - Plan: the cost phase; per dataset (digits, fashion) the full regime: the single-task baselines, every
//     weighting on hard sharing, every other architecture with equal and with the best weighting; on digits
//     only, the label regimes few-digit (digit labels for 10 images per class; a quarter of every batch drawn
//     from them) and half-angle (the angle label of a fixed random half of the images masked), each with the
//     affected task's baseline, equal, and the full regime's best weighting. The order (runExperiment) puts
//     first what the comparison needs most; a time cap keeps what finished and lists what it did not run.
//   - Cost phase (digits, full labels): every weighting on hard sharing and every other architecture with equal
//     weighting, each beside hard sharing with equal, interleaved: rounds of `costSteps` timed steps of equal
//     then of the method, the median over rounds; dispatches per step traced once.

import * as E from '../../src/index.ts';
import type { Dataset, Split, TaskSpec } from './cnn-data.ts';
import { rng } from './cnn-data.ts';
import { ARCHS, WEIGHTINGS, makeModel, type Arch, type Weighting } from './cnn-models.ts';

const { optim, multitask: mt } = E;
type Tensor = E.Tensor;

export const REGIMES = ['full', 'few-digit', 'half-angle'] as const;
export type Regime = (typeof REGIMES)[number];

export interface Options {
  seeds: number;
  steps: number;
  batch: number;
  lr: number;
  /** Evaluate on at most this many images of each split (Infinity: all). */
  evalLimit: number;
  regimes: readonly Regime[];
  datasets: readonly ('digits' | 'fashion')[];
  /** Timed steps per round and rounds of the cost phase (0 rounds: no cost phase). */
  costSteps: number;
  costRounds: number;
  /** Weightings on hard sharing (default all). */
  methods?: readonly Weighting[];
  /** Architectures besides hard sharing (default all). */
  archs?: readonly Arch[];
  /** Training images per class (digits: ≤ 200, fashion: ≤ 200 − valPerClass; cnn-data.ts's splitSizes). */
  trainPerClass: number;
  /** Validation images per class, per dataset (the datasets are built with it; recorded for the report and --resume). */
  valPerClass?: { digits: number; fashion: number };
}

/**
 * The full run's protocol (the page's defaults, the GPU section's full budget and the md's header come from here).
 * Chosen before the full run from the single-task baselines' convergence and the cost per run only (pilot:
 * bench/results/multitask-pilot.md), never from multi-task results.
 */
export const PROTOCOL: Readonly<Pick<Options, 'seeds' | 'steps' | 'batch' | 'lr' | 'trainPerClass'> & { valPerClass: { digits: number; fashion: number } }> = {
  seeds: 3, steps: 600, batch: 32, lr: 3e-3, trainPerClass: 100,
  // Digits validate on 2,000 images (MNIST has them); Fashion-MNIST on 1,000 (the committed subset's 200 per class less the 100 trained on).
  valPerClass: { digits: 200, fashion: 100 },
};

export interface RunSpec {
  dataset: string;
  regime: Regime;
  /** 'single:digit', 'hard:equal', 'mmoe:upgrad' */
  model: string;
  seed: number;
}

export interface RunResult extends RunSpec {
  test: Record<string, number>;
  val: Record<string, number>;
  /** Validation metric per task at each of the 8 points. */
  curve: Record<string, number[]>;
  curveSteps: number[];
  /** Per task: |mean(Q4) − mean(Q3)| of the validation curve, and whether < 0.5. */
  change: Record<string, number>;
  converged: Record<string, boolean>;
  msPerStep: number;
  dispatches: number;
  gradients: string;
  weights: Record<string, number>;
  seconds: number;
  finishedAt: string;
}

export interface CostRow {
  model: string;
  msEqual: number;
  msMethod: number;
  ratio: number;
  dispatchesEqual: number;
  dispatches: number;
  gradients: string;
  rounds: { equal: number; method: number }[];
  from: string;
  to: string;
}

export interface Hooks {
  log(line: string): void;
  /** After each run and cost row: everything so far (for partial results). */
  progress?(partial: Partial<ExperimentResult>): void;
  /** Seconds left (the GPU section's cap); the plan stops before a run it cannot finish. */
  timeLeft?(): number;
  /** Runs saved by an interrupted invocation: kept, not rerun (each depends only on its spec). */
  resumed?: RunResult[];
  resumedCost?: CostRow[];
}

export interface ExperimentResult {
  options: Options;
  adapter: string;
  started: string;
  finished: string;
  minutes: number;
  data: Record<string, { train: number; val: number; test: number; tasks: TaskSpec[] }>;
  cost: CostRow[];
  results: RunResult[];
  bestMethod: Record<string, Weighting>;
  /** What the plan could not run (time cap). */
  notRun: string[];
  /** Runs that threw (the message). */
  failed: (RunSpec & { error: string })[];
}

/** The few-digit regime: digit labels for this many images per class. */
export const FEW_PER_CLASS = 10;

interface RegimeData {
  labelled: Record<string, Uint8Array>;
  batches(seed: number): () => Int32Array;
}

function regimeData(regime: Regime, ds: Dataset, batch: number): RegimeData {
  const n = ds.train.n;
  const labelled = Object.fromEntries(ds.tasks.map((t) => [t.name, new Uint8Array(n).fill(1)]));
  let fewPool: number[] = [];
  if (regime === 'few-digit') {
    const cls = ds.train.labels.digit!;
    labelled.digit!.fill(0);
    const seen = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      if (seen[cls[i]!]! < FEW_PER_CLASS) {
        seen[cls[i]!]!++;
        labelled.digit![i] = 1;
        fewPool.push(i);
      }
    }
  }
  if (regime === 'half-angle') {
    const r = rng(777);
    for (let i = 0; i < n; i++) labelled.angle![i] = r() < 0.5 ? 1 : 0;
  }
  const rest = Array.from({ length: n }, (_, i) => i).filter((i) => regime !== 'few-digit' || !labelled.digit![i]);
  if (regime !== 'few-digit') fewPool = [];
  return {
    labelled,
    batches(seed: number) {
      const rr = rng(seed * 7919 + 13);
      const shuffled = (arr: number[]) => {
        const a = [...arr];
        for (let i = a.length - 1; i > 0; i--) {
          const j = Math.floor(rr() * (i + 1));
          [a[i], a[j]] = [a[j]!, a[i]!];
        }
        return a;
      };
      let restOrder = shuffled(rest);
      let restAt = 0;
      let fewOrder = shuffled(fewPool);
      let fewAt = 0;
      // few-digit: a quarter of every batch from the labelled digits, for every model alike.
      const fromFew = fewPool.length ? batch / 4 : 0;
      return () => {
        const b = new Int32Array(batch);
        for (let k = 0; k < batch; k++) {
          if (k < fromFew) {
            if (fewAt >= fewOrder.length) { fewOrder = shuffled(fewPool); fewAt = 0; }
            b[k] = fewOrder[fewAt++]!;
          } else {
            if (restAt >= restOrder.length) { restOrder = shuffled(rest); restAt = 0; }
            b[k] = restOrder[restAt++]!;
          }
        }
        return b;
      };
    },
  };
}

function gather(split: Split, tasks: readonly TaskSpec[], idx: Int32Array): { x: Tensor; targets: Record<string, Tensor> } {
  const b = idx.length;
  const x = new Float32Array(b * 784);
  idx.forEach((i, k) => x.set(split.x.subarray(i * 784, (i + 1) * 784), k * 784));
  const targets: Record<string, Tensor> = {};
  for (const t of tasks) {
    const src = split.labels[t.name]!;
    if (t.kind === 'class') targets[t.name] = E.tensor(Int32Array.from(idx, (i) => src[i]!), [b], { dtype: 'int32' });
    else targets[t.name] = E.tensor(Float32Array.from(idx, (i) => src[i]!), [b, 1]);
  }
  return { x: E.tensor(x, [b, 1, 28, 28]), targets };
}

function disposeAll(ts: Iterable<Tensor | null | undefined>): void {
  for (const t of ts) t?.dispose();
}

async function evaluate(model: E.multitask.MultiTask, tasks: readonly TaskSpec[], split: Split, limit: number): Promise<Record<string, number>> {
  model.eval();
  const sums: Record<string, number> = {};
  const chunk = 250;
  const n = Math.min(split.n, limit);
  for (let at = 0; at < n; at += chunk) {
    const idx = Int32Array.from({ length: Math.min(chunk, n - at) }, (_, k) => at + k);
    const { x, targets } = gather(split, tasks, idx);
    const metrics = E.noGrad(() => E.tidy(() => {
      const out = model.forward(x);
      return tasks.map((t) => (t.kind === 'class' ? mt.metrics.accuracy(out[t.name]!, targets[t.name]!)
        : t.kind === 'binary' ? mt.metrics.binaryAccuracy(out[t.name]!, targets[t.name]!) : mt.metrics.mae(out[t.name]!, targets[t.name]!)));
    }));
    const values = await Promise.all(metrics.map((m) => m.item()));
    tasks.forEach((t, k) => (sums[t.name] = (sums[t.name] ?? 0) + values[k]! * idx.length));
    disposeAll(metrics);
    x.dispose();
    disposeAll(Object.values(targets));
  }
  model.train();
  return Object.fromEntries(tasks.map((t) => [t.name, (sums[t.name]! / n) * (t.unit === '%' ? 100 : 45)]));
}

/** Tasks and architecture of a model id ('single:<task>' or '<arch>:<weighting>'). */
function parseModel(model: string, ds: Dataset): { arch: Arch; method: Weighting; tasks: TaskSpec[] } {
  const [a, what] = model.split(':') as [string, string];
  if (a === 'single') return { arch: 'hard', method: 'equal', tasks: ds.tasks.filter((t) => t.name === what) };
  return { arch: a as Arch, method: what as Weighting, tasks: ds.tasks };
}

/** One training step; returns nothing (losses disposed). */
async function trainStep(
  model: E.multitask.MultiTask, opt: E.optim.Adam, split: Split, tasks: readonly TaskSpec[], idx: Int32Array, rd: RegimeData,
): Promise<void> {
  const { x, targets } = gather(split, tasks, idx);
  const masks = Object.fromEntries(tasks.map((t) => [t.name, Array.from(idx, (i) => rd.labelled[t.name]![i]!)]));
  const full = tasks.every((t) => masks[t.name]!.every((v) => v === 1));
  opt.zeroGrad();
  const r = await model.backward(x, targets, full ? undefined : masks);
  opt.step();
  r.total.dispose();
  disposeAll(Object.values(r.losses));
  disposeAll(Object.values(r.outputs));
  x.dispose();
  disposeAll(Object.values(targets));
}

export const CURVE_POINTS = 8;

async function runOne(spec: RunSpec, ds: Dataset, rd: RegimeData, o: Options): Promise<RunResult> {
  const started = performance.now();
  const { arch, method, tasks } = parseModel(spec.model, ds);
  const model = makeModel(arch, tasks, method, spec.seed);
  const opt = new optim.Adam(model, { lr: o.lr });
  const sched = new optim.LambdaLR(opt, (s) => 0.5 * (1 + Math.cos((Math.PI * Math.min(s, o.steps)) / o.steps)));
  const next = rd.batches(spec.seed);
  const dwaPeriod = Math.max(1, Math.round(o.steps / 10)); // DWA's "epoch": a tenth of the run
  // 8 points (4 when a tiny run has fewer than 8 steps: quarters of one point each).
  const points = o.steps >= CURVE_POINTS ? CURVE_POINTS : 4;
  if (o.steps < 4) throw new Error(`runExperiment: needs at least 4 steps (quarters of training), got ${o.steps}`);
  const curveSteps = Array.from({ length: points }, (_, k) => Math.round(((k + 1) * o.steps) / points));
  const curve: Record<string, number[]> = Object.fromEntries(tasks.map((t) => [t.name, []]));
  let trainMs = 0;
  let dispatches = 0;
  let t0 = performance.now();
  for (let step = 0; step < o.steps; step++) {
    const idx = next();
    if (step === 1) dispatches = (await E.extend.traceKernels(() => trainStep(model, opt, ds.train, tasks, idx, rd))).length;
    else await trainStep(model, opt, ds.train, tasks, idx, rd);
    sched.step();
    if ((step + 1) % dwaPeriod === 0) await model.weighting.endEpoch();
    if (step % 10 === 9) await E.sync();
    if (curveSteps.includes(step + 1)) {
      await E.sync();
      trainMs += performance.now() - t0;
      const v = await evaluate(model, tasks, ds.val, o.evalLimit);
      for (const t of tasks) curve[t.name]!.push(v[t.name]!);
      t0 = performance.now();
    }
  }
  const test = await evaluate(model, tasks, ds.test, o.evalLimit);
  const val = Object.fromEntries(tasks.map((t) => [t.name, curve[t.name]!.at(-1)!]));
  const change: Record<string, number> = {};
  const converged: Record<string, boolean> = {};
  for (const t of tasks) {
    const c = curve[t.name]!;
    const q = points / 4;
    const m = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    change[t.name] = Math.abs(m(c.slice(3 * q)) - m(c.slice(2 * q, 3 * q)));
    converged[t.name] = change[t.name]! < 0.5;
  }
  const weights = await model.weighting.weights();
  const gradients = model.weighting.gradients;
  opt.dispose();
  model.dispose();
  return {
    ...spec, test, val, curve, curveSteps, change, converged, msPerStep: trainMs / o.steps, dispatches, gradients, weights,
    seconds: (performance.now() - started) / 1000, finishedAt: new Date().toISOString(),
  };
}

/** Relative gain of `value` over `base` (accuracy: of the room left; MAE: of the base). */
export function relGain(unit: '%' | '°', value: number, base: number): number {
  return unit === '°' ? (base - value) / base : (value - base) / Math.max(100 - base, 1e-9);
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

/** Times `steps` training steps of a prepared model (after an untimed warm step). */
async function timeSteps(
  m: { model: E.multitask.MultiTask; opt: E.optim.Adam }, ds: Dataset, tasks: TaskSpec[], rd: RegimeData, next: () => Int32Array, steps: number,
): Promise<number> {
  await trainStep(m.model, m.opt, ds.train, tasks, next(), rd);
  await E.sync();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await trainStep(m.model, m.opt, ds.train, tasks, next(), rd);
  await E.sync();
  return (performance.now() - t0) / steps;
}

async function costPhase(ds: Dataset, o: Options, hooks: Hooks, methods: readonly Weighting[], cost: CostRow[]): Promise<void> {
  const rd = regimeData('full', ds, o.batch);
  const next = rd.batches(1);
  const build = (id: string) => {
    const { arch, method, tasks } = parseModel(id, ds);
    const model = makeModel(arch, tasks, method, 1);
    return { model, opt: new optim.Adam(model, { lr: o.lr }), tasks };
  };
  const eq = build('hard:equal');
  const dispatchesEqual = (await E.extend.traceKernels(() => trainStep(eq.model, eq.opt, ds.train, eq.tasks, next(), rd))).length;
  const ids = [...methods.filter((m) => m !== 'equal').map((m) => `hard:${m}`), ...(o.archs ?? ARCHS).filter((a) => a !== 'hard').map((a) => `${a}:equal`)];
  for (const id of ids) {
    if (hooks.resumedCost?.some((c) => c.model === id)) {
      cost.push(hooks.resumedCost.find((c) => c.model === id)!);
      continue;
    }
    if (hooks.timeLeft && hooks.timeLeft() < 30) break;
    const from = new Date().toISOString();
    const m = build(id);
    const dispatches = (await E.extend.traceKernels(() => trainStep(m.model, m.opt, ds.train, m.tasks, next(), rd))).length;
    const rounds: { equal: number; method: number }[] = [];
    for (let r = 0; r < o.costRounds; r++) {
      const equal = await timeSteps(eq, ds, eq.tasks, rd, next, o.costSteps);
      const method = await timeSteps(m, ds, m.tasks, rd, next, o.costSteps);
      rounds.push({ equal, method });
    }
    const msEqual = median(rounds.map((r) => r.equal));
    const msMethod = median(rounds.map((r) => r.method));
    const row: CostRow = {
      model: id, msEqual, msMethod, ratio: msMethod / msEqual, dispatchesEqual, dispatches, gradients: m.model.weighting.gradients,
      rounds, from, to: new Date().toISOString(),
    };
    cost.push(row);
    hooks.log(`cost ${id}: ${msMethod.toFixed(1)} ms/step vs equal ${msEqual.toFixed(1)} (×${row.ratio.toFixed(2)}), `
      + `${dispatches} dispatches vs ${dispatchesEqual}`);
    m.opt.dispose();
    m.model.dispose();
    hooks.progress?.({ cost });
  }
  eq.opt.dispose();
  eq.model.dispose();
}

export async function runExperiment(adapter: string, datasets: Dataset[], o: Options, hooks: Hooks): Promise<ExperimentResult> {
  const started = new Date().toISOString();
  const t00 = performance.now();
  const methods = o.methods ?? WEIGHTINGS;
  const results: RunResult[] = [];
  const cost: CostRow[] = [];
  const bestMethod: Record<string, Weighting> = {};
  const notRun: string[] = [];
  const failed: (RunSpec & { error: string })[] = [];
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);
  const partial = () => hooks.progress?.({ cost, results, bestMethod, notRun, failed });
  const digits = datasets.find((d) => d.name === 'digits');
  if (o.costRounds > 0 && digits) await costPhase(digits, o, hooks, methods, cost);
  let avgSeconds = 0;
  const run = async (ds: Dataset, regime: Regime, rd: RegimeData, model: string) => {
    for (const seed of seeds) {
      const spec: RunSpec = { dataset: ds.name, regime, model, seed };
      if (results.some((r) => r.dataset === ds.name && r.regime === regime && r.model === model && r.seed === seed)) continue;
      const prior = hooks.resumed?.find((r) => r.dataset === ds.name && r.regime === regime && r.model === model && r.seed === seed);
      if (prior) {
        results.push(prior);
        continue;
      }
      // Its expected time: the same model's last seed, else 1.5 × the mean run so far.
      const same = results.filter((x) => x.dataset === ds.name && x.model === model).at(-1);
      const expected = same ? 1.1 * same.seconds : 1.5 * avgSeconds;
      if (hooks.timeLeft && hooks.timeLeft() < Math.max(5, expected)) {
        const label = `${ds.name} ${regime} ${model} seed ${seed}`;
        if (!notRun.includes(label)) notRun.push(label); // a model the plan names twice (fashion's equal) is listed once
        continue;
      }
      let r: RunResult;
      try {
        r = await runOne(spec, ds, rd, o);
      } catch (e) {
        // One failed run does not end the experiment: it is recorded (and rendered) as failed.
        const error = e instanceof Error ? e.message : String(e);
        hooks.log(`FAILED ${ds.name} ${regime} ${model} seed ${seed}: ${error}`);
        failed.push({ ...spec, error });
        partial();
        continue;
      }
      results.push(r);
      avgSeconds = mean(results.map((x) => x.seconds));
      const metrics = Object.entries(r.test).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
      const conv = Object.entries(r.change).map(([k, v]) => `${k} Δ${v.toFixed(2)}${r.converged[k] ? '' : ' NOT CONVERGED'}`).join(', ');
      hooks.log(`[${results.length}] ${ds.name} ${regime} ${model} seed ${seed}: test ${metrics}; Q3→Q4 ${conv}; `
        + `${r.msPerStep.toFixed(1)} ms/step, ${r.seconds.toFixed(0)} s`);
      partial();
    }
  };
  const bestOnVal = (ds: Dataset, regime: Regime): Weighting => {
    const of = (model: string) => results.filter((r) => r.dataset === ds.name && r.regime === regime && r.model === model);
    let best: Weighting = 'equal';
    let bestScore = -Infinity;
    for (const m of methods) {
      const rs = of(`hard:${m}`);
      if (!rs.length) continue;
      const gains = ds.tasks.map((t) => {
        const base = of(`single:${t.name}`);
        return relGain(t.unit, mean(rs.map((r) => r.val[t.name]!)), mean(base.map((r) => r.val[t.name]!)));
      });
      const score = mean(gains);
      if (score > bestScore) { bestScore = score; best = m; }
    }
    return best;
  };
  const regimeBaselines = async (ds: Dataset) => {
    for (const regime of o.regimes.filter((r) => r !== 'full')) {
      await run(ds, regime, regimeData(regime, ds, o.batch), regime === 'few-digit' ? 'single:digit' : 'single:angle');
    }
  };
  const regimesOf = async (ds: Dataset) => {
    for (const regime of o.regimes.filter((r) => r !== 'full')) {
      const rd = regimeData(regime, ds, o.batch);
      await run(ds, regime, rd, regime === 'few-digit' ? 'single:digit' : 'single:angle');
      for (const m of new Set<Weighting>(['equal', bestMethod.digits ?? 'equal'])) if (methods.includes(m)) await run(ds, regime, rd, `hard:${m}`);
    }
  };
  // The order (fixed before the run) puts first what the comparison needs most, so that a time cap cuts the rest:
  // every single-task baseline (digits, Fashion, the digits label regimes); every weighting on digits; Fashion's
  // equal and digits' best; digits' architectures with equal; the label regimes' equal and best; digits'
  // architectures with the best; then the rest of Fashion (its other weightings, then its architectures with
  // equal and with its own best).
  const archs = (o.archs ?? ARCHS).filter((x) => x !== 'hard');
  const fashion = datasets.find((d) => d.name === 'fashion');
  const pickBest = (ds: Dataset) => {
    bestMethod[ds.name] = bestOnVal(ds, 'full');
    hooks.log(`${ds.name}: best hard-sharing weighting on validation (full regime, over the weightings run): ${bestMethod[ds.name]}`);
    return bestMethod[ds.name]!;
  };
  let bestDigits: Weighting = 'equal';
  const rdFashion = fashion ? regimeData('full', fashion, o.batch) : null;
  // First every single-task baseline (the convergence check needs all of them, whatever the cap cuts).
  if (digits) for (const t of digits.tasks) await run(digits, 'full', regimeData('full', digits, o.batch), `single:${t.name}`);
  if (fashion) for (const t of fashion.tasks) await run(fashion, 'full', rdFashion!, `single:${t.name}`);
  if (digits) await regimeBaselines(digits);
  if (digits) {
    const rd = regimeData('full', digits, o.batch);
    for (const m of methods) await run(digits, 'full', rd, `hard:${m}`);
    bestDigits = pickBest(digits);
  }
  if (fashion) {
    for (const m of new Set<Weighting>(['equal', bestDigits])) if (methods.includes(m)) await run(fashion, 'full', rdFashion!, `hard:${m}`);
  }
  if (digits) {
    const rd = regimeData('full', digits, o.batch);
    for (const a of archs) await run(digits, 'full', rd, `${a}:equal`);
    await regimesOf(digits);
    if (bestDigits !== 'equal') for (const a of archs) await run(digits, 'full', rd, `${a}:${bestDigits}`);
  }
  if (fashion) {
    for (const m of methods) await run(fashion, 'full', rdFashion!, `hard:${m}`);
    const best = pickBest(fashion);
    for (const a of archs) await run(fashion, 'full', rdFashion!, `${a}:equal`);
    if (best !== 'equal') for (const a of archs) await run(fashion, 'full', rdFashion!, `${a}:${best}`);
  }
  return {
    options: o, adapter, started, finished: new Date().toISOString(), minutes: (performance.now() - t00) / 60000,
    data: Object.fromEntries(datasets.map((d) => [d.name, { train: d.train.n, val: d.val.n, test: d.test.n, tasks: d.tasks }])),
    cost, results, bestMethod, notRun, failed,
  };
}
