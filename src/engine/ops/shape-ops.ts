// Shape ops. reshape (and flatten/squeeze/unsqueeze) is a view: the same storage under a new shape.
// permute, expand and slice copy through one strided-gather kernel; concat writes each input into its
// window of the output with the strided-scatter mode of the same kernel. The copies are plain 32-bit word
// moves, so int32 tensors work too.

import stridedCopyWgsl from '../../shaders/strided_copy.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { DTypeError, ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { inferReshape, normalizeDim, sizeOf, stridesOf } from '../shape.ts';
import { Tensor, checkOperand } from '../tensor.ts';
import { fillInPlace } from './creation.ts';
import { sumTo } from './reduce-kernels.ts';

const stridedCopyKernel = defineKernel('strided_copy', stridedCopyWgsl, ['read', 'write'], {
  n: 'u32',
  rank: 'u32',
  offset: 'u32',
  shape: 'array<vec4<u32>, 2>',
  strides: 'array<vec4<u32>, 2>',
});

/** out (contiguous, `shape`) ← src[offset + Σ idx·strides]. */
export function gatherStrided(src: Tensor, shape: readonly number[], strides: readonly number[], offset: number, label = 'gather'): Tensor {
  if (shape.length > 8) throw new ShapeError(`${label}: at most 8 dims are supported, got ${fmtShape(shape)}`);
  const out = emptyTensor(shape, src.dtype);
  launch(stridedCopyKernel, [src, out], {
    params: { n: out.size, rank: shape.length, offset, shape, strides },
    constants: { MODE: 0 },
    workgroups: grid(Math.ceil(out.size / 256)),
    label,
  });
  return out;
}

/** dst[offset + Σ idx·strides] ← src (contiguous, `src.shape`), in place. */
export function scatterStrided(dst: Tensor, src: Tensor, strides: readonly number[], offset: number, label = 'scatter'): void {
  if (src.shape.length > 8) throw new ShapeError(`${label}: at most 8 dims are supported, got ${fmtShape(src.shape)}`);
  launch(stridedCopyKernel, [src, dst], {
    params: { n: src.size, rank: src.shape.length, offset, shape: src.shape, strides },
    constants: { MODE: 1 },
    workgroups: grid(Math.ceil(src.size / 256)),
    label,
  });
}

// ------------------------------------------------------------------ views

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkOperand('reshape', x);
  const target = inferReshape('reshape', x.shape, shape);
  const out = new Tensor(x.storage.retain(), target, x.dtype);
  const from = x.shape;
  return attach('reshape', [x], out, [], (g) => [reshape(g, from)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkOperand('flatten', x);
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.rank);
  const e = normalizeDim('flatten', endDim, x.rank);
  if (s > e) throw new ShapeError(`flatten: startDim ${startDim} comes after endDim ${endDim} for ${fmtShape(x.shape)}`);
  const merged = sizeOf(x.shape.slice(s, e + 1));
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

export function squeeze(x: Tensor, dim?: number): Tensor {
  checkOperand('squeeze', x);
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const d = normalizeDim('squeeze', dim, x.rank);
  if (x.shape[d] !== 1) return reshape(x, x.shape);
  return reshape(x, x.shape.filter((_, i) => i !== d));
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkOperand('unsqueeze', x);
  const d = normalizeDim('unsqueeze', dim, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

// ------------------------------------------------------------------ copies

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkOperand('permute', x);
  if (dims.length !== x.rank) throw new ShapeError(`permute: ${dims.length} dims given for a tensor of rank ${x.rank} ${fmtShape(x.shape)}`);
  const order = dims.map((d) => normalizeDim('permute', d, x.rank));
  if (new Set(order).size !== order.length) throw new ShapeError(`permute: repeated dim in (${dims.join(',')})`);
  const strides = stridesOf(x.shape);
  const shape = order.map((d) => x.shape[d]!);
  const out = gatherStrided(x, shape, order.map((d) => strides[d]!), 0, 'permute');
  const inverse = new Array<number>(order.length);
  order.forEach((d, i) => (inverse[d] = i));
  return attach('permute', [x], out, [], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkOperand('transpose', x);
  if (x.rank < 2 && dim0 === -2 && dim1 === -1) return reshape(x, x.shape);
  const a = normalizeDim('transpose', dim0, x.rank);
  const b = normalizeDim('transpose', dim1, x.rank);
  const order = x.shape.map((_, i) => i);
  order[a] = b;
  order[b] = a;
  return permute(x, order);
}

/** Broadcasts to `shape` (a copy; -1 keeps a dim). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkOperand('expand', x);
  if (shape.length < x.rank) throw new ShapeError(`expand: cannot expand ${fmtShape(x.shape)} to fewer dims ${fmtShape(shape)}`);
  const offset = shape.length - x.rank;
  const target = shape.map((d, i) => (d === -1 ? (x.shape[i - offset] ?? -1) : d));
  const own = stridesOf(x.shape);
  const strides = target.map((d, i) => {
    const j = i - offset;
    if (j < 0) return 0;
    const s = x.shape[j]!;
    if (s === d) return s === 1 ? 0 : own[j]!;
    if (s === 1) return 0;
    throw new ShapeError(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} (dim ${i}: ${s} vs ${d})`);
  });
  if (target.some((d) => d < 0)) throw new ShapeError(`expand: invalid target ${fmtShape(shape)}`);
  const out = gatherStrided(x, target, strides, 0, 'expand');
  const from = x.shape;
  return attach('expand', [x], out, [], (g) => [sumTo(g, from)]);
}

/** x[..., start:end:step, ...] along `dim` (a copy). Negative start/end count from the end, like Python. */
export function slice(x: Tensor, dim: number, start: number, end?: number, step = 1): Tensor {
  checkOperand('slice', x);
  const d = normalizeDim('slice', dim, x.rank);
  const n = x.shape[d]!;
  if (!Number.isInteger(step) || step < 1) throw new ShapeError(`slice: step must be a positive integer, got ${step}`);
  const clampIndex = (i: number): number => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clampIndex(start);
  const e = clampIndex(end ?? n);
  const len = Math.max(0, Math.ceil((e - s) / step));
  const shape = [...x.shape];
  shape[d] = len;
  const strides = stridesOf(x.shape);
  const offset = s * strides[d]!;
  const sliceStrides = strides.map((st, i) => (i === d ? st * step : st));
  const out = gatherStrided(x, shape, sliceStrides, offset, 'slice');
  const fullShape = x.shape;
  return attach('slice', [x], out, [], (g) => {
    const gx = emptyTensor(fullShape);
    fillInPlace(gx, 0);
    scatterStrided(gx, g, sliceStrides, offset, 'slice_backward');
    return [gx];
  });
}

export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('concat: expected at least one tensor');
  tensors.forEach((t, i) => checkOperand('concat', t, `tensor ${i}`));
  const first = tensors[0]!;
  const d = normalizeDim('concat', dim, first.rank);
  for (const t of tensors) {
    if (t.dtype !== first.dtype) throw new DTypeError(`concat: dtypes differ: ${first.dtype} and ${t.dtype}`);
    if (t.rank !== first.rank || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new ShapeError(`concat: shapes ${tensors.map((u) => fmtShape(u.shape)).join(', ')} differ outside dim ${d}`);
    }
  }
  const shape = [...first.shape];
  shape[d] = tensors.reduce((acc, t) => acc + t.shape[d]!, 0);
  const out = emptyTensor(shape, first.dtype);
  const strides = stridesOf(shape);
  let at = 0;
  const starts: number[] = [];
  for (const t of tensors) {
    starts.push(at);
    if (t.size > 0) scatterStrided(out, t, strides, at * strides[d]!, 'concat');
    at += t.shape[d]!;
  }
  return attach('concat', tensors, out, [], (g, _s, needs) =>
    tensors.map((t, i) => (needs[i] ? slice(g, d, starts[i]!, starts[i]! + t.shape[d]!) : null)),
  );
}

export const cat = concat;

/** Stacks equal-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('stack: expected at least one tensor');
  tensors.forEach((t, i) => checkOperand('stack', t, `tensor ${i}`));
  const first = tensors[0]!;
  const d = normalizeDim('stack', dim, first.rank + 1);
  // Checked here, before the views: concat's own check would name concat and leave the views behind.
  const other = tensors.findIndex((t) => t.rank !== first.rank || t.shape.some((s, i) => s !== first.shape[i]));
  if (other >= 0) {
    throw new ShapeError(
      `stack: expected tensors of equal shape, got ${fmtShape(first.shape)} at entry 0 and ${fmtShape(tensors[other]!.shape)} at entry ${other}`,
    );
  }
  const parts = tensors.map((t) => unsqueeze(t, d));
  try {
    return concat(parts, d);
  } finally {
    for (const p of parts) p.dispose();
  }
}
