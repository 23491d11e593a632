// conv2d's bias-gradient pass (conv2d_bias_grad.wgsl): db = Σ over N·OH·OW of the output gradient, and for
// conv2dAct the activation's gradient gm = g · act'(y) in the same pass. A registered family of its own
// (conv2dBiasGrad, v1 only) so that forcing conv2d's versions leaves it alone; its ranges follow the rules
// profile: one per channel on the CPU rules, enough for a GPU on the GPU rules (biasGradPlan).

import biasGradWgsl from '../../shaders/conv2d_bias_grad.wgsl?raw';
import { MAX_WORKGROUPS_PER_DIM, defineKernel, grid } from '../../shaders/kernel.ts';
import { EngineError } from '../errors.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { GPU_RULES, currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import type { Tensor } from '../tensor.ts';
import { EPILOGUE_ACT_CODE, withActEpilogue, type EpilogueActivation } from './act-epilogue.ts';
import { wgradReduceKernel, withSpareOutput } from './conv-params.ts';
import type { Conv2dGeometry, ConvShape } from './conv-geometry.ts';

const biasGradKernel = defineKernel('conv2d_bias_grad', withActEpilogue(biasGradWgsl), ['read', 'read', 'write', 'write'], {
  N: 'u32', O: 'u32', plane: 'u32', splits: 'u32', chunk: 'u32',
});

/** One conv2d_bias_grad pass: gm = g · act'(y) (returned; null for 'none'), and db = Σ gm when `db` is given. */
export function biasGradPass(g: Tensor, y: Tensor | null, d: Conv2dGeometry, activation: EpilogueActivation, db: Tensor | null): Tensor | null {
  return conv2dBiasGradVersions.run({ g, y, d, activation, db });
}

interface BiasGradProblem { g: Tensor; y: Tensor | null; d: Conv2dGeometry; activation: EpilogueActivation; db: Tensor | null }

/**
 * The bias-gradient pass's ranges of N·OH·OW per channel: one on the CPU rules; on the GPU rules enough for
 * GPU_RULES.MIN_WORKGROUPS workgroups (O · ranges) when the gradient is large, and none longer than 4,096
 * elements per thread. The tuning knob `splits` forces a count.
 */
function biasGradPlan({ d }: ConvShape, rules: RulesProfile): LaunchPlan & { splits: number; chunk: number } {
  const m = d.N * d.OH * d.OW;
  let wanted = conv2dBiasGradVersions.tuning.splits ?? 1;
  if (conv2dBiasGradVersions.tuning.splits === null && rules === 'gpu') {
    const needsFill = d.N * d.O * d.OH * d.OW >= GPU_RULES.MIN_WORKGROUPS * 256 || m >= GPU_RULES.MAX_SERIAL_LOOP;
    wanted = Math.max(Math.ceil(m / (64 * GPU_RULES.MAX_SERIAL_LOOP)), needsFill ? Math.min(Math.ceil(GPU_RULES.MIN_WORKGROUPS / d.O), Math.ceil(m / 256)) : 1);
  }
  if (!Number.isInteger(wanted) || wanted < 1) throw new EngineError(`conv2d: conv2dBiasGrad splits must be a positive integer, got ${wanted}`);
  const chunk = wanted === 1 ? m : Math.max(1, Math.floor(m / wanted));
  const splits = Math.ceil(m / chunk);
  return { splits, chunk, workgroups: d.O * splits, loop: Math.ceil(chunk / 64) };
}

function biasGradRun({ g, y, d, activation, db }: BiasGradProblem): Tensor | null {
  if (d.O > MAX_WORKGROUPS_PER_DIM) throw new EngineError(`conv2d: the bias gradient needs ${d.O} workgroups along x, more than ${MAX_WORKGROUPS_PER_DIM}`);
  const { splits, chunk } = biasGradPlan({ d }, currentRules());
  const gm = activation === 'none' ? null : emptyTensor(g.shape);
  const dbPart = db && splits > 1 ? emptyTensor([splits, d.O]) : null;
  withSpareOutput((spare) => {
    launch(biasGradKernel, [g, y ?? g, gm ?? spare, dbPart ?? db ?? spare], {
      params: { N: d.N, O: d.O, plane: d.OH * d.OW, splits, chunk },
      constants: { ACT: EPILOGUE_ACT_CODE[activation], HAS_BIAS: db ? 1 : 0 },
      workgroups: [d.O, splits, 1],
      label: activation === 'none' ? 'conv2d.bias_grad' : `conv2d.${activation}_grad`,
    });
    if (dbPart && db) {
      launch(wgradReduceKernel, [dbPart, dbPart, spare, db], {
        params: { size: 0, splits, biasSize: d.O },
        workgroups: grid(Math.ceil(d.O / 64)),
        label: 'conv2d.bias_grad_reduce',
      });
    }
  });
  dbPart?.dispose();
  return gm;
}

/**
 * The bias-gradient pass (and the activation's gradient of conv2dAct) in the registry, a family of its own so
 * that forcing conv2d's versions leaves it alone: kernelVersions.tune('conv2dBiasGrad', { splits: 3 }).
 */
export const conv2dBiasGradVersions = defineKernelVersions<BiasGradProblem, Tensor | null, 'v1', { splits: number | null }, ConvShape>('conv2dBiasGrad', {
  versions: {
    v1: { summary: 'conv2d_bias_grad: workgroup per channel × range of N·OH·OW, tree (+ reduce of the ranges)', run: biasGradRun, plan: biasGradPlan },
  },
  default: 'v1',
  tuning: { splits: null },
});

