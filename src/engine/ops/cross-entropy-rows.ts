// crossEntropy's fused kernels as registered passes with per-profile rules (issue 20): v1 the forward in one
// workgroup and the backward a thread per row (nn_cross_entropy.wgsl, nn_cross_entropy_backward.wgsl), v2 a
// workgroup per row (nn_cross_entropy_rows.wgsl, nn_cross_entropy_backward_rows.wgsl). The auto rules: v1 on the
// CPU rules (unchanged), v2 on the GPU rules. cross-entropy.ts's fusedCrossEntropy(a) runs crossEntropyByRules(a);
// the kernel trace shows crossEntropy (+ crossEntropy.sum_rows on v2).

import crossEntropyRowWgsl from '../../shaders/cross_entropy_row.wgsl?raw';
import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import indexCheckWgsl from '../../shaders/index_check.wgsl?raw';
import forwardWgsl from '../../shaders/nn_cross_entropy.wgsl?raw';
import backwardWgsl from '../../shaders/nn_cross_entropy_backward.wgsl?raw';
import forwardRowsWgsl from '../../shaders/nn_cross_entropy_rows.wgsl?raw';
import backwardRowsWgsl from '../../shaders/nn_cross_entropy_backward_rows.wgsl?raw';
import { defineKernel, grid, type ParamsValues } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { errorWordsRange, indexCheck } from '../runtime/index-checks.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import type { LaunchPlan } from '../runtime/rules.ts';
import type { Tensor } from '../tensor.ts';

const PARAMS = {
  rows: 'u32', classes: 'u32', on: 'f32', off: 'f32', check_id: 'u32', has_ignore: 'u32', ignore_index: 'i32', per_sample: 'u32',
} as const;
type CeParams = ParamsValues<typeof PARAMS>;

const FORWARD_BINDINGS = ['read', 'read', 'read', 'write', 'write', 'write'] as const; // logits, targets, weights, loss, denom, err
const BACKWARD_BINDINGS = ['read', 'read', 'read', 'read', 'read', 'write'] as const; // logits, targets, weights, denom, grad, dx
const forwardKernel = defineKernel('nn_cross_entropy', floatBitsWgsl + indexCheckWgsl + crossEntropyRowWgsl + forwardWgsl, FORWARD_BINDINGS, PARAMS);
const backwardKernel = defineKernel('nn_cross_entropy_backward', floatBitsWgsl + crossEntropyRowWgsl + backwardWgsl, BACKWARD_BINDINGS, PARAMS);
const forwardRowsKernel = defineKernel('nn_cross_entropy_rows', floatBitsWgsl + indexCheckWgsl + forwardRowsWgsl, [...FORWARD_BINDINGS, 'write'], PARAMS);
const backwardRowsKernel = defineKernel('nn_cross_entropy_backward_rows', floatBitsWgsl + backwardRowsWgsl, BACKWARD_BINDINGS, PARAMS);

/** The fused loss's arguments. */
export interface CrossEntropyRowsArgs {
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

interface ForwardProblem { rows: number; classes: number; a: CrossEntropyRowsArgs; params: CeParams; weights: Tensor; loss: Tensor; denom: Tensor }
interface BackwardProblem {
  rows: number; classes: number; params: CeParams; hasMask: boolean; op: string;
  x: Tensor; t: Tensor; w: Tensor; d: Tensor; g: Tensor; dx: Tensor;
}
type Sizes = { rows: number; classes: number };

export const crossEntropyVersions = {
  forward: defineKernelVersions<ForwardProblem, void, 'v1' | 'v2', Record<never, never>, Sizes>('crossEntropy.forward', {
    versions: {
      v1: {
        summary: 'nn_cross_entropy: one workgroup for the loss, a thread per row',
        run: ({ a, params, weights, loss, denom }) =>
          launch(forwardKernel, [a.logits, a.targets, weights, loss, denom, errorWordsRange()], {
            params, constants: { HAS_MASK: a.sampleWeight ? 1 : 0, MEAN: a.mean ? 1 : 0 }, workgroups: [1, 1, 1], label: a.op,
          }),
        plan: ({ rows, classes }): LaunchPlan => ({ workgroups: 1, loop: Math.ceil(rows / 256) * classes }),
      },
      v2: {
        summary: 'nn_cross_entropy_rows: a workgroup per row, trees over classes, then a sum of rows',
        run: ({ rows, a, params, weights, loss, denom }) => {
          const part = emptyTensor([rows, 2], 'float32', a.op);
          const bind = [a.logits, a.targets, weights, loss, denom, errorWordsRange(), part] as const;
          const constants = { HAS_MASK: a.sampleWeight ? 1 : 0, MEAN: a.mean ? 1 : 0 };
          launch(forwardRowsKernel, [...bind], { params, constants: { ...constants, PASS: 0 }, workgroups: grid(rows), label: a.op });
          launch(forwardRowsKernel, [...bind], { params, constants: { ...constants, PASS: 1 }, workgroups: [1, 1, 1], label: `${a.op}.sum_rows` });
          part.dispose();
        },
        plan: ({ rows, classes }): LaunchPlan => ({ workgroups: rows, loop: Math.max(Math.ceil(classes / 64), Math.ceil(rows / 64)) }),
      },
    },
    default: 'v1',
    auto: (_p, rules) => (rules === 'gpu' ? 'v2' : 'v1'),
  }),
  backward: defineKernelVersions<BackwardProblem, void, 'v1' | 'v2', Record<never, never>, Sizes>('crossEntropy.backward', {
    versions: {
      v1: {
        summary: 'nn_cross_entropy_backward: a thread per row',
        run: ({ rows, params, hasMask, x, t, w, d, g, dx, op }) =>
          launch(backwardKernel, [x, t, w, d, g, dx], {
            params, constants: { HAS_MASK: hasMask ? 1 : 0 }, workgroups: grid(Math.ceil(rows / 64)), label: `${op}.backward`,
          }),
        plan: ({ rows, classes }): LaunchPlan => ({ workgroups: Math.ceil(rows / 64), loop: 3 * classes }),
      },
      v2: {
        summary: 'nn_cross_entropy_backward_rows: a workgroup per row, coalesced classes, trees',
        run: ({ rows, params, hasMask, x, t, w, d, g, dx, op }) =>
          launch(backwardRowsKernel, [x, t, w, d, g, dx], {
            params, constants: { HAS_MASK: hasMask ? 1 : 0 }, workgroups: grid(rows), label: `${op}.backward`,
          }),
        plan: ({ rows, classes }): LaunchPlan => ({ workgroups: rows, loop: 3 * Math.ceil(classes / 64) }),
      },
    },
    default: 'v1',
    auto: (_p, rules) => (rules === 'gpu' ? 'v2' : 'v1'),
  }),
};

/** The reduced loss, a 0-d tensor with its backward rule, each pass by the registry's rules. Operands are validated by the caller. */
export function crossEntropyByRules(a: CrossEntropyRowsArgs): Tensor {
  const [rows, classes] = a.logits.shape as [number, number];
  const eps = a.labelSmoothing;
  const params: CeParams = {
    rows, classes, on: 1 - eps + eps / classes, off: eps / classes,
    check_id: indexCheck(a.op, classes, a.ignoreIndex), has_ignore: 1, ignore_index: a.ignoreIndex, per_sample: 1,
  };
  const hasMask = a.sampleWeight !== null;
  const weights = a.sampleWeight ?? a.targets; // never read without a mask
  const loss = emptyTensor([], 'float32', a.op);
  const denom = emptyTensor([1], 'float32', a.op);
  crossEntropyVersions.forward.run({ rows, classes, a, params, weights, loss, denom });
  const out = attach(a.op, [a.logits], loss, [a.logits, a.targets, weights, denom], (g, [x, t, w, d]) => {
    const dx = emptyTensor(x!.shape, 'float32', `${a.op} backward`);
    crossEntropyVersions.backward.run({ rows, classes, params, hasMask, x: x!, t: t!, w: w!, d: d!, g, dx, op: a.op });
    return [dx];
  });
  denom.dispose();
  return out;
}
