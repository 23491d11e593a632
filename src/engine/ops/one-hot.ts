// oneHot: integer class targets → float32 rows with `on` at the target column and `off` elsewhere.
// Used by crossEntropy (with label smoothing, on = 1 − ε + ε/C and off = ε/C; rows whose target equals
// `ignoreIndex` are all zeros: no loss, no gradient). The kernel checks every target on the GPU
// (src/engine/runtime/index-checks.ts): one outside [0, numClasses) that is not `ignoreIndex` makes the next readback
// throw an IndexError naming `op`.

import indexCheckWgsl from '../../shaders/index_check.wgsl?raw';
import oneHotWgsl from '../../shaders/one_hot.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { DTypeError, ShapeError } from '../errors.ts';
import { errorWordsRange, indexCheck } from '../runtime/index-checks.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { Tensor, checkOperand } from '../tensor.ts';

const oneHotKernel = defineKernel('one_hot', indexCheckWgsl + oneHotWgsl, ['read', 'write', 'write'], {
  n: 'u32', classes: 'u32', on: 'f32', off: 'f32', check_id: 'u32', has_ignore: 'u32', ignore_index: 'i32',
});

export interface OneHotOptions {
  /** A target value that is not an error and gives a row of zeros (crossEntropy passes its ignoreIndex). */
  ignoreIndex?: number;
  /** The op named by the device-side check's error (default 'oneHot'). */
  op?: string;
}

export function oneHot(targets: Tensor, numClasses: number, on = 1, off = 0, options: OneHotOptions = {}): Tensor {
  const op = options.op ?? 'oneHot';
  checkOperand(op, targets, 'targets');
  if (targets.dtype !== 'int32') throw new DTypeError(`${op}: targets must be int32 class indices, got ${targets.describe()}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ShapeError(`${op}: numClasses must be a positive integer, got ${numClasses}`);
  const ignore = options.ignoreIndex ?? null;
  if (ignore !== null && !Number.isInteger(ignore)) throw new TypeError(`${op}: ignoreIndex must be an integer, got ${ignore}`);
  const out = emptyTensor([...targets.shape, numClasses], 'float32', op);
  const check = indexCheck(op, numClasses, ignore);
  launch(oneHotKernel, [targets, out, errorWordsRange()], {
    params: { n: out.size, classes: numClasses, on, off, check_id: check, has_ignore: ignore === null ? 0 : 1, ignore_index: ignore ?? 0 },
    workgroups: grid(Math.ceil(out.size / 256)),
    label: op,
  });
  return out;
}
