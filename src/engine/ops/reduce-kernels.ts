// The reduction launches, with no autograd: a reduction over a run of consecutive dims is one kernel launch on
// the [outer, R, inner] view of the input (two when long rows are split); other dim sets are reduced run by
// run. sumTo (the gradient of broadcasting) is here too, so that shape ops and elementwise ops can use it
// without importing the differentiable reductions (no cycles).

import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import argreduceWgsl from '../../shaders/argreduce.wgsl?raw';
import reduceWgsl from '../../shaders/reduce.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { reducedDimsForBroadcast, sizeOf } from '../shape.ts';
import { rawView, type Tensor } from '../tensor.ts';

const reduceKernel = defineKernel('reduce', floatBitsWgsl + reduceWgsl, ['read', 'write'], { outputs: 'u32', reduce: 'u32', inner: 'u32', chunk: 'u32' });
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
  if (isArg) {
    argReduce({ x, out, op, outer, reduce, inner });
  } else {
    const splits = splitCount(outer * inner, reduce);
    if (splits === 1) {
      launchReduce(op, x, out, outer, reduce, inner, reduce);
    } else {
      const chunk = Math.ceil(reduce / splits);
      const chunks = Math.ceil(reduce / chunk);
      const partials = emptyTensor([outer, chunks, inner]);
      launchReduce(op, x, partials, outer, reduce, inner, chunk);
      launchReduce(op, partials, out, outer, chunks, inner, chunks);
      partials.dispose();
    }
  }
  return out;
}

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
