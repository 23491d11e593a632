// The reduction launches, with no autograd: a reduction over a run of consecutive dims is one kernel launch on
// the [outer, R, inner] view of the input (two when long rows are split); other dim sets are reduced run by
// run. sumTo (the gradient of broadcasting) is here too, so that shape ops and elementwise ops can use it
// without importing the differentiable reductions (no cycles).

import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import argreduceWgsl from '../../shaders/argreduce.wgsl?raw';
import reduceWgsl from '../../shaders/reduce.wgsl?raw';
import reduceSerialWgsl from '../../shaders/reduce_serial.wgsl?raw';
import reduceSerialVec4Wgsl from '../../shaders/reduce_serial_vec4.wgsl?raw';
import reduceStridedVec4Wgsl from '../../shaders/reduce_strided_vec4.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { reducedDimsForBroadcast, sizeOf } from '../shape.ts';
import { rawView, type Tensor } from '../tensor.ts';

const reduceKernel = defineKernel('reduce', floatBitsWgsl + reduceWgsl, ['read', 'write'], { outputs: 'u32', reduce: 'u32', inner: 'u32', chunk: 'u32' });
const SERIAL_PARAMS = { outputs: 'u32', reduce: 'u32', inner: 'u32', chunk: 'u32', chunks: 'u32' } as const;
const serialKernel = defineKernel('reduce_serial', floatBitsWgsl + reduceSerialWgsl, ['read', 'write'], SERIAL_PARAMS);
const serialVec4Kernel = defineKernel('reduce_serial_vec4', floatBitsWgsl + reduceSerialVec4Wgsl, ['read', 'write'], SERIAL_PARAMS);
const stridedVec4Kernel = defineKernel('reduce_strided_vec4', floatBitsWgsl + reduceStridedVec4Wgsl, ['read', 'write'], SERIAL_PARAMS);
const argreduceKernel = defineKernel('argreduce', floatBitsWgsl + argreduceWgsl, ['read', 'write'], { outputs: 'u32', reduce: 'u32', inner: 'u32' });

export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';
export const OP_CODE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2, argmax: 0, argmin: 1 };

/** Shape after reducing `dims` of `shape`. */
export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  return keepdim ? shape.map((d, i) => (dims.includes(i) ? 1 : d)) : shape.filter((_, i) => !dims.includes(i));
}

/** `dims` (sorted) as maximal runs of consecutive dims: [0, 2, 3] → [[0], [2, 3]]. */
function consecutiveRuns(dims: readonly number[]): number[][] {
  const runs: number[][] = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1]! + 1 === d) last.push(d);
    else runs.push([d]);
  }
  return runs;
}

/**
 * Reduces `dims` (normalized, sorted) with no autograd. A run of consecutive dims is one [outer, R, inner]
 * reduction; several runs (BatchNorm's [0, 2, 3]) are reduced one after another, innermost first, so the
 * input is never permuted into a copy.
 */
export function reduceRaw(
  op: ReduceOp, x: Tensor, dims: readonly number[], keepdim: boolean, argReduce: (p: ArgReduceProblem) => void = argReduceV1,
): Tensor {
  const outShape = reducedShape(x.shape, dims, keepdim);
  const runs = consecutiveRuns(dims);
  if (runs.length > 1) {
    let current = x;
    for (const run of runs.reverse()) {
      const next = reduceRaw(op, current, run, true);
      if (current !== x) current.dispose();
      current = next;
    }
    const out = rawView(current, outShape);
    current.dispose();
    return out;
  }
  let outer: number;
  let reduce: number;
  let inner: number;
  if (dims.length === 0) {
    outer = x.size;
    reduce = 1;
    inner = 1;
  } else {
    outer = sizeOf(x.shape.slice(0, dims[0]));
    reduce = sizeOf(dims.map((d) => x.shape[d]!));
    inner = sizeOf(x.shape.slice(dims[dims.length - 1]! + 1));
  }
  if (reduce === 0 && op !== 'sum') {
    throw new ShapeError(`${op}: cannot reduce over an empty dim of ${fmtShape(x.shape)}`);
  }
  const isArg = op === 'argmax' || op === 'argmin';
  const out = emptyTensor(outShape, isArg ? 'int32' : 'float32');
  try {
    if (isArg) argReduce({ x, out, op, outer, reduce, inner });
    else reduceVersions.run({ x, out, op, outer, reduce, inner });
  } catch (e) {
    out.dispose(); // a forced version that refuses the problem throws before any GPU work
    throw e;
  }
  return out;
}

/** A sum / max / min over the middle axis of [outer, reduce, inner] into `out` ([outer, inner] elements). */
export interface ReduceProblem { x: Tensor; out: Tensor; op: ReduceOp; outer: number; reduce: number; inner: number }
type ReduceSizes = Pick<ReduceProblem, 'outer' | 'reduce' | 'inner'> & { op?: ReduceOp };

/** v1: a workgroup per output, or per range of a long row (splitCount) and a second launch over the partials. */
function reduceTree({ x, out, op, outer, reduce, inner }: ReduceProblem): void {
  const splits = splitCount(outer * inner, reduce);
  if (splits === 1) {
    launchReduce(op, x, out, outer, reduce, inner, reduce);
    return;
  }
  const chunk = Math.ceil(reduce / splits);
  const chunks = Math.ceil(reduce / chunk);
  const partials = emptyTensor([outer, chunks, inner]);
  launchReduce(op, x, partials, outer, reduce, inner, chunk);
  launchReduce(op, partials, out, outer, chunks, inner, chunks);
  partials.dispose();
}

/**
 * v2 / v3's ranges: a row is cut into ranges (threads) only while there are fewer than SERIAL_THREADS outputs,
 * and no range is shorter than SERIAL_MIN_CHUNK; v3's ranges are multiples of 4. Probed on SwiftShader (the sum
 * of all of [1024,1024]): ranges of 4096 (256 threads) beat 1024 and 16384.
 */
const SERIAL_THREADS = 256;
const SERIAL_MIN_CHUNK = 1024;
export function serialReducePlan({ outer, reduce, inner }: ReduceSizes, vec4 = false): LaunchPlan & { chunk: number; chunks: number } {
  const outputs = outer * inner;
  const threads = reduceVersions.tuning.threads ?? SERIAL_THREADS;
  const wanted = Math.max(1, Math.min(Math.floor(threads / Math.max(outputs, 1)), Math.floor(reduce / SERIAL_MIN_CHUNK)));
  let chunk = Math.max(1, Math.ceil(reduce / wanted));
  if (vec4) chunk = Math.ceil(chunk / 4) * 4;
  const chunks = Math.max(1, Math.ceil(reduce / chunk));
  return { chunk, chunks, workgroups: Math.ceil((outputs * chunks) / 64), loop: chunk };
}

/**
 * v2 / v3 / v4: a thread per output (or range; v4: per interleaved share of a row), then, for ranges, a second
 * launch over the [outer, chunks, inner] partials (v2's kernel; v4's own for a multiple of 4 partials).
 */
function reduceSerial({ x, out, op, outer, reduce, inner }: ReduceProblem, kind: 'scalar' | 'vec4' | 'strided'): void {
  const { chunk, chunks } = serialReducePlan({ outer, reduce, inner }, kind !== 'scalar');
  const first = chunks === 1 ? out : emptyTensor([outer, chunks, inner]);
  const outputs = outer * chunks * inner;
  launch(kind === 'scalar' ? serialKernel : kind === 'vec4' ? serialVec4Kernel : stridedVec4Kernel, [x, first], {
    params: { outputs, reduce, inner, chunk, chunks }, constants: { OP: OP_CODE[op] }, workgroups: grid(Math.ceil(outputs / 64)), label: op,
  });
  if (first === out) return;
  // v4 reads the partials of a row (inner 1) as vec4 words too when there are a multiple of 4 of them.
  launch(kind === 'strided' && chunks % 4 === 0 ? stridedVec4Kernel : serialKernel, [first, out], {
    params: { outputs: outer * inner, reduce: chunks, inner, chunk: chunks, chunks: 1 },
    constants: { OP: OP_CODE[op] },
    workgroups: grid(Math.ceil((outer * inner) / 64)),
    label: op,
  });
  first.dispose();
}

function vec4Rejects({ outer, reduce, inner, op }: ReduceSizes): string | null {
  const what = `${op ?? 'reduction'} over [outer, R, inner] = [${outer},${reduce},${inner}]`;
  if (outer * reduce === 0) return `binds x as vec4: no empty input (${what})`;
  return inner !== 1 || reduce % 4 !== 0 ? `reads rows of a multiple of 4 over the last dim (inner 1) (${what})` : null;
}

/**
 * sum / max / min in the kernel registry ('reduce'): v1 the workgroup tree (reduce.wgsl), the GPU rules' choice;
 * v2 a thread per output with no barrier (reduce_serial.wgsl), v3 its vec4 form for rows of a multiple of 4
 * (reduce_serial_vec4.wgsl) and v4 v3 with a row's threads interleaved word by word, four words a step
 * (reduce_strided_vec4.wgsl): the CPU rules' choices (v4 where it accepts the problem, else v2).
 * Measured (bench/probe/reduce-probe.ts, headless Chromium 156 on SwiftShader, 2 cores, load 14, wall time with a
 * read-back): [1024,1024] rows 101 → 6.0 ms, all 12.3 → 6.6 ms, columns 85 → 9 ms (v1 → v2 / v3).
 * v3 → v4 (GPU timestamps, `npm run bench -- --full --no-tfjs --no-jaxjs --no-save --versions --rounds 9 --filter
 * "sum all"`, 2026-12-08, load 9–10, two runs each): sum all 2.8–3.0 → 2.1–2.3 ms, sum rows 3.2–3.6 → 2.1–2.4 ms.
 */
export const reduceVersions = defineKernelVersions<ReduceProblem, void, 'v1' | 'v2' | 'v3' | 'v4', { threads: number | null }, ReduceSizes>('reduce', {
  versions: {
    v1: {
      summary: 'reduce: a workgroup per output (or range), strided partials + tree',
      run: reduceTree,
      plan: ({ outer, reduce, inner }, rules) => reducePlan(outer * inner, reduce, rules),
    },
    v2: { summary: 'reduce_serial: a thread per output (or range), no barrier', run: (p) => reduceSerial(p, 'scalar'), plan: (p) => serialReducePlan(p) },
    v3: {
      summary: 'reduce_serial_vec4: v2 with vec4 loads over the last dim',
      rejects: vec4Rejects,
      run: (p) => reduceSerial(p, 'vec4'),
      plan: (p) => serialReducePlan(p, true),
    },
    v4: {
      summary: 'reduce_strided_vec4: v3 with the threads of a row interleaved word by word, 4 words a step',
      rejects: vec4Rejects,
      run: (p) => reduceSerial(p, 'strided'),
      plan: (p) => serialReducePlan(p, true),
    },
  },
  default: 'v1',
  // threads: the serial versions' target thread count (ranges per row × rows), null for SERIAL_THREADS.
  tuning: { threads: null },
  auto: (p, rules) => (rules === 'gpu' ? 'v1' : vec4Rejects(p) === null ? 'v4' : 'v2'),
});

/**
 * How many chunks to split each reduced row into. A row gets one 64-thread workgroup; with few outputs and
 * long rows (a loss mean: 1 output; BatchNorm statistics: C outputs over N·H·W) that leaves most of a GPU idle,
 * so the rows are split into chunks of at least MIN_CHUNK elements until about TARGET_WORKGROUPS workgroups
 * run, and a second launch combines the partials. A CPU adapter gets a few workgroups per core instead: there
 * every extra chunk only adds a tree of barriers.
 */
const TARGET_WORKGROUPS = { gpu: 1024, cpu: 16 };
const MIN_CHUNK = 2048;
export function splitCount(outputs: number, reduce: number, rules: RulesProfile = currentRules()): number {
  const wanted = Math.floor(TARGET_WORKGROUPS[rules] / Math.max(outputs, 1));
  return Math.max(1, Math.min(wanted, Math.floor(reduce / MIN_CHUNK)));
}

/**
 * The sum / max / min reduction's launch plan, as data (runtime/rules.ts): `outputs` rows of `reduce` elements,
 * each chunk of a row one 64-thread workgroup, each thread walking every 64th element of its chunk. `splits`
 * is the chunk count (1: one launch; more: a second launch combines the partials).
 */
export function reducePlan(outputs: number, reduce: number, rules: RulesProfile): LaunchPlan & { splits: number } {
  const splits = splitCount(outputs, reduce, rules);
  const chunk = Math.ceil(reduce / splits);
  return { splits, workgroups: outputs * Math.ceil(reduce / chunk), loop: Math.ceil(chunk / 64) };
}

/** An argmax / argmin over the middle axis of [outer, reduce, inner] into `out` (int32). */
export interface ArgReduceProblem { x: Tensor; out: Tensor; op: ReduceOp; outer: number; reduce: number; inner: number }

/** v1: one workgroup per output, strided partials + a tree. */
export function argReduceV1({ x, out, op, outer, reduce, inner }: ArgReduceProblem): void {
  const params = { outputs: outer * inner, reduce, inner };
  launch(argreduceKernel, [x, out], { params, constants: { OP: OP_CODE[op] }, workgroups: grid(outer * inner), label: op });
}

/** One reduce launch over [outer, reduce, inner] in chunks of `chunk` rows → out [outer, chunks, inner]. */
function launchReduce(op: ReduceOp, x: Tensor, out: Tensor, outer: number, reduce: number, inner: number, chunk: number): void {
  chunk = Math.max(1, chunk);
  const chunks = Math.max(1, Math.ceil(reduce / chunk)); // an empty row still writes its identity
  launch(reduceKernel, [x, out], {
    params: { outputs: outer * chunks * inner, reduce, inner, chunk },
    constants: { OP: OP_CODE[op] },
    workgroups: grid(outer * chunks * inner),
    label: op,
  });
}

/** Sums a broadcast result back to `shape` (the gradient of broadcasting). Records no graph: backward rules use it. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  const dims = reducedDimsForBroadcast(shape, g.shape);
  if (dims.length === 0) return rawView(g, shape);
  const s = reduceRaw('sum', g, dims, true);
  const out = rawView(s, shape);
  s.dispose();
  return out;
}
