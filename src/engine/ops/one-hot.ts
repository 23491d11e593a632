// oneHot: integer class targets → float32 rows with `on` at the target column and `off` elsewhere.
// Used by crossEntropy (with label smoothing, on = 1 − ε + ε/C and off = ε/C; rows whose target equals
// `ignoreIndex` are all zeros).

import oneHotWgsl from '../../shaders/one_hot.wgsl?raw';
import { defineKernel, f32Bits, grid } from '../../shaders/kernel.ts';
import { DTypeError, ShapeError } from '../errors.ts';
import { emptyTensor, launch } from '../launch.ts';
import { Tensor, checkOperand } from '../tensor.ts';

const oneHotKernel = defineKernel('one_hot', oneHotWgsl, ['read', 'write']);

export function oneHot(targets: Tensor, numClasses: number, on = 1, off = 0, ignoreIndex: number | null = null): Tensor {
  checkOperand('oneHot', targets, 'targets');
  if (targets.dtype !== 'int32') throw new DTypeError(`oneHot: targets must be int32 class indices, got ${targets.describe()}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ShapeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  if (ignoreIndex !== null && !Number.isInteger(ignoreIndex)) throw new ShapeError(`oneHot: ignoreIndex must be an integer, got ${ignoreIndex}`);
  const out = emptyTensor([...targets.shape, numClasses]);
  launch(oneHotKernel, [targets, out], {
    uniforms: [out.size, numClasses, f32Bits(on), f32Bits(off), (ignoreIndex ?? 0) >>> 0],
    constants: { IGNORE: ignoreIndex === null ? 0 : 1 },
    workgroups: grid(Math.ceil(out.size / 256)),
    label: 'oneHot',
  });
  return out;
}
