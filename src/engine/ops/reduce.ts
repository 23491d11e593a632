// Reductions over dims, with keepdim: sum, mean, max, min, argmax, argmin, and sumTo (the backward of
// broadcasting). A reduction over a run of consecutive dims is one kernel launch on the [outer, R, inner]
// view of the input (two when long rows are split); other dim sets are reduced run by run.

import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import argreduceWgsl from '../../shaders/argreduce.wgsl?raw';
import reduceWgsl from '../../shaders/reduce.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../launch.ts';
import { normalizeDim, normalizeDims, reducedDimsForBroadcast, sizeOf } from '../shape.ts';
import { Tensor, checkFloat, checkOperand } from '../tensor.ts';
import { _binaryRaw as binaryRaw, _unaryRaw as unaryRaw } from './elementwise.ts';
import { scatterToIndices } from './gather.ts';
import { expand, reshape } from './shape-ops.ts';

const reduceKernel = defineKernel('reduce', floatBitsWgsl + reduceWgsl, ['read', 'write']);
const argreduceKernel = defineKernel('argreduce', floatBitsWgsl + argreduceWgsl, ['read', 'write']);

type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';
const OP_CODE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2, argmax: 0, argmin: 1 };

/** Shape after reducing `dims` of `shape`. */
function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
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
function reduceRaw(op: ReduceOp, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  const outShape = reducedShape(x.shape, dims, keepdim);
  const runs = consecutiveRuns(dims);
  if (runs.length > 1) {
    let current = x;
    for (const run of runs.reverse()) {
      const next = reduceRaw(op, current, run, true);
      if (current !== x) current.dispose();
      current = next;
    }
    const out = reshape(current, outShape);
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
    launch(argreduceKernel, [x, out], {
      uniforms: [outer * inner, reduce, inner],
      constants: { OP: OP_CODE[op] },
      workgroups: grid(outer * inner),
      label: op,
    });
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
 * run, and a second launch combines the partials.
 */
const TARGET_WORKGROUPS = 1024;
const MIN_CHUNK = 2048;
function splitCount(outputs: number, reduce: number): number {
  const wanted = Math.floor(TARGET_WORKGROUPS / Math.max(outputs, 1));
  return Math.max(1, Math.min(wanted, Math.floor(reduce / MIN_CHUNK)));
}

/** One reduce launch over [outer, reduce, inner] in chunks of `chunk` rows → out [outer, chunks, inner]. */
function launchReduce(op: ReduceOp, x: Tensor, out: Tensor, outer: number, reduce: number, inner: number, chunk: number): void {
  chunk = Math.max(1, chunk);
  const chunks = Math.max(1, Math.ceil(reduce / chunk)); // an empty row still writes its identity
  launch(reduceKernel, [x, out], {
    uniforms: [outer * chunks * inner, reduce, inner, chunk],
    constants: { OP: OP_CODE[op] },
    workgroups: grid(outer * chunks * inner),
    label: op,
  });
}

function prepare(op: string, x: Tensor, dim: number | readonly number[] | undefined): number[] {
  checkOperand(op, x);
  checkFloat(op, x);
  return normalizeDims(op, dim, x.rank);
}

/** Sum over `dim` (all dims when omitted). */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const dims = prepare('sum', x, dim);
  const out = reduceRaw('sum', x, dims, keepdim);
  const inShape = x.shape;
  const keptShape = reducedShape(inShape, dims, true);
  return attach('sum', [x], out, [], (g) => {
    const gk = reshape(g, keptShape);
    const gx = expand(gk, inShape);
    gk.dispose();
    return [gx];
  });
}

export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const dims = prepare('mean', x, dim);
  const count = sizeOf(dims.map((d) => x.shape[d]!));
  const total = reduceRaw('sum', x, dims, keepdim);
  const out = unaryRaw('mulScalar', total, 1 / count);
  total.dispose();
  const inShape = x.shape;
  const keptShape = reducedShape(inShape, dims, true);
  return attach('mean', [x], out, [], (g) => {
    const gk = reshape(g, keptShape);
    const ge = expand(gk, inShape);
    gk.dispose();
    const gx = unaryRaw('mulScalar', ge, 1 / count);
    ge.dispose();
    return [gx];
  });
}

function extremum(op: 'max' | 'min', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const dims = prepare(op, x, dim === undefined ? undefined : [dim]);
  const out = reduceRaw(op, x, dims, keepdim);
  const inShape = x.shape;
  const keptShape = reducedShape(inShape, dims, true);
  // The gradient goes to the elements equal to the extremum, split evenly among ties.
  return attach(op, [x], out, [x, out], (g, [x0, y]) => {
    const yk = reshape(y!, keptShape);
    const mask = binaryRaw('eq', x0!, yk, inShape);
    yk.dispose();
    const count = reduceRaw('sum', mask, dims, true);
    const gk = reshape(g, keptShape);
    const share = binaryRaw('div', gk, count, keptShape);
    gk.dispose();
    count.dispose();
    const gx = binaryRaw('mul', mask, share, inShape);
    mask.dispose();
    share.dispose();
    return [gx];
  });
}

/** Largest value over `dim` (over all elements when omitted). Use argmax for the indices. */
export const max = (x: Tensor, dim?: number, keepdim = false): Tensor => extremum('max', x, dim, keepdim);
export const min = (x: Tensor, dim?: number, keepdim = false): Tensor => extremum('min', x, dim, keepdim);

export interface ValuesAndIndices {
  /** The extreme values over the dim (float32). */
  values: Tensor;
  /** Where they are along the dim (int32; the first one among ties or NaNs, as argmax). */
  indices: Tensor;
}

function extremumWithIndices(op: 'maxWithIndices' | 'minWithIndices', x: Tensor, dim: number, keepdim: boolean): ValuesAndIndices {
  checkOperand(op, x);
  checkFloat(op, x);
  if (x.rank === 0) throw new ShapeError(`${op}: expected a tensor with at least one dim, got ${fmtShape(x.shape)}`);
  if (typeof dim !== 'number') throw new TypeError(`${op}: dim must be a number, got ${typeof dim}`);
  const d = normalizeDim(op, dim, x.rank);
  const max = op === 'maxWithIndices';
  const values = reduceRaw(max ? 'max' : 'min', x, [d], keepdim);
  const indices = reduceRaw(max ? 'argmax' : 'argmin', x, [d], keepdim);
  const inShape = x.shape;
  const keptShape = reducedShape(inShape, [d], true);
  const keptIndices = reshape(indices, keptShape);
  // As in PyTorch, the gradient goes to the one element each index names (not split among ties).
  attach(op, [x], values, [keptIndices], (g, [idx]) => {
    const gk = reshape(g, keptShape);
    const dx = scatterToIndices(op, gk, idx!, inShape, d);
    gk.dispose();
    return [dx];
  });
  keptIndices.dispose();
  return { values, indices };
}

/**
 * The largest values over `dim` and their indices in one call (torch.max(x, dim) in PyTorch; here
 * `max(x, dim)` keeps returning only the values). The gradient flows through `values` to the elements at
 * `indices`.
 */
export const maxWithIndices = (x: Tensor, dim: number, keepdim = false): ValuesAndIndices => extremumWithIndices('maxWithIndices', x, dim, keepdim);
/** The smallest values over `dim` and their indices (torch.min(x, dim)); see maxWithIndices. */
export const minWithIndices = (x: Tensor, dim: number, keepdim = false): ValuesAndIndices => extremumWithIndices('minWithIndices', x, dim, keepdim);

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  checkOperand(op, x);
  checkFloat(op, x);
  if (dim === undefined) {
    const flat = reshape(x, [x.size]);
    const out = reduceRaw(op, flat, [0], false);
    flat.dispose();
    return out;
  }
  return reduceRaw(op, x, [normalizeDim(op, dim, x.rank)], keepdim);
}

/** Index of the largest value over `dim` (of the flattened tensor when omitted), as int32. First index wins ties. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtremum('argmax', x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtremum('argmin', x, dim, keepdim);

/** Sums a broadcast result back to `shape` (the gradient of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  const dims = reducedDimsForBroadcast(shape, g.shape);
  if (dims.length === 0) return reshape(g, shape);
  const s = sum(g, dims, true);
  const out = reshape(s, shape);
  s.dispose();
  return out;
}
