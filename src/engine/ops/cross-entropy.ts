// crossEntropy's fused path: the loss of [N, C] logits, reduced ('mean' or 'sum'), in one or two dispatches forward
// and one backward (the registered passes crossEntropy.forward / crossEntropy.backward of cross-entropy-rows.ts: v1,
// one workgroup for the loss, on the CPU rules; v2, a workgroup per row and a sum of rows, on the GPU rules),
// instead of the dozen or so of the composed path in nn/losses.ts (log-softmax, one-hot, mulOrZero, sums, negation,
// mask multiply, count, max, div, and each one's backward). Same semantics, checked against the composed path in
// tests/gpu/cross-entropy.test.ts: label smoothing, ignoreIndex, the per-sample mask (host or tensor), the
// device-side target check, and PyTorch's NaN / ±inf rules. nn/losses.ts validates the operands and decides which
// path runs.

import { crossEntropyByRules, type CrossEntropyRowsArgs } from './cross-entropy-rows.ts';
import type { Tensor } from '../tensor.ts';

/** Beyond this many logits the composed path runs (the CPU rules' fused forward is one workgroup). */
export const FUSED_CROSS_ENTROPY_MAX_ELEMENTS = 1 << 20;

/** The fused loss's arguments (see CrossEntropyRowsArgs). */
export type FusedCrossEntropyArgs = CrossEntropyRowsArgs;

/** The reduced loss, a 0-d tensor with its backward rule. Operands are validated by the caller. */
export function fusedCrossEntropy(a: FusedCrossEntropyArgs): Tensor {
  return crossEntropyByRules(a);
}
