// gather(x, dim, index): torch.gather, out[p] = x[p with p[dim] = index[p]], with a deterministic backward
// (gather.wgsl: each input element sums, in index order, the output gradients whose index points at it; no
// atomics). scatterToIndices is that backward on its own: maxWithIndices routes its gradient through it.
// Indices are checked on the GPU: one outside [0, x.shape[dim]) reads 0 and makes the next readback throw
// an IndexError naming the op (src/engine/runtime/index-checks.ts).

import gatherWgsl from '../../shaders/gather.wgsl?raw';
import indexCheckWgsl from '../../shaders/index_check.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { DTypeError, ShapeError, fmtShape } from '../errors.ts';
import { errorWordsRange, indexCheck } from '../runtime/index-checks.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { normalizeDim } from '../shape.ts';
import { Tensor, checkOperand } from '../tensor.ts';

const gatherKernel = defineKernel('gather', indexCheckWgsl + gatherWgsl, ['read', 'read', 'write', 'write'], {
  n: 'u32', rank: 'u32', dim: 'u32', check_id: 'u32', x_shape: 'array<vec4<u32>, 2>', i_shape: 'array<vec4<u32>, 2>',
});

function gatherLaunch(op: string, src: Tensor, index: Tensor, dst: Tensor, xShape: readonly number[], dim: number, backward: boolean): void {
  const n = dst.size;
  if (n === 0) return;
  const check = indexCheck(op, xShape[dim]!, null, 'index');
  launch(gatherKernel, [src, index, dst, errorWordsRange()], {
    params: { n, rank: xShape.length, dim, check_id: check, x_shape: xShape, i_shape: index.shape },
    constants: { BACKWARD: backward ? 1 : 0 },
    workgroups: grid(Math.ceil(n / 256)),
    label: backward ? `${op}.backward` : op,
  });
}

/**
 * dx of shape `xShape` with dx[q] = Σ g[p] over the positions p of `index` (same shape as g) that have
 * q's coordinates off `dim` and index[p] = q[dim]. No autograd; deterministic.
 */
export function scatterToIndices(op: string, g: Tensor, index: Tensor, xShape: readonly number[], dim: number): Tensor {
  const dx = emptyTensor(xShape, 'float32', op);
  gatherLaunch(op, g, index, dx, xShape, dim, true);
  return dx;
}

/**
 * torch.gather: out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and so on for the other dims). `index` is
 * int32 with x's rank and index.shape[d] ≤ x.shape[d] for every d ≠ dim; the output has index's shape. The
 * gradient for x sums the output gradients at repeated indices, in a fixed order (bit-identical runs).
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const op = 'gather';
  checkOperand(op, x);
  checkOperand(op, index, 'index');
  if (x.dtype !== 'float32') throw new DTypeError(`${op}: input must be float32, got ${x.describe()}`);
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be int32, got ${index.describe()}`);
  if (x.rank === 0) throw new ShapeError(`${op}: input must have at least one dim, got ${fmtShape(x.shape)}`);
  if (x.rank > 8) throw new ShapeError(`${op}: at most 8 dims are supported, got ${fmtShape(x.shape)}`);
  const d = normalizeDim(op, dim, x.rank);
  if (index.rank !== x.rank) {
    throw new ShapeError(`${op}: index ${fmtShape(index.shape)} must have the input's rank ${x.rank} (input ${fmtShape(x.shape)})`);
  }
  const bad = index.shape.findIndex((s, k) => k !== d && s > x.shape[k]!);
  if (bad >= 0) {
    throw new ShapeError(`${op}: index ${fmtShape(index.shape)} is larger than input ${fmtShape(x.shape)} in dim ${bad} (only dim ${d} may be larger)`);
  }
  if (index.shape[d]! > 0 && x.shape[d] === 0) throw new ShapeError(`${op}: cannot gather from the empty dim ${d} of ${fmtShape(x.shape)}`);
  const out = emptyTensor(index.shape, 'float32', op);
  gatherLaunch(op, x, index, out, x.shape, d, false);
  const xShape = x.shape;
  return attach(op, [x], out, [index], (g, [idx]) => [scatterToIndices(op, g, idx!, xShape, d)]);
}
