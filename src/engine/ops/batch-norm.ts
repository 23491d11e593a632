// Batch normalization's ops (nn.BatchNorm2d / BatchNorm1d compose them): batch statistics by the registered
// pass batchNorm.stats (batchnorm-stats.ts: a workgroup per channel on the CPU rules, ranges across workgroups
// and a combine on the GPU rules), normalization + affine (+ a relu / relu6 the layer folds in) in one with its
// backward rule of two (per-channel sums, the registered pass batchNorm.backwardSums of batchnorm-backward-sums.ts,
// then the input gradient; both take the gradient through the activation first), and the running statistics'
// update in one. Train mode (batch statistics) and eval mode (running statistics) share the kernels; in train
// mode the input gradient includes the statistics' dependence on x:
//   dx = w·istd·(g − (Σg + x̂·Σg·x̂)/M),   dw = Σg·x̂,   db = Σg        (sums over n, h, w; M = N·H·W)

import applyWgsl from '../../shaders/nn_batchnorm_apply.wgsl?raw';
import applyVec4Wgsl from '../../shaders/nn_batchnorm_apply_vec4.wgsl?raw';
import runningWgsl from '../../shaders/nn_batchnorm_running.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { attach, noGrad } from '../autograd.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { VIEW_ALIGN_BYTES } from '../runtime/storage.ts';
import { Tensor } from '../tensor.ts';
import { batchNormBackwardKernel as backwardKernel, batchNormBackwardSumsVersions } from './batchnorm-backward-sums.ts';
import { batchStatisticsByRules } from './batchnorm-stats.ts';
import { EPILOGUE_ACT_CODE, withActEpilogue, type EpilogueActivation } from './act-epilogue.ts';

const applyKernel = defineKernel('nn_batchnorm_apply', withActEpilogue(applyWgsl), ['read', 'read', 'read', 'read', 'read', 'write'], {
  n: 'u32', C: 'u32', HW: 'u32', eps: 'f32',
});
const applyVec4Kernel = defineKernel('nn_batchnorm_apply_vec4', withActEpilogue(applyVec4Wgsl), ['read', 'read', 'read', 'read', 'read', 'write'], {
  n: 'u32', C: 'u32', HW4: 'u32', eps: 'f32',
});

interface ApplyProblem { x: Tensor; mean: Tensor; variance: Tensor; weight: Tensor | null; bias: Tensor | null; out: Tensor; eps: number; ACT: number }
type ApplySizes = { x: { size: number; shape: readonly number[] } };
const planeOf = (x: { shape: readonly number[] }): number => x.shape.slice(2).reduce((a, b) => a * b, 1);

/**
 * BatchNorm's forward (normalize, affine, activation) in the kernel registry: v1 a thread per element; v2 a vec4
 * word of one channel per thread, on the CPU rules when H·W is a multiple of 4.
 */
export const batchNormApplyVersions = defineKernelVersions<ApplyProblem, void, 'v1' | 'v2', Record<never, never>, ApplySizes>('batchNorm.apply', {
  versions: {
    v1: {
      summary: 'nn_batchnorm_apply: one thread per element',
      plan: ({ x }) => ({ workgroups: Math.ceil(x.size / 256), loop: 1 }),
      run: ({ x, mean, variance, weight, bias, out, eps, ACT }) =>
        launch(applyKernel, [x, mean, variance, weight ?? mean, bias ?? mean, out], {
          params: { n: x.size, C: x.shape[1]!, HW: planeOf(x), eps },
          constants: { AFFINE: weight ? 1 : 0, ACT },
          workgroups: grid(Math.ceil(x.size / 256)),
          label: 'batchnorm.forward',
        }),
    },
    v2: {
      summary: 'nn_batchnorm_apply_vec4: a vec4 word of one channel per thread',
      rejects: ({ x }) => (planeOf(x) % 4 === 0 ? null : `needs H·W a multiple of 4, got ${planeOf(x)} (shape [${x.shape.join(', ')}])`),
      plan: ({ x }) => ({ workgroups: Math.ceil(x.size / 4 / 256), loop: 1 }),
      run: ({ x, mean, variance, weight, bias, out, eps, ACT }) =>
        launch(applyVec4Kernel, [x, mean, variance, weight ?? mean, bias ?? mean, out], {
          params: { n: x.size / 4, C: x.shape[1]!, HW4: planeOf(x) / 4, eps },
          constants: { AFFINE: weight ? 1 : 0, ACT },
          workgroups: grid(Math.ceil(x.size / 4 / 256)),
          label: 'batchnorm.forward',
        }),
    },
  },
  default: 'v1',
  auto: ({ x }, rules) => (rules === 'cpu' && planeOf(x) % 4 === 0 ? 'v2' : 'v1'),
});

const runningKernel = defineKernel('nn_batchnorm_running', runningWgsl, ['read', 'read', 'write', 'write', 'write'], {
  channels: 'u32', momentum: 'f32', unbias: 'f32',
});

/** Per-channel mean and biased variance of x [N, C, H, W] (no autograd), by the batchNorm.stats pass's rules. */
export function batchStatistics(x: Tensor): { mean: Tensor; variance: Tensor } {
  return batchStatisticsByRules(x);
}

/**
 * y = act((x − mean)/sqrt(variance + eps)·weight + bias) over channels of x [N, C, H, W]. With `batchStats`
 * the mean and variance are x's own (from batchStatistics) and the gradient flows through them; otherwise they
 * are constants (running statistics). `activation` (relu, relu6) runs in the same kernel, and its gradient in
 * the backward's two passes, from the saved output: BatchNorm → ReLU in nn.Sequential.
 */
export function batchNormApply(
  x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number, batchStats: boolean,
  activation: EpilogueActivation = 'none',
): Tensor {
  const ACT = EPILOGUE_ACT_CODE[activation];
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const HW = H * W;
  const out = emptyTensor(x.shape);
  try {
    batchNormApplyVersions.run({ x, mean, variance, weight, bias, out, eps, ACT });
  } catch (e) {
    out.dispose(); // a forced version that refuses x throws before any GPU work
    throw e;
  }
  const saved = [x, mean, variance, ...(weight ? [weight] : []), ...(ACT ? [out] : [])];
  return attach('batchNorm', [x, weight, bias], out, saved, (g, savedT, needs) => {
    const [x0, m0, v0] = savedT;
    const w0 = weight ? savedT[3]! : null;
    const y = ACT ? savedT[savedT.length - 1]! : g;
    const constants = { TRAIN: batchStats ? 1 : 0, AFFINE: w0 ? 1 : 0, ACT };
    // Σg at [0, C) and Σg·x̂ at [sumsRow, sumsRow + C): both rows start on a view boundary, so the bias and
    // weight gradients are views of one buffer, not copies.
    const sumsRow = Math.ceil(C / (VIEW_ALIGN_BYTES / 4)) * (VIEW_ALIGN_BYTES / 4);
    const params = { N, C, HW, eps, sumsRow };
    const sums = emptyTensor([sumsRow + C]);
    batchNormBackwardSumsVersions.run({ N, C, HW, x: x0!, g, mean: m0!, variance: v0!, w: w0 ?? m0!, y, sums, eps, sumsRow, constants });
    let dx: Tensor | null = null;
    if (needs[0]) {
      dx = emptyTensor(x0!.shape);
      launch(backwardKernel, [x0!, g, m0!, v0!, w0 ?? m0!, dx, sums, y], {
        params,
        constants: { ...constants, PASS: 1 },
        workgroups: grid(Math.ceil(dx.size / 256)),
        label: 'batchnorm.backward_input',
      });
    }
    const row = (at: number): Tensor => new Tensor(sums.storage.view(at * 4, C * 4), [C], 'float32');
    const dw = needs[1] ? row(sumsRow) : null;
    const db = needs[2] ? row(0) : null;
    sums.dispose();
    return [dx, dw, db];
  });
}

/** A BatchNorm's running statistics, updated in place: running_mean, running_var and num_batches_tracked. */
export interface RunningStats {
  mean: Tensor;
  variance: Tensor;
  batches: Tensor;
}

/**
 * One dispatch, in place and outside autograd: running ← (1 − momentum)·running + momentum·batch for the mean
 * and the unbiased variance (batch variance · count/(count − 1)), and the batch counter + 1. A null momentum
 * is the cumulative average over the batches seen (PyTorch's momentum=None). `count` is the values per channel.
 */
export function batchNormUpdateRunning(batch: { mean: Tensor; variance: Tensor }, running: RunningStats, momentum: number | null, count: number): void {
  noGrad(() => {
    launch(runningKernel, [batch.mean, batch.variance, running.mean, running.variance, running.batches], {
      params: { channels: batch.mean.size, momentum: momentum ?? 0, unbias: count / (count - 1) },
      constants: { CUMULATIVE: momentum === null ? 1 : 0 },
      workgroups: [1, 1, 1],
      label: 'batchnorm.running',
    });
  });
}
