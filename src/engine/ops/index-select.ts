// indexSelect(x, dim, index): the slices of x at the given positions along `dim` (torch.index_select), with a
// deterministic backward (index_select.wgsl: each input element sums the output gradients that came from it,
// in index order, without atomics) and its indices checked on the GPU: one outside [0, x.shape[dim]) reads 0
// and makes the next readback throw an IndexError (src/engine/runtime/index-checks.ts). indexCopyInto(dst, dim, index,
// src): the in-place row copy the other way (torch's index_copy_). The transfer feature cache uses both: to
// fill cached features and to gather a shuffled batch of them on the GPU.

import indexCheckWgsl from '../../shaders/index_check.wgsl?raw';
import indexSelectWgsl from '../../shaders/index_select.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { DTypeError, ShapeError, fmtShape } from '../errors.ts';
import { errorWordsRange, indexCheck } from '../runtime/index-checks.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { sizeOf } from '../shape.ts';
import { Tensor, checkOperand } from '../tensor.ts';
import { tensor } from './creation.ts';

const indexSelectKernel = defineKernel('index_select', indexCheckWgsl + indexSelectWgsl, ['read', 'read', 'write', 'write'], {
  n: 'u32', dim: 'u32', k: 'u32', inner: 'u32', check_id: 'u32',
});

export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const op = 'indexSelect';
  checkOperand(op, x);
  checkOperand(op, index, 'index');
  if (x.dtype !== 'float32') throw new DTypeError(`${op}: input must be float32, got ${x.describe()}`);
  if (index.dtype !== 'int32' || index.rank !== 1) throw new DTypeError(`${op}: index must be a 1-D int32 tensor, got ${index.describe()}`);
  if (x.rank === 0) throw new ShapeError(`${op}: input must have at least one dim, got ${fmtShape(x.shape)}`);
  const d = dim < 0 ? dim + x.rank : dim;
  if (!Number.isInteger(d) || d < 0 || d >= x.rank) throw new ShapeError(`${op}: dim ${dim} is out of range for ${fmtShape(x.shape)}`);
  const D = x.shape[d]!;
  const K = index.size;
  const inner = sizeOf(x.shape.slice(d + 1));
  const outShape = [...x.shape.slice(0, d), K, ...x.shape.slice(d + 1)];
  const out = emptyTensor(outShape);
  const check = indexCheck(op, D, null, 'index');
  launch(indexSelectKernel, [x, index, out, errorWordsRange()], {
    params: { n: out.size, dim: D, k: K, inner, check_id: check },
    constants: { BACKWARD: 0 },
    workgroups: grid(Math.ceil(out.size / 256)),
    label: 'indexSelect',
  });
  return attach(op, [x], out, [index], (g, [idx]) => {
    const dx = emptyTensor(x.shape);
    launch(indexSelectKernel, [g, idx!, dx, errorWordsRange()], {
      params: { n: dx.size, dim: D, k: K, inner, check_id: 0 },
      constants: { BACKWARD: 1 },
      workgroups: grid(Math.ceil(dx.size / 256)),
      label: 'indexSelect.backward',
    });
    return [dx];
  });
}

/**
 * dst[…, index[k], …] ← src[…, k, …] along `dim`, in place (torch's index_copy_), outside autograd. The indices
 * must be distinct and in range: both are checked on the host, so `index` comes as host data.
 */
export function indexCopyInto(dst: Tensor, dim: number, index: ArrayLike<number>, src: Tensor): void {
  const op = 'indexCopyInto';
  checkOperand(op, dst, 'destination');
  checkOperand(op, src, 'source');
  if (dst.dtype !== 'float32' || src.dtype !== 'float32') throw new DTypeError(`${op}: float32 only, got ${dst.describe()} and ${src.describe()}`);
  const d = dim < 0 ? dim + dst.rank : dim;
  if (!Number.isInteger(d) || d < 0 || d >= dst.rank) throw new ShapeError(`${op}: dim ${dim} is out of range for ${fmtShape(dst.shape)}`);
  const D = dst.shape[d]!;
  const K = index.length;
  const want = [...dst.shape.slice(0, d), K, ...dst.shape.slice(d + 1)];
  if (src.rank !== want.length || src.shape.some((v, i) => v !== want[i])) {
    throw new ShapeError(`${op}: source ${fmtShape(src.shape)} must be ${fmtShape(want)} for ${K} indices into ${fmtShape(dst.shape)}`);
  }
  const seen = new Set<number>();
  for (let k = 0; k < K; k++) {
    const v = index[k]!;
    if (!Number.isInteger(v) || v < 0 || v >= D) throw new ShapeError(`${op}: index ${v} is out of range [0, ${D})`);
    if (seen.has(v)) throw new ShapeError(`${op}: index ${v} appears twice (indices must be distinct)`);
    seen.add(v);
  }
  if (K === 0) return;
  const inner = sizeOf(dst.shape.slice(d + 1));
  const idx = tensor(Int32Array.from(index), [K], { dtype: 'int32' });
  launch(indexSelectKernel, [src, idx, dst, errorWordsRange()], {
    params: { n: src.size, dim: D, k: K, inner, check_id: 0 },
    constants: { BACKWARD: 2 },
    workgroups: grid(Math.ceil(src.size / 256)),
    label: 'indexCopy',
  });
  idx.dispose();
}
