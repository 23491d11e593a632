// Reductions over dims, with keepdim: sum, mean, max, min, argmax, argmin, each with its backward rule.
// The launches are in reduce-kernels.ts.

import { attach } from '../autograd.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { normalizeDim, normalizeDims, reducedDimsForBroadcast, sizeOf } from '../shape.ts';
import { Tensor, checkFloat, checkOperand } from '../tensor.ts';
import { binaryRaw, unaryRaw } from './elementwise-kernels.ts';
import { reduceRaw, reducedShape } from './reduce-kernels.ts';
import { runArgReduce } from './argreduce.ts';
import { scatterToIndices } from './gather.ts';
import { expand, reshape } from './shape-ops.ts';

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
  const indices = reduceRaw(max ? 'argmax' : 'argmin', x, [d], keepdim, runArgReduce);
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
    if (x.size === 0) throw new ShapeError(`${op}: cannot reduce over an empty dim of ${fmtShape(x.shape)}`);
    const flat = reshape(x, [x.size]);
    try {
      return reduceRaw(op, flat, [0], false, runArgReduce);
    } finally {
      flat.dispose();
    }
  }
  return reduceRaw(op, x, [normalizeDim(op, dim, x.rank)], keepdim, runArgReduce);
}

/** Index of the largest value over `dim` (of the flattened tensor when omitted), as int32. First index wins ties. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtremum('argmax', x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtremum('argmin', x, dim, keepdim);
