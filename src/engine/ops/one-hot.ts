// oneHot: integer class targets → float32 rows with `on` at the target column and `off` elsewhere.
// Used by crossEntropy (with label smoothing, on = 1 − ε + ε/C and off = ε/C; rows whose target equals
// `ignoreIndex` are all zeros: no loss, no gradient). The kernel checks every target on the GPU
// (src/engine/index-checks.ts): one outside [0, numClasses) that is not `ignoreIndex` makes the next readback
// throw an IndexError naming `op`.

import oneHotWgsl from '../../shaders/one_hot.wgsl?raw';
import { defineKernel, f32Bits, grid } from '../../shaders/kernel.ts';
import { DTypeError, ShapeError } from '../errors.ts';
import { errorWordsRange, indexCheck } from '../index-checks.ts';
import { emptyTensor } from '../launch.ts';
import { dispatch } from '../recorder.ts';
import { Tensor, checkOperand } from '../tensor.ts';

const oneHotKernel = defineKernel('one_hot', oneHotWgsl, ['read', 'write', 'write']);

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
  dispatch(oneHotKernel, {
    buffers: [targets.storage.range(targets.size * 4), out.storage.range(out.size * 4), errorWordsRange()],
    uniforms: Uint32Array.from([out.size, numClasses, f32Bits(on), f32Bits(off), check, ignore === null ? 0 : 1, (ignore ?? 0) >>> 0, 0]),
    workgroups: grid(Math.ceil(out.size / 256)),
    label: op,
  });
  return out;
}
