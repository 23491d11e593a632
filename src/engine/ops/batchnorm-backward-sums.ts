// BatchNorm's backward sums (Σg and Σg·x̂ per channel: the bias and weight gradients, and what the input
// gradient's pass reads) as a registered pass with per-profile rules (issue 20): v1 is PASS 0 of
// nn_batchnorm_backward.wgsl, one workgroup per channel; v2 cuts each channel's N·H·W into ranges across
// workgroups and adds them in order (nn_batchnorm_backward_sums_split.wgsl), so that a GPU gets enough
// workgroups and no thread walks more than 4,096 elements (the ranges of batchNorm.stats v2). The auto rule: v1 on
// the CPU rules (unchanged), v2 on the GPU rules. batch-norm.ts's backward runs it.

import backwardWgsl from '../../shaders/nn_batchnorm_backward.wgsl?raw';
import sumsSplitWgsl from '../../shaders/nn_batchnorm_backward_sums_split.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { currentRules, type LaunchPlan } from '../runtime/rules.ts';
import type { Tensor } from '../tensor.ts';
import { withActEpilogue } from './act-epilogue.ts';
import { channelRangesPlan, type BatchStatsSizes } from './batchnorm-stats.ts';

/** The backward kernel (its PASS 0 is v1; PASS 1, the input gradient, is launched by batch-norm.ts). */
export const batchNormBackwardKernel = defineKernel(
  'nn_batchnorm_backward', withActEpilogue(backwardWgsl), ['read', 'read', 'read', 'read', 'read', 'write', 'read', 'read'],
  { N: 'u32', C: 'u32', HW: 'u32', eps: 'f32', sumsRow: 'u32' },
);
const splitKernel = defineKernel(
  'nn_batchnorm_backward_sums_split', withActEpilogue(sumsSplitWgsl), ['read', 'read', 'read', 'read', 'read', 'write', 'write'],
  { N: 'u32', C: 'u32', HW: 'u32', eps: 'f32', sumsRow: 'u32', chunks: 'u32', chunk: 'u32' },
);

/**
 * One backward's sums: x, g, the statistics, the weight (or any [C] tensor without AFFINE), y (the saved output,
 * or g without ACT) and sums [sumsRow + C] to write (Σg at [0, C), Σg·x̂ at [sumsRow, sumsRow + C)).
 */
export interface BackwardSumsProblem extends BatchStatsSizes {
  x: Tensor; g: Tensor; mean: Tensor; variance: Tensor; w: Tensor; y: Tensor; sums: Tensor;
  eps: number; sumsRow: number; constants: { TRAIN: number; AFFINE: number; ACT: number };
}

function sumsV1(p: BackwardSumsProblem): void {
  const { N, C, HW, eps, sumsRow } = p;
  launch(batchNormBackwardKernel, [p.x, p.g, p.mean, p.variance, p.w, p.sums, p.mean, p.y], {
    params: { N, C, HW, eps, sumsRow },
    constants: { ...p.constants, PASS: 0 },
    workgroups: [C, 1, 1],
    label: 'batchnorm.backward_sums',
  });
}

function sumsV2(p: BackwardSumsProblem): void {
  const { N, C, HW, eps, sumsRow } = p;
  const { chunks, chunk } = backwardSumsPlan(p, currentRules());
  const part = emptyTensor([C, chunks, 2]);
  const params = { N, C, HW, eps, sumsRow, chunks, chunk };
  const bind = [p.x, p.g, p.mean, p.variance, p.y, part, p.sums];
  const ACT = p.constants.ACT;
  launch(splitKernel, bind, { params, constants: { ACT, PASS: 0 }, workgroups: [C, chunks, 1], label: 'batchnorm.backward_sums' });
  launch(splitKernel, bind, { params, constants: { ACT, PASS: 1 }, workgroups: grid(Math.ceil(C / 64)), label: 'batchnorm.backward_sums_combine' });
  part.dispose();
}

function backwardSumsPlan(sizes: BatchStatsSizes, rules: 'cpu' | 'gpu'): LaunchPlan & { chunks: number; chunk: number } {
  return channelRangesPlan(sizes, rules, batchNormBackwardSumsVersions.tuning.chunks);
}

/** kernelVersions.force('batchNorm.backwardSums', 'v2') forces the split one; tune({ chunks }) sets its ranges. */
type SumsTuning = { chunks: number | null };
export const batchNormBackwardSumsVersions = defineKernelVersions<BackwardSumsProblem, void, 'v1' | 'v2', SumsTuning, BatchStatsSizes>(
  'batchNorm.backwardSums',
  {
    versions: {
      v1: {
        summary: 'nn_batchnorm_backward: PASS 0, one workgroup of 256 per channel',
        run: sumsV1,
        plan: ({ N, C, HW }) => ({ workgroups: C, loop: Math.ceil((N * HW) / 256) }),
      },
      v2: { summary: 'nn_batchnorm_backward_sums_split: ranges of N·H·W across workgroups, an ordered sum', run: sumsV2, plan: backwardSumsPlan },
    },
    default: 'v1',
    auto: (_p, rules) => (rules === 'gpu' ? 'v2' : 'v1'),
    tuning: { chunks: null },
  },
);
