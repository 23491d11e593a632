// crossEntropy's fused path: the loss of [N, C] logits, reduced ('mean' or 'sum'), in one dispatch forward
// (nn_cross_entropy.wgsl) and one backward (nn_cross_entropy_backward.wgsl), instead of the dozen or so of the
// composed path in nn/losses.ts (log-softmax, one-hot, mulOrZero, sums, negation, mask multiply, count, max, div,
// and each one's backward). Same semantics, checked against the composed path in tests/gpu/cross-entropy.test.ts:
// label smoothing, ignoreIndex, the per-sample mask (host or tensor), the device-side target check, and
// PyTorch's NaN / ±inf rules. nn/losses.ts validates the operands and decides which path runs.

import crossEntropyRowWgsl from '../../shaders/cross_entropy_row.wgsl?raw';
import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import indexCheckWgsl from '../../shaders/index_check.wgsl?raw';
import forwardWgsl from '../../shaders/nn_cross_entropy.wgsl?raw';
import backwardWgsl from '../../shaders/nn_cross_entropy_backward.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { errorWordsRange, indexCheck } from '../runtime/index-checks.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import type { Tensor } from '../tensor.ts';

const PARAMS = {
  rows: 'u32', classes: 'u32', on: 'f32', off: 'f32', check_id: 'u32', has_ignore: 'u32', ignore_index: 'i32', per_sample: 'u32',
} as const;

const forwardKernel = defineKernel(
  'nn_cross_entropy', floatBitsWgsl + indexCheckWgsl + crossEntropyRowWgsl + forwardWgsl, ['read', 'read', 'read', 'write', 'write', 'write'], PARAMS,
);
const backwardKernel = defineKernel(
  'nn_cross_entropy_backward', floatBitsWgsl + crossEntropyRowWgsl + backwardWgsl, ['read', 'read', 'read', 'read', 'read', 'write'], PARAMS,
);

/** Beyond this many logits the composed path runs (the fused forward is one workgroup). */
export const FUSED_CROSS_ENTROPY_MAX_ELEMENTS = 1 << 20;

export interface FusedCrossEntropyArgs {
  /** [N, C] float32 logits. */
  logits: Tensor;
  /** [N] int32 targets. */
  targets: Tensor;
  mean: boolean;
  /** ε of label smoothing. */
  labelSmoothing: number;
  ignoreIndex: number;
  /** Per-sample weights [N] (the label mask as 0/1 floats), or null. */
  sampleWeight: Tensor | null;
  op: string;
}

/** The reduced loss, a 0-d tensor with its backward rule. Operands are validated by the caller. */
export function fusedCrossEntropy(a: FusedCrossEntropyArgs): Tensor {
  const [rows, classes] = a.logits.shape as [number, number];
  const eps = a.labelSmoothing;
  const params = {
    rows, classes, on: 1 - eps + eps / classes, off: eps / classes,
    check_id: indexCheck(a.op, classes, a.ignoreIndex), has_ignore: 1, ignore_index: a.ignoreIndex, per_sample: 1,
  };
  const hasMask = a.sampleWeight !== null;
  // Without a mask the weights binding is never read: the targets stand in for it.
  const weights = a.sampleWeight ?? a.targets;
  const loss = emptyTensor([], 'float32', a.op);
  const denom = emptyTensor([1], 'float32', a.op);
  launch(forwardKernel, [a.logits, a.targets, weights, loss, denom, errorWordsRange()], {
    params,
    constants: { HAS_MASK: hasMask ? 1 : 0, MEAN: a.mean ? 1 : 0 },
    workgroups: [1, 1, 1],
    label: a.op,
  });
  const out = attach(a.op, [a.logits], loss, [a.logits, a.targets, weights, denom], (g, [x, t, w, d]) => {
    const dx = emptyTensor(x!.shape, 'float32', `${a.op} backward`);
    launch(backwardKernel, [x!, t!, w!, d!, g, dx], {
      params,
      constants: { HAS_MASK: hasMask ? 1 : 0 },
      workgroups: grid(Math.ceil(rows / 64)),
      label: `${a.op}.backward`,
    });
    return [dx];
  });
  denom.dispose();
  return out;
}
