// indexSelect(x, dim, index): the slices of x at the given positions along `dim` (torch.index_select), with a
// deterministic backward (index_select.wgsl: each input element sums the output gradients that came from it,
// in index order, without atomics). The transfer feature cache uses it to gather a shuffled batch of cached
// features on the GPU.

import indexSelectWgsl from '../../shaders/index_select.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { DTypeError, ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../launch.ts';
import { sizeOf } from '../shape.ts';
import { Tensor, checkOperand } from '../tensor.ts';

const indexSelectKernel = defineKernel('index_select', indexSelectWgsl, ['read', 'read', 'write']);

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
  launch(indexSelectKernel, [x, index, out], {
    uniforms: [out.size, D, K, inner],
    constants: { BACKWARD: 0 },
    workgroups: grid(Math.ceil(out.size / 256)),
    label: 'indexSelect',
  });
  return attach(op, [x], out, [index], (g, [idx]) => {
    const dx = emptyTensor(x.shape);
    launch(indexSelectKernel, [g, idx!, dx], {
      uniforms: [dx.size, D, K, inner],
      constants: { BACKWARD: 1 },
      workgroups: grid(Math.ceil(dx.size / 256)),
      label: 'indexSelect.backward',
    });
    return [dx];
  });
}
