// Runs benchmark cases on one adapter, in the browser page or in Node (Dawn): validate, warm up, time, report.
//
// Per case: setup → validate (ours vs TF.js, and vs the case's CPU reference when it has one; each variant
// too) → warm-up → time ours, its variants (--versions) and TF.js → dispose. A case that fails validation
// is reported and not timed.
//
// Timing. With 'timestamp-query', GPU time: each of our runs is recorded into a compute pass of its own with
// timestamps at its start and end (recorder.timedPass), and TF.js is timed with tf.time()'s kernelMs, which
// it measures the same way (one timestamped pass per kernel). The row's ms is the mean per run. Wall time is
// measured for both as well: N runs recorded back to back, then the queue drained (no readback). Without
// timestamps the wall time is the row's figure.
//
// jax-js (bench/jaxjs.ts), where a case has a jax-js side: validated against ours (and the CPU reference), then
// timed against ours by one protocol for both, since jax-js runs nothing until a result is read: wall time,
// each repetition run and its result read back, the two alternated in rounds, the median round each. The row's
// `ratioJax` is jax-js ms / ours ms under that protocol (`oursForced` holds ours); training-step rows are timed
// that way already (the loss is read every step), so there it is jax-js ms / ours ms of the step timing.

import { compareClose } from '../tests/harness/cpu.ts';
import { randomArray } from '../tests/harness/random.ts';
import { gpuDevice } from '../src/engine/runtime/device.ts';
import { flush, timedPass } from '../src/engine/runtime/recorder.ts';
import { JAXJS_VERSION, forcedOursSubject, jaxSubject, readJax, type Jax } from './jaxjs.ts';
import type { BenchCase, BenchContext, BenchInstance, Engine, EngineTensor, Tf, TfTensor, TrainStepInstance } from './registry.ts';

export interface BenchOptions {
  /** CPU-adapter run: only cases marked quick, shorter timing. */
  quick: boolean;
  /**
   * Substring (case-insensitive) of the family or name: only matching rows (of the quick ones, when quick).
   * Several alternatives are separated by commas ('matmul 1024,conv2d resnet18'): a row matching any runs.
   */
  filter?: string | null;
  /** With quick: also the rows (quick or not) matching this filter (same syntax), e.g. 'matmul 1024'. */
  also?: string | null;
  /** Names the result file instead of the filter: <date>-<adapter>-<runtime>-<tag>.json. */
  tag?: string | null;
  /** Also time each of a case's variants (matmul kernel versions). */
  versions?: boolean;
  /** Fixed number of timed runs per measurement (default: enough for targetMs, 2 to 200). */
  iterations?: number | null;
  /** Time to spend per measurement when iterations is not fixed (default 300 ms quick, 1000 ms full). */
  targetMs?: number;
  /** Interleaved timing rounds (default 3 quick, 5 full); 1 for rows that take minutes on a CPU adapter. */
  rounds?: number | null;
  /** The command line, recorded in the report. */
  command: string;
  /** Where it ran. */
  runtime: 'chrome' | 'node-dawn';
  /** Extra description of the runtime (user agent, Node version). */
  runtimeInfo?: string;
}

export interface Timing {
  /** The row's figure: GPU ms per run when timestamps exist, else wall ms per run. */
  ms: number;
  method: 'timestamp' | 'wall';
  gpuMs: number | null;
  wallMs: number;
  /** Runs per round, and rounds (interleaved with the other subjects; the median round is reported). */
  iterations: number;
  rounds: number;
  gflops: number;
}

export interface BenchRow {
  family: string;
  name: string;
  shape: string;
  flops: number;
  /** What our run dispatches (e.g. 'auto → v2'). */
  impl: string;
  ours: Timing | null;
  variants: Record<string, Timing | { error: string }>;
  tfjs: Timing | null;
  /** TF.js ms / our ms (> 1: ours is faster). */
  ratio: number | null;
  /** jax-js: wall ms with a readback per repetition (training steps: ms per step), or null. */
  jaxjs: Timing | null;
  /** Ours timed as jax-js is (kernel rows; training-step rows use `ours`). */
  oursForced: Timing | null;
  /** jax-js ms / our ms under one protocol (> 1: ours is faster); null with jaxjsSkip or an error. */
  ratioJax: number | null;
  /** Why there is no jax-js figure: jax-js lacks the operation, --no-jaxjs, or its validation failed. */
  jaxjsSkip?: string;
  check: { against: string[]; maxAbsError: number; ok: boolean; detail?: string };
  /** 'train-step' for a TrainStepInstance row (then `step` is set once it ran), else absent. */
  kind?: 'train-step';
  step?: StepStats;
  error?: string;
}

/** What one training step of ours costs, beside its time (BenchRow.ours / tfjs hold the ms per step). */
export interface StepStats {
  batch: number;
  oursSamplesPerSec: number;
  tfjsSamplesPerSec: number | null;
  /** Counted over one steady step (after validation and warm-up), loss readback included. */
  dispatches: number;
  submits: number;
  newBuffers: number;
  /** Bind groups created in that step (the rest came from the cache). */
  newBindGroups: number;
  /** The kernels of that step, in order (traceKernels; copies appear as 'copy'). */
  kernels: string[];
  /** The validation steps' losses. */
  losses: { ours: number[]; tfjs: number[] | null; jaxjs?: number[] | null };
  /** jax-js against ours after the validation steps: the largest difference of a trained weight. */
  jaxjsWeightsMaxAbsDiff?: number;
}

export interface BenchReport {
  date: string;
  command: string;
  runtime: string;
  runtimeInfo: string;
  device: {
    adapter: string;
    slug: string;
    timestampQuery: boolean;
    subgroups: boolean;
    limits: Record<string, number>;
    cpuAdapter: boolean;
  };
  tfjs: { version: string; backend: string } | null;
  jaxjs: { version: string; device: string } | null;
  options: {
    quick: boolean; filter: string | null; also?: string | null; tag?: string | null; versions: boolean; iterations: number | null; rounds: number | null;
    targetMs: number;
  };
  rows: BenchRow[];
  /** The markdown table printed at the end. */
  table: string;
  /** Where the runners save it, under bench/results/ (resultFileName). */
  fileName: string;
}

type Log = (message: string) => void;

/** Whether the adapter is a CPU implementation (SwiftShader, llvmpipe, WARP): benchmarks default to --quick. */
export function isCpuAdapter(adapter: string): boolean {
  return /swiftshader|llvmpipe|lavapipe|warp|cpu/i.test(adapter);
}

/** 'Google / SwiftShader Device (Subzero)' → 'google-swiftshader-device-subzero'. */
export function adapterSlug(adapter: string): string {
  const slug = adapter
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug || 'unknown-adapter';
}

export function selectCases(cases: BenchCase[], options: Pick<BenchOptions, 'quick' | 'filter' | 'also'>): BenchCase[] {
  const split = (f: string | null | undefined): string[] => (f ? f.toLowerCase().split(',').map((a) => a.trim()).filter((a) => a) : []);
  const alternatives = split(options.filter);
  const also = split(options.also);
  const matches = (c: BenchCase, list: string[]): boolean => list.some((f) => c.family.toLowerCase().includes(f) || c.name.toLowerCase().includes(f));
  return cases.filter((c) => {
    if (options.quick && !c.quick && !matches(c, also)) return false;
    return !alternatives.length || matches(c, alternatives);
  });
}

export async function runBench(
  E: Engine, tf: Tf | null, cases: BenchCase[], options: BenchOptions, log: Log, jax: Jax | null = null,
): Promise<BenchReport> {
  const info = E.engineInfo();
  const targetMs = options.targetMs ?? (options.quick ? 300 : 1000);
  const selected = selectCases(cases, options);
  const ctx: BenchContext = { E, tf, jax, quick: options.quick, random: randomArray };
  if (tf) tf.env().set('WEBGPU_CPU_FORWARD', false); // small inputs would otherwise run on TF.js's CPU backend
  const peers = `TF.js: ${tf ? `${tf.version_core} (${tf.getBackend()})` : 'off'}; jax-js: ${jax ? `${JAXJS_VERSION} (webgpu)` : 'off'}`;
  log(`adapter: ${info.adapter}; timestamps: ${info.timestampQuery}; ${peers}`);
  log(`${selected.length} case(s)${options.quick ? ' (quick)' : ''}: ${selected.map((c) => c.name).join(', ')}`);

  const rows: BenchRow[] = [];
  for (const [i, c] of selected.entries()) {
    log(`[${i + 1}/${selected.length}] ${c.name} (${c.shape})`);
    const row = await runCase(E, tf, jax, c, ctx, options, targetMs, info.timestampQuery, log);
    rows.push(row);
    if (row.error) log(`  ERROR: ${row.error}`);
    else log(`  ${summary(row)}`);
  }

  const report: BenchReport = {
    date: new Date().toISOString(),
    command: options.command,
    runtime: options.runtime,
    runtimeInfo: options.runtimeInfo ?? '',
    device: {
      adapter: info.adapter,
      slug: adapterSlug(info.adapter),
      timestampQuery: info.timestampQuery,
      subgroups: info.subgroups,
      limits: { ...info.limits },
      cpuAdapter: isCpuAdapter(info.adapter),
    },
    tfjs: tf ? { version: tf.version_core, backend: tf.getBackend() } : null,
    jaxjs: jax ? { version: JAXJS_VERSION, device: 'webgpu' } : null,
    options: {
      quick: options.quick, filter: options.filter ?? null, also: options.also ?? null, tag: options.tag ?? null, versions: !!options.versions,
      iterations: options.iterations ?? null, rounds: options.rounds ?? null, targetMs,
    },
    rows,
    table: '',
    fileName: '',
  };
  report.table = formatTable(report);
  report.fileName = resultFileName(report);
  return report;
}

async function runCase(
  E: Engine, tf: Tf | null, jax: Jax | null, c: BenchCase, ctx: BenchContext, options: BenchOptions, targetMs: number, timestamps: boolean, log: Log,
): Promise<BenchRow> {
  const row: BenchRow = {
    family: c.family,
    name: c.name,
    shape: c.shape,
    flops: c.flops,
    impl: 'ours',
    ours: null,
    variants: {},
    tfjs: null,
    ratio: null,
    jaxjs: null,
    oursForced: null,
    ratioJax: null,
    check: { against: [], maxAbsError: 0, ok: true },
  };
  let made: BenchInstance | TrainStepInstance | null = null;
  try {
    made = await c.setup(ctx);
    if (made.kind === 'train-step') {
      await runTrainStep(E, tf, jax, made, row, c.flops, options, targetMs, log);
      return row;
    }
    const inst = made;
    row.impl = inst.oursLabel ?? 'ours';
    const tfRun = tf && inst.tfjs ? inst.tfjs : null;
    if (!(jax && inst.jaxjs)) row.jaxjsSkip = jax ? (inst.jaxjsSkip ?? 'no jax-js side written for this row') : 'jax-js off (--no-jaxjs)';

    // ---- validate
    const tol = inst.tolerance ?? { atol: 1e-3, rtol: 1e-3 };
    const ours = await readOurs(inst.ours);
    const expected: Array<[string, ArrayLike<number>]> = [];
    if (inst.reference) expected.push(['cpu', inst.reference()]);
    if (tfRun) expected.push(['tfjs', await readTf(tfRun)]);
    const candidates: Array<[string, ArrayLike<number>]> = [['ours', ours]];
    if (options.versions && inst.variants) {
      for (const [name, run] of Object.entries(inst.variants)) candidates.push([name, await readOurs(run)]);
    }

    for (const [refName, ref] of expected) {
      row.check.against.push(refName);
      for (const [name, got] of candidates) {
        const problem = mismatch(got, ref, tol);
        row.check.maxAbsError = Math.max(row.check.maxAbsError, maxAbsDiff(got, ref));
        if (problem && row.check.ok) {
          row.check.ok = false;
          row.check.detail = `${name} vs ${refName}: ${problem}`;
        }
      }
    }
    if (!row.check.ok) throw new Error(`validation failed, not timed: ${row.check.detail}`);
    // jax-js against ours and the references: a mismatch leaves ours and TF.js timed, without a jax-js figure.
    let jaxRun = jax && inst.jaxjs ? inst.jaxjs : null;
    if (jaxRun) {
      const got = await readJax(jaxRun);
      for (const [refName, ref] of [...expected, ['ours', ours] as [string, ArrayLike<number>]]) {
        const problem = mismatch(got, ref, tol);
        if (problem) {
          row.jaxjsSkip = `validation failed: jax-js vs ${refName}: ${problem.slice(0, 240)}`;
          jaxRun = null;
          break;
        }
      }
      if (jaxRun) row.check.against.push(`jax-js vs ${[...expected.map(([n]) => n), 'ours'].join(' + ')}`);
    }

    // ---- time
    const subjects = [oursSubject(E, inst.ours, timestamps)];
    if (tfRun) subjects.push(tfSubject(tf!, tfRun, timestamps));
    const [oursT, tfjsT] = await timeSubjects(subjects, c.flops, options, targetMs);
    row.ours = oursT!;
    row.tfjs = tfjsT ?? null;
    if (row.tfjs) row.ratio = row.tfjs.ms / oursT!.ms;
    if (jaxRun) {
      const [oursF, jaxT] = await timeSubjects([forcedOursSubject(inst.ours), jaxSubject(jaxRun)], c.flops, options, targetMs);
      row.oursForced = oursF!;
      row.jaxjs = jaxT!;
      row.ratioJax = jaxT!.ms / oursF!.ms;
    }
    if (options.versions && inst.variants) {
      const names = Object.keys(inst.variants);
      const times = await timeSubjects(names.map((n) => oursSubject(E, inst.variants![n]!, timestamps)), c.flops, options, targetMs);
      names.forEach((name, i) => {
        row.variants[name] = times[i]!;
        log(`    ${name}: ${fmtMs(times[i]!)}`);
      });
    }
  } catch (e) {
    row.error = errorText(e);
  } finally {
    try {
      made?.dispose();
    } catch (e) {
      row.error ??= `dispose: ${errorText(e)}`;
    }
  }
  return row;
}

/**
 * A training-step row: validate (the first steps' losses of ours and TF.js agree), count one step's dispatches,
 * submits, new buffers and new bind groups, then time whole steps (wall time, loss readback included) in interleaved rounds.
 */
async function runTrainStep(
  E: Engine, tf: Tf | null, jax: Jax | null, inst: TrainStepInstance, row: BenchRow, flops: number, options: BenchOptions, targetMs: number, log: Log,
): Promise<void> {
  row.kind = 'train-step';
  row.impl = inst.oursLabel ?? 'ours';
  const tfStep = tf && inst.tfjs ? inst.tfjs : null;
  const jaxStep = jax && inst.jaxjs ? inst.jaxjs : null;
  if (!jaxStep) row.jaxjsSkip = jax ? (inst.jaxjsSkip ?? 'no jax-js side written for this row') : 'jax-js off (--no-jaxjs)';
  const steps = inst.validateSteps ?? 3;
  const rtol = inst.lossRtol ?? 1e-3;
  if (inst.logits?.tfjs && tf) {
    const tol = inst.logits.tolerance ?? { atol: 1e-4, rtol: 1e-3 };
    const got = await readOurs(inst.logits.ours);
    const ref = await readTf(inst.logits.tfjs);
    row.check.against.push('tfjs logits');
    const problem = mismatch(got, ref, tol);
    if (problem) {
      row.check.ok = false;
      row.check.detail = `logits before the first step: ${problem}`;
      throw new Error(`validation failed, not timed: ${row.check.detail}`);
    }
  }
  const losses: StepStats['losses'] = { ours: [], tfjs: tfStep ? [] : null, jaxjs: jaxStep ? [] : null };
  // jax-js is compared over JAX_VALIDATE_STEPS steps, losses and trained weights; TF.js over the first `steps`.
  const oursSteps = jaxStep ? Math.max(steps, JAX_VALIDATE_STEPS) : steps;
  for (let i = 0; i < oursSteps; i++) losses.ours.push(await inst.ours());
  if (tfStep) for (let i = 0; i < steps; i++) losses.tfjs!.push(await tfStep());
  const tfLosses = losses.tfjs ? `; TF.js ${losses.tfjs.map((l) => l.toPrecision(6)).join(', ')}` : '';
  log(`  losses: ours ${losses.ours.map((l) => l.toPrecision(6)).join(', ')}${tfLosses}`);
  const jaxWeightsDiff = jaxStep ? await validateJaxSteps(inst, jaxStep, row, losses, oursSteps, rtol, log) : null;
  row.check.against.push(tfStep ? 'tfjs losses' : 'finite losses');
  for (let i = 0; i < steps; i++) {
    const a = losses.ours[i]!;
    const b = losses.tfjs?.[i] ?? a;
    const rel = Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
    row.check.maxAbsError = Math.max(row.check.maxAbsError, Math.abs(a - b));
    if (!Number.isFinite(a) || !(rel <= rtol)) {
      row.check.ok = false;
      row.check.detail = `step ${i + 1}: loss ours ${a} vs TF.js ${b} (relative ${rel.toExponential(2)} > ${rtol})`;
      throw new Error(`validation failed, not timed: ${row.check.detail}`);
    }
  }
  // One steady step, counted (the validation steps were its warm-up: pipelines, pools, optimizer state).
  await inst.ours();
  const before = E.memoryStats();
  const kernels = await E.extend.traceKernels(() => inst.ours());
  const after = E.memoryStats();
  const subjects: Subject[] = [stepSubject(inst.ours)];
  if (tfStep) subjects.push(stepSubject(tfStep));
  const jaxOk = jaxStep && !row.jaxjsSkip;
  if (jaxOk) subjects.push(stepSubject(() => jaxStep.step()));
  const times = await timeSubjects(subjects, flops, options, targetMs);
  const oursT = times[0]!;
  const tfjsT = tfStep ? times[1]! : null;
  row.ours = oursT;
  row.tfjs = tfjsT;
  if (row.tfjs) row.ratio = row.tfjs.ms / oursT.ms;
  if (jaxOk) {
    row.jaxjs = times[times.length - 1]!;
    row.ratioJax = row.jaxjs.ms / oursT.ms;
  }
  row.step = {
    batch: inst.batch,
    oursSamplesPerSec: (1000 * inst.batch) / oursT.ms,
    tfjsSamplesPerSec: tfjsT ? (1000 * inst.batch) / tfjsT.ms : null,
    dispatches: after.dispatches - before.dispatches,
    submits: after.submits - before.submits,
    newBuffers: after.created - before.created,
    newBindGroups: after.bindGroups - before.bindGroups,
    kernels,
    losses,
    ...(jaxWeightsDiff !== null ? { jaxjsWeightsMaxAbsDiff: jaxWeightsDiff } : {}),
  };
  log(
    `  per step: ${row.step.dispatches} dispatches, ${row.step.submits} submits, ${row.step.newBuffers} new buffers, `
    + `${row.step.newBindGroups} new bind groups`,
  );
}

/** Steps of jax-js compared with ours before timing (losses, then the trained weights within JAX_WEIGHTS_ATOL). */
const JAX_VALIDATE_STEPS = 5;
const JAX_WEIGHTS_ATOL = 1e-4;

/**
 * jax-js's side of a training row's validation: as many steps as ours ran, from the same initial weights; the
 * losses agree within `rtol` and every trained weight within JAX_WEIGHTS_ATOL (where inst.weightsRequired; else
 * the largest difference is reported in the check). A failure leaves the row's TF.js figures and records why in
 * `jaxjsSkip` (no ratioJax).
 */
async function validateJaxSteps(
  inst: TrainStepInstance, jaxStep: NonNullable<TrainStepInstance['jaxjs']>, row: BenchRow, losses: StepStats['losses'],
  steps: number, rtol: number, log: Log,
): Promise<number | null> {
  const jl: number[] = [];
  for (let i = 0; i < steps; i++) jl.push(await jaxStep.step());
  losses.jaxjs = jl;
  log(`  losses: jax-js ${jl.map((l) => l.toPrecision(6)).join(', ')}`);
  for (let i = 0; i < steps; i++) {
    const a = losses.ours[i]!;
    const rel = Math.abs(a - jl[i]!) / Math.max(Math.abs(a), 1e-12);
    if (!(rel <= rtol)) {
      row.jaxjsSkip = `validation failed: step ${i + 1} loss ours ${a} vs jax-js ${jl[i]} (relative ${rel.toExponential(2)} > ${rtol})`;
      return null;
    }
  }
  if (!inst.weights) {
    row.jaxjsSkip = 'validation failed: the row gives no weights to compare';
    return null;
  }
  const ours = await inst.weights();
  const theirs = await jaxStep.weights();
  let worst = 0;
  for (const [key, a] of ours) {
    const b = theirs.get(key);
    if (!b || b.length !== a.length) {
      row.jaxjsSkip = `validation failed: jax-js has no weight ${key} of ${a.length} values`;
      return null;
    }
    const d = maxAbsDiff(a, b);
    if (!(d <= worst)) worst = d;
    if (!(d <= JAX_WEIGHTS_ATOL) && (inst.weightsRequired ?? true)) {
      row.jaxjsSkip = `validation failed: ${key} after ${steps} steps differs by ${d.toExponential(2)} > ${JAX_WEIGHTS_ATOL}`;
      return null;
    }
  }
  const reported = worst > JAX_WEIGHTS_ATOL ? `, above ${JAX_WEIGHTS_ATOL}: reported, required on frozen rows only` : '';
  row.check.against.push(`jax-js losses and weights after ${steps} steps (max weight diff ${worst.toExponential(1)}${reported})`);
  return worst;
}

/** Whole training steps, timed by the wall clock (each step awaits its loss). */
function stepSubject(step: () => Promise<number>): Subject {
  const wall = async (n: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await step();
    return (performance.now() - t0) / n;
  };
  return { warm: () => wall(1), wall, gpu: async () => null };
}

// ------------------------------------------------------------------ validation

async function readOurs(run: () => EngineTensor): Promise<Float32Array> {
  const t = run();
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

async function readTf(run: () => TfTensor): Promise<Float32Array> {
  const t = run();
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** null when close, else a short description (count, first mismatches): the STYLE's "stop after ten". */
function mismatch(got: ArrayLike<number>, ref: ArrayLike<number>, tol: { atol: number; rtol: number }): string | null {
  if (got.length !== ref.length) return `length ${got.length} vs ${ref.length}`;
  const report = compareClose(got, ref, tol, 10);
  if (report.count === 0) return null;
  const first = report.first.map((m) => `[${m.index}] ${m.actual} vs ${m.expected}`).join(', ');
  return `${report.count} of ${ref.length} elements differ (atol ${tol.atol}, rtol ${tol.rtol}): ${first}`;
}

// ------------------------------------------------------------------ timing

function iterationsFor(oneRunMs: number, options: BenchOptions, targetMs: number): number {
  if (options.iterations) return options.iterations;
  const min = options.quick ? 1 : 5;
  return Math.max(min, Math.min(200, Math.round(targetMs / Math.max(oneRunMs, 1e-3))));
}

/** Something to time: ours or TF.js, one implementation of a case. */
export interface Subject {
  /** Warm-up (pipelines compiled, pools filled), then the wall ms of one run (unless `measure` is false: the
   *  figure sizes the adaptive iteration count, and with fixed iterations it would be one more run for nothing). */
  warm(measure?: boolean): Promise<number>;
  /** Wall ms per run over n runs recorded back to back, then the queue drained (no readback). */
  wall(n: number): Promise<number>;
  /** GPU ms per run from timestamps (one timestamped pass per run), or null without timestamps. */
  gpu(n: number): Promise<number | null>;
}

function oursSubject(E: Engine, run: () => EngineTensor, timestamps: boolean): Subject {
  const wall = async (n: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) run().dispose();
    await E.sync();
    return (performance.now() - t0) / n;
  };
  return {
    async warm(measure = true) {
      run().dispose();
      await E.sync();
      return measure ? wall(1) : 0;
    },
    wall,
    async gpu(n) {
      if (!timestamps) return null;
      const device = gpuDevice();
      const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * n });
      for (let i = 0; i < n; i++) {
        timedPass({ querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 }, () => run().dispose());
      }
      flush();
      const ms = (await readTimestamps(device, querySet, n)) / n;
      querySet.destroy();
      return ms;
    },
  };
}

/**
 * GPU ms per run with `runsPerPass` runs recorded into each of `passes` timestamped compute passes: for
 * kernels much shorter than the browser's timestamp rounding (Chrome quantizes timestamps to 100 µs unless
 * the page is cross-origin isolated), many runs per pass make the rounding a small part of what is measured.
 * The kernel explorer (site/kernels.ts) times with it; runCase keeps one run per pass.
 */
export async function batchedGpuMs(run: () => EngineTensor, runsPerPass: number, passes: number): Promise<number> {
  const device = gpuDevice();
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * passes });
  for (let p = 0; p < passes; p++) {
    timedPass({ querySet, beginningOfPassWriteIndex: 2 * p, endOfPassWriteIndex: 2 * p + 1 }, () => {
      for (let r = 0; r < runsPerPass; r++) run().dispose();
    });
  }
  flush();
  const ms = (await readTimestamps(device, querySet, passes)) / (passes * runsPerPass);
  querySet.destroy();
  return ms;
}

/** Sum over passes of (end − begin), in ms. */
async function readTimestamps(device: GPUDevice, querySet: GPUQuerySet, passes: number): Promise<number> {
  const bytes = 16 * passes;
  const resolve = device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder({ label: 'bench-timestamps' });
  enc.resolveQuerySet(querySet, 0, 2 * passes, resolve, 0);
  enc.copyBufferToBuffer(resolve, 0, read, 0, bytes);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const stamps = new BigUint64Array(read.getMappedRange().slice(0));
  read.unmap();
  resolve.destroy();
  read.destroy();
  let ns = 0;
  for (let i = 0; i < passes; i++) ns += Number(stamps[2 * i + 1]! - stamps[2 * i]!);
  return ns / 1e6;
}

export function tfSubject(tf: Tf, run: () => TfTensor, timestamps: boolean): Subject {
  const drain = async (): Promise<void> => {
    // Submit what TF.js has recorded and wait for the queue, without a readback.
    // (TF.js 4.22 WebGPU backend internals: end the open pass, submit the encoder.)
    const backend = tf.backend() as unknown as {
      commandEncoder?: GPUCommandEncoder | null; endComputePassEncoder?: () => void; submitQueue?: () => void; device?: GPUDevice;
    };
    if (backend.commandEncoder && backend.endComputePassEncoder && backend.submitQueue) {
      backend.endComputePassEncoder();
      backend.submitQueue();
    }
    if (!backend.device) throw new Error('TF.js: the active backend has no WebGPU device');
    await backend.device.queue.onSubmittedWorkDone();
  };
  const wall = async (n: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) run().dispose();
    await drain();
    return (performance.now() - t0) / n;
  };
  return {
    async warm(measure = true) {
      run().dispose();
      await drain();
      return measure ? wall(1) : 0;
    },
    wall,
    async gpu(n) {
      if (!timestamps) return null;
      // tf.time: TF.js puts each kernel in a timestamped pass of its own; kernelMs sums them.
      const info = await tf.time(() => {
        for (let i = 0; i < n; i++) run().dispose();
      });
      return typeof info.kernelMs === 'number' && info.kernelMs > 0 ? info.kernelMs / n : null;
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times the subjects in interleaved rounds (A B A B ...), so that a change in machine load hits them alike,
 * and reports the median round of each (GPU time; wall time is taken in every round only without
 * timestamps, else in the first).
 */
async function timeSubjects(subjects: Subject[], flops: number, options: BenchOptions, targetMs: number): Promise<Timing[]> {
  const ns: number[] = [];
  for (const s of subjects) ns.push(iterationsFor(await s.warm(!options.iterations), options, targetMs));
  const rounds = options.rounds ?? (options.quick ? 3 : 5);
  const samples = subjects.map(() => ({ wall: [] as number[], gpu: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of subjects.entries()) {
      const g = await s.gpu(ns[i]!);
      if (g !== null) samples[i]!.gpu.push(g);
      // Wall time is the figure only without timestamps; otherwise one round of it is enough.
      if (g === null || r === 0) samples[i]!.wall.push(await s.wall(ns[i]!));
    }
  }
  return subjects.map((_, i) => {
    const { wall, gpu } = samples[i]!;
    return timing(gpu.length === rounds ? median(gpu) : null, median(wall), ns[i]!, rounds, flops);
  });
}

function timing(gpuMs: number | null, wallMs: number, iterations: number, rounds: number, flops: number): Timing {
  const ms = gpuMs ?? wallMs;
  return { ms, method: gpuMs === null ? 'wall' : 'timestamp', gpuMs, wallMs, iterations, rounds, gflops: flops / (ms * 1e6) };
}

// ------------------------------------------------------------------ report

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function fmtNum(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

function fmtMs(t: Timing): string {
  return `${fmtNum(t.ms)} ms (${fmtNum(t.gflops)} GFLOP/s, ${t.method}, wall ${fmtNum(t.wallMs)} ms, ${t.rounds}×${t.iterations} runs)`;
}

function summary(row: BenchRow): string {
  const parts = [`ours [${row.impl}] ${fmtMs(row.ours!)}`];
  if (row.tfjs) parts.push(`TF.js ${fmtMs(row.tfjs)}`);
  if (row.ratio !== null) parts.push(`TF.js/ours ${row.ratio.toFixed(2)}`);
  if (row.jaxjs) {
    const forced = row.oursForced ? `, ours read back ${fmtNum(row.oursForced.ms)} ms` : '';
    parts.push(`jax-js ${fmtNum(row.jaxjs.ms)} ms (wall, read back${forced}) | jax-js/ours ${row.ratioJax!.toFixed(2)}`);
  } else if (row.jaxjsSkip) parts.push(`jax-js: ${row.jaxjsSkip}`);
  return parts.join(' | ');
}

export function formatTable(report: Pick<BenchReport, 'rows' | 'options'>): string {
  const kernelRows = report.rows.filter((r) => r.kind !== 'train-step');
  const stepRows = report.rows.filter((r) => r.kind === 'train-step');
  const skipped = report.rows.filter((r) => r.jaxjsSkip && !r.jaxjsSkip.startsWith('jax-js off'));
  const notes = skipped.length ? ['jax-js skipped:', ...skipped.map((r) => `- ${r.name}: ${r.jaxjsSkip}`)].join('\n') : '';
  return [kernelRows.length ? formatKernelTable(kernelRows) : '', stepRows.length ? formatStepTable(stepRows) : '', notes].filter((t) => t).join('\n\n');
}

/** jax-js's ms and jax-js ms / ours ms for a table row ('–' without a jax-js figure). */
function jaxCells(r: BenchRow): string[] {
  return [r.jaxjs ? fmtNum(r.jaxjs.ms) : '–', r.ratioJax !== null && r.ratioJax !== undefined ? r.ratioJax.toFixed(2) : '–'];
}

/** Training steps: ms/step (wall, loss read back every step), samples/s, ratio, and what one step records. */
export function formatStepTable(rows: BenchRow[]): string {
  const head = [
    'training step', 'setup', 'ours ms/step', 'ours samples/s', 'TF.js ms/step', 'TF.js samples/s', 'TF.js/ours',
    'jax-js ms/step', 'jax-js/ours', 'dispatches', 'submits', 'new buffers', 'new bind groups', 'check',
  ];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows) {
    if (r.error || !r.ours || !r.step) {
      const dashes = ['–', '–', '–', '–', '–', '–', '–', '–', '–', '–', '–'].join(' | ');
      lines.push(`| ${r.name} | ${r.shape} | ${dashes} | ${(r.error ?? 'not run').replace(/\|/g, '/').slice(0, 160)} |`);
      continue;
    }
    const st = r.step;
    const check = `${r.check.ok ? 'ok' : 'FAIL'} (vs ${r.check.against.join(', ')}; max loss diff ${r.check.maxAbsError.toExponential(1)})`;
    lines.push(
      `| ${[
        r.name, r.shape, fmtNum(r.ours.ms), fmtNum(st.oursSamplesPerSec), r.tfjs ? fmtNum(r.tfjs.ms) : '–',
        st.tfjsSamplesPerSec !== null ? fmtNum(st.tfjsSamplesPerSec) : '–',
        r.ratio !== null ? r.ratio.toFixed(2) : '–', ...jaxCells(r), st.dispatches, st.submits, st.newBuffers, st.newBindGroups ?? '–', check,
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

function formatKernelTable(rows: BenchRow[]): string {
  const report = { rows };
  const versionNames = [...new Set(report.rows.flatMap((r) => Object.keys(r.variants)))];
  const head = [
    'case', 'shape', 'ours: kernel', 'ours ms', 'ours GFLOP/s', 'TF.js ms', 'TF.js GFLOP/s', 'TF.js/ours',
    'ours ms, read back', 'jax-js ms, read back', 'jax-js/ours', ...versionNames.map((v) => `${v} ms`), 'check',
  ];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of report.rows) {
    if (r.error || !r.ours) {
      const dashes = ['–', '–', '–', '–', '–', '–', '–', '–', ...versionNames.map(() => '–')].join(' | ');
      lines.push(`| ${r.name} | ${r.shape} | ${r.impl} | ${dashes} | ${(r.error ?? 'not run').replace(/\|/g, '/').slice(0, 120)} |`);
      continue;
    }
    const v = versionNames.map((name) => {
      const t = r.variants[name];
      return !t ? '–' : 'error' in t ? 'error' : fmtNum(t.ms);
    });
    const against = r.check.against.length ? ` (vs ${r.check.against.join(', ')}; max err ${r.check.maxAbsError.toExponential(1)})` : '';
    const check = `${r.check.ok ? 'ok' : 'FAIL'}${against}`;
    lines.push(
      `| ${[
        r.name,
        r.shape,
        r.impl,
        fmtNum(r.ours.ms),
        fmtNum(r.ours.gflops),
        r.tfjs ? fmtNum(r.tfjs.ms) : '–',
        r.tfjs ? fmtNum(r.tfjs.gflops) : '–',
        r.ratio !== null ? r.ratio.toFixed(2) : '–',
        r.oursForced ? fmtNum(r.oursForced.ms) : '–',
        ...jaxCells(r),
        ...v,
        check,
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** bench/results/<YYYY-MM-DD>-<adapter-slug>-<chrome|node>[-<tag or filter>].json */
export function resultFileName(report: Pick<BenchReport, 'date' | 'device' | 'runtime' | 'options'>): string {
  const { tag, filter: f } = report.options;
  const filter = tag ? `-${adapterSlug(tag)}` : f ? `-${adapterSlug(f)}` : '';
  return `${report.date.slice(0, 10)}-${report.device.slug}-${report.runtime === 'chrome' ? 'chrome' : 'node'}${filter}.json`;
}
