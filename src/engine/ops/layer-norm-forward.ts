// LayerNorm's forward (statistics and output) as a registered pass with per-profile rules (issue 20): v1 is
// nn_layernorm.wgsl's PASS 0, a workgroup per row; v2 cuts each row into ranges across workgroups for its
// statistics (nn_batchnorm_stats_split.wgsl on the rows seen as the channels of [1, R, D]: range mean and M2,
// Chan's combine) and then normalizes a thread per element (nn_layernorm_split.wgsl), so that few long rows
// fill a GPU and no thread walks more than 4,096 elements. The auto rule: v1 on the CPU rules (unchanged); on
// the GPU rules v2 for fewer than 264 rows of at least 512, or any row over 64 · 4,096, else v1. Both write
// stats [R, 2] = (μ, rstd), which the backward passes (layer-norm.ts) read.

import layerNormWgsl from '../../shaders/nn_layernorm.wgsl?raw';
import layerNormSplitWgsl from '../../shaders/nn_layernorm_split.wgsl?raw';
import { defineKernel, grid, MAX_WORKGROUPS_PER_DIM } from '../../shaders/kernel.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { launch } from '../runtime/launch.ts';
import { GPU_RULES, currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import type { Tensor } from '../tensor.ts';
import { channelRangesPlan, splitStatistics } from './batchnorm-stats.ts';

export const layerNormKernel = defineKernel('nn_layernorm', layerNormWgsl, ['read', 'read', 'read', 'read', 'write', 'write'], {
  rows: 'u32', d: 'u32', eps: 'f32', sumsRow: 'u32',
});
const normalizeKernel = defineKernel('nn_layernorm_split', layerNormSplitWgsl, ['read', 'read', 'read', 'read', 'read', 'write', 'write'], {
  rows: 'u32', d: 'u32', eps: 'f32',
});

/** The sizes the rules read: R rows of D elements. */
export interface LayerNormSizes { R: number; D: number }
/** x [R, D]; w, b [D] or null; stats [R, 2] and out [R, D] are written. */
export interface LayerNormProblem extends LayerNormSizes {
  x: Tensor; w: Tensor | null; b: Tensor | null; eps: number; sumsRow: number; stats: Tensor; out: Tensor;
}

/** v2's ranges of each row (batchnorm's channel ranges with a row as a channel); the tuning `chunks` forces the count. */
export function layerNormSplitPlan({ R, D }: LayerNormSizes, rules: RulesProfile): LaunchPlan & { chunks: number; chunk: number } {
  return channelRangesPlan({ N: 1, C: R, HW: D }, rules, layerNormForwardVersions.tuning.chunks);
}

function forwardV1({ x, w, b, eps, sumsRow, stats, out, R, D }: LayerNormProblem): void {
  launch(layerNormKernel, [x, x, w ?? x, b ?? x, stats, out], {
    params: { rows: R, d: D, eps, sumsRow },
    constants: { PASS: 0, AFFINE: w ? 1 : 0 },
    workgroups: grid(R),
    label: 'layerNorm.forward',
  });
}

function forwardV2(p: LayerNormProblem): void {
  const { x, w, b, eps, stats, out, R, D } = p;
  const { mean, variance } = splitStatistics({ x, N: 1, C: R, HW: D }, layerNormSplitPlan(p, currentRules()), 'layerNorm.stats');
  launch(normalizeKernel, [x, mean, variance, w ?? x, b ?? x, stats, out], {
    params: { rows: R, d: D, eps },
    constants: { AFFINE: w ? 1 : 0 },
    workgroups: grid(Math.ceil((R * D) / 64)),
    label: 'layerNorm.forward',
  });
  mean.dispose();
  variance.dispose();
}

function splitRejects({ R }: LayerNormSizes): string | null {
  return R > MAX_WORKGROUPS_PER_DIM ? `${R} rows exceed one grid dimension (${MAX_WORKGROUPS_PER_DIM}); v2 is for few long rows` : null;
}

/** v2 on the GPU rules for fewer than MIN_WORKGROUPS rows of at least 512, or rows too long for v1's threads; else v1. */
function chooseForward({ R, D }: LayerNormSizes, rules: RulesProfile): 'v1' | 'v2' {
  if (rules === 'cpu' || R === 0 || R > MAX_WORKGROUPS_PER_DIM) return 'v1';
  const few = R < GPU_RULES.MIN_WORKGROUPS && D >= 512;
  return few || D > 64 * GPU_RULES.MAX_SERIAL_LOOP ? 'v2' : 'v1';
}

/** The forward pass: kernelVersions.force('layerNorm.forward', 'v2') forces the split one, tune(..., { chunks }) its ranges. */
type ForwardTuning = { chunks: number | null };
export const layerNormForwardVersions = defineKernelVersions<LayerNormProblem, void, 'v1' | 'v2', ForwardTuning, LayerNormSizes>('layerNorm.forward', {
  versions: {
    v1: {
      summary: 'nn_layernorm: workgroup per row (stats, dx) and per column (dw)',
      run: forwardV1,
      plan: ({ R, D }) => ({ workgroups: R, loop: Math.ceil(D / 64) }),
    },
    v2: {
      summary: 'nn_layernorm_split: row ranges across workgroups (batchnorm split stats), then a thread per element',
      rejects: splitRejects,
      run: forwardV2,
      plan: layerNormSplitPlan,
    },
  },
  default: 'v1',
  auto: chooseForward,
  tuning: { chunks: null },
});
