// BatchNorm's batch statistics as a registered pass with per-profile rules (issue 20): v1 is the one-workgroup-
// per-channel kernel (nn_batchnorm_stats.wgsl); v2 cuts each channel's N·H·W
// into ranges across workgroups and combines them (nn_batchnorm_stats_split.wgsl), so that a GPU gets enough
// workgroups and no thread walks more than 4,096 elements. The auto rule: v1 on the CPU rules (unchanged), v2 on
// the GPU rules. batch-norm.ts's batchStatistics(x) runs it.

import statsWgsl from '../../shaders/nn_batchnorm_stats.wgsl?raw';
import statsSplitWgsl from '../../shaders/nn_batchnorm_stats_split.wgsl?raw';
import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import { defineKernel, grid, MAX_WORKGROUPS_PER_DIM } from '../../shaders/kernel.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { GPU_RULES, currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import type { Tensor } from '../tensor.ts';

const statsKernel = defineKernel('nn_batchnorm_stats', statsWgsl, ['read', 'write', 'write'], { N: 'u32', C: 'u32', HW: 'u32' });
const splitKernel = defineKernel('nn_batchnorm_stats_split', floatBitsWgsl + statsSplitWgsl, ['read', 'write', 'write', 'write'], {
  N: 'u32', C: 'u32', HW: 'u32', chunks: 'u32', chunk: 'u32',
});

/** The sizes the rules read: x is [N, C, H, W] with HW = H·W. */
export interface BatchStatsSizes { N: number; C: number; HW: number }
export interface BatchStatsProblem extends BatchStatsSizes { x: Tensor }
export interface BatchStats { mean: Tensor; variance: Tensor }

/** Fewest elements a v2 range sums (64 threads × 4 each), so that the partials stay a small extra cost. */
const MIN_CHUNK = 256;

/** v2's ranges: enough for GPU_RULES.MIN_WORKGROUPS workgroups (C · chunks), none over 4,096 per thread. */
export function statsSplitPlan(sizes: BatchStatsSizes, rules: RulesProfile): LaunchPlan & { chunks: number; chunk: number } {
  return channelRangesPlan(sizes, rules, batchNormStatsVersions.tuning.chunks);
}

/**
 * Ranges of each channel's N·H·W for a per-channel reduction across workgroups (C · chunks of them, 64 threads
 * each): on the GPU rules enough for GPU_RULES.MIN_WORKGROUPS, and never more than 4,096 elements per thread;
 * `forced` (a tuning) sets the number of ranges. Also the plan of batchNorm.backwardSums v2.
 */
export function channelRangesPlan({ N, C, HW }: BatchStatsSizes, rules: RulesProfile, forced: number | null): LaunchPlan & { chunks: number; chunk: number } {
  const m = N * HW;
  const fill = rules === 'gpu' ? Math.ceil(GPU_RULES.MIN_WORKGROUPS / C) : 1;
  const wanted = forced ?? Math.max(Math.ceil(m / (64 * GPU_RULES.MAX_SERIAL_LOOP)), Math.min(fill, Math.floor(m / MIN_CHUNK)), 1);
  // Rounded down, so that there are at least as many ranges as wanted (at most half the grid's y limit).
  const chunk = Math.max(1, Math.floor(m / Math.min(wanted, MAX_WORKGROUPS_PER_DIM >> 1)));
  const chunks = Math.max(1, Math.ceil(m / chunk));
  return { chunks, chunk, workgroups: C * chunks, loop: Math.ceil(chunk / 64) };
}

function statsV1({ x, N, C, HW }: BatchStatsProblem): BatchStats {
  const mean = emptyTensor([C]);
  const variance = emptyTensor([C]);
  launch(statsKernel, [x, mean, variance], { params: { N, C, HW }, workgroups: [C, 1, 1], label: 'batchnorm.stats' });
  return { mean, variance };
}

function statsV2(p: BatchStatsProblem): BatchStats {
  return splitStatistics(p, statsSplitPlan(p, currentRules()));
}

/**
 * Per-channel mean and biased variance of x [N, C, HW] by nn_batchnorm_stats_split.wgsl with the given ranges
 * (channelRangesPlan). Also layerNorm.forward v2's statistics: its rows are the channels of [1, rows, D].
 */
export function splitStatistics(
  { x, N, C, HW }: BatchStatsProblem,
  { chunks, chunk }: { chunks: number; chunk: number },
  label = 'batchnorm.stats',
): BatchStats {
  const mean = emptyTensor([C]);
  const variance = emptyTensor([C]);
  const part = emptyTensor([C, chunks, 2]);
  const params = { N, C, HW, chunks, chunk };
  launch(splitKernel, [x, part, mean, variance], { params, constants: { PASS: 0 }, workgroups: [C, chunks, 1], label });
  launch(splitKernel, [x, part, mean, variance], { params, constants: { PASS: 1 }, workgroups: grid(Math.ceil(C / 64)), label: `${label}_combine` });
  part.dispose();
  return { mean, variance };
}

/** The batch-statistics pass: kernelVersions.force('batchNorm.stats', 'v2') forces the split one. */
type StatsTuning = { chunks: number | null };
export const batchNormStatsVersions = defineKernelVersions<BatchStatsProblem, BatchStats, 'v1' | 'v2', StatsTuning, BatchStatsSizes>('batchNorm.stats', {
  versions: {
    v1: {
      summary: 'nn_batchnorm_stats: one workgroup per channel, two-pass',
      run: statsV1,
      plan: ({ N, C, HW }) => ({ workgroups: C, loop: Math.ceil((N * HW) / 64) }),
    },
    v2: { summary: 'nn_batchnorm_stats_split: ranges of N·H·W across workgroups, Chan combine', run: statsV2, plan: statsSplitPlan },
  },
  default: 'v1',
  auto: (_p, rules) => (rules === 'gpu' ? 'v2' : 'v1'),
  tuning: { chunks: null },
});

/** Per-channel mean and biased variance of x [N, C, H, W] (no autograd), by the registered pass. */
export function batchStatisticsByRules(x: Tensor): BatchStats {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  return batchNormStatsVersions.run({ x, N, C, HW: H * W });
}
