// The benchmark case API. A kernel family registers its rows in a file of its own, bench/cases/<family>.ts:
//
//   import { defineBenchCases } from '../registry.ts';
//   export default defineBenchCases('conv2d', [
//     {
//       name: 'conv2d 64→64 56² N=8', shape: '[8,64,56,56] * [64,64,3,3] pad 1', flops: 2 * 8 * 64 * 56 * 56 * 64 * 9,
//       quick: false,
//       setup({ E, tf, random }) {
//         const x = E.tensor(random(8 * 64 * 56 * 56, 1), [8, 64, 56, 56]);
//         ...
//         return { ours: () => E.conv2d(x, w, ...), tfjs: tf && (() => tf.conv2d(...)), dispose: () => x.dispose() };
//       },
//     },
//   ]);
//
// The runners (bench/run-browser.mjs, bench/run-node.mjs) pick up every bench/cases/*.ts with a default export
// (bench/cases/index.ts globs them). For each case the harness (bench/harness.ts): validates ours against TF.js
// and against `reference()` when given, warms up, then times ours, each of ours `variants` (with --versions)
// and TF.js on the same adapter, with GPU timestamps where the device has them, else wall time.

import type * as TfCore from '@tensorflow/tfjs-core';
import type * as EngineModule from '../src/index.ts';
import type * as EngineInternals from '../src/engine/internal.ts';
import type { Jax, JaxResult } from './jaxjs.ts';

/** The public entry, plus the engine's internals under `internal` (a benchmark may time an internal op). */
export type Engine = typeof EngineModule & { internal: typeof EngineInternals };
export type EngineTensor = InstanceType<Engine['Tensor']>;
export type Tf = typeof TfCore;
export type TfTensor = TfCore.Tensor;

export interface BenchContext {
  E: Engine;
  /** TF.js with its WebGPU backend ready, or null when run with --no-tfjs. */
  tf: Tf | null;
  /** jax-js with its WebGPU backend started (bench/jaxjs.ts), or null when run with --no-jaxjs. */
  jax: Jax | null;
  /** A CPU-adapter (--quick) run: cases may shrink what they set up. */
  quick: boolean;
  /** Seeded values in [-1, 1), identical in Node and in the page (tests/harness/random.ts). */
  random(n: number, seed: number): Float32Array<ArrayBuffer>;
}

export interface BenchInstance {
  /** A kernel row (the default); training-step rows are TrainStepInstance. */
  kind?: 'kernel';
  /** One run of our op; the harness disposes the returned tensor. Runs between warm-up and timing. */
  ours(): EngineTensor;
  /** What `ours` dispatches, for the table (e.g. 'auto → v2'). */
  oursLabel?: string;
  /** More of our implementations (kernel versions) timed with --versions, each validated like `ours`. */
  variants?: Record<string, () => EngineTensor>;
  /** One run of the TF.js equivalent; the harness disposes the returned tensor. */
  tfjs?: (() => TfTensor) | null;
  /**
   * One run of the jax-js equivalent (jit-compiled once in setup, inputs passed as `.ref`): its output, or several
   * arrays whose first is the output (a backward row's [dx, dw]). Validated against ours; timed with a readback per
   * repetition (bench/jaxjs.ts). Null with `jaxjsSkip` where jax-js lacks the operation.
   */
  jaxjs?: (() => JaxResult) | null;
  /** Why the row has no jax-js side (reported as `jaxjsSkip`, `ratioJax: null`). */
  jaxjsSkip?: string;
  /** A CPU reference of the output (flat, row-major), for sizes where the CPU can afford it. */
  reference?: (() => ArrayLike<number>) | null;
  /** Validation tolerance, |ours − ref| ≤ atol + rtol·|ref| (default 1e-3, 1e-3). */
  tolerance?: { atol: number; rtol: number };
  /** Frees what setup made (the harness calls it after timing, also on failure). */
  dispose(): void;
}

/**
 * A training-step row (bench/cases/train.ts): `ours` and `tfjs` each run one whole step (zero grads, forward,
 * loss, backward, optimizer update) and read the loss back, as a real loop does. The harness first runs
 * `validateSteps` steps of each from the same weights and compares the losses (relative `lossRtol`), then
 * counts one step's dispatches, submits and new GPU buffers, then times steps in interleaved rounds (wall time:
 * the readback is part of the step).
 */
export interface TrainStepInstance {
  kind: 'train-step';
  /** Samples per step, for samples/s. */
  batch: number;
  /** One step of ours; resolves with the loss read back. */
  ours(): Promise<number>;
  /** One step of TF.js (same model, weights, data and optimizer); resolves with the loss read back. */
  tfjs?: (() => Promise<number>) | null;
  /** What ours runs, for the table (e.g. 'Adam eps 1e-8, BN eps 1e-5'). */
  oursLabel?: string;
  /**
   * The first head's logits before any step (flat, row-major; TF.js's made NCHW-ordered where it differs),
   * compared like a kernel row's output before the losses: a layout mistake shows as element mismatches.
   */
  logits?: { ours: () => EngineTensor; tfjs: (() => TfTensor) | null; tolerance?: { atol: number; rtol: number } };
  /**
   * The same step written in jax-js (one jit over the whole step, Adam in jax-js), from the same weights and
   * data: `step` resolves with the loss read back; `weights` reads the trained parameters in our layout, keyed
   * as `weights()` below. Before timing both run 5 steps: the losses agree within lossRtol and the weights
   * within 1e-4.
   */
  jaxjs?: { step(): Promise<number>; weights(): Promise<Map<string, Float32Array>> } | null;
  jaxjsSkip?: string;
  /** Our trained parameters (state-dict keys; heads as head<i>.<leaf>), for the comparison with jax-js. */
  weights?: () => Promise<Map<string, Float32Array>>;
  /**
   * Whether the weights must agree within 1e-4 (the frozen rows) or the difference is only reported (rows that
   * train a trunk: Adam divides each gradient by its running magnitude, so a weight whose gradient is near zero
   * can step by up to lr either way on rounding alone). Default true.
   */
  weightsRequired?: boolean;
  /** Steps compared before timing (default 3); the losses must agree within lossRtol (default 1e-3). */
  validateSteps?: number;
  lossRtol?: number;
  dispose(): void;
}

export interface BenchCase {
  /** Kernel family, e.g. 'matmul', 'conv2d': `--filter` matches it and the name. */
  family: string;
  /** Unique row name, e.g. 'matmul 1024'. */
  name: string;
  /** Problem shape for the table, e.g. '1024×1024×1024'. */
  shape: string;
  /** Floating-point operations per run (2·M·N·K for a matmul), for GFLOP/s. */
  flops: number;
  /** Included in --quick runs (the default on a CPU adapter such as SwiftShader). */
  quick?: boolean;
  setup(ctx: BenchContext): BenchInstance | TrainStepInstance | Promise<BenchInstance | TrainStepInstance>;
}

/** Fills in `family` for a list of cases: the default export of a bench/cases/<family>.ts file. */
export function defineBenchCases(family: string, cases: Array<Omit<BenchCase, 'family'>>): BenchCase[] {
  return cases.map((c) => ({ ...c, family }));
}
