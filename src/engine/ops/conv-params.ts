// What the conv2d passes (conv.ts) and the depthwise passes (depthwise.ts) share: the one uniform block
// every one of their kernels reads, and the split-K reduction that sums partial weight gradients.

import wgradReduceWgsl from '../../shaders/conv2d_wgrad_reduce.wgsl?raw';
import { defineKernel, type ParamsFields, type ParamsValues } from '../../shaders/kernel.ts';
import type { Conv2dGeometry } from './conv.ts';

/**
 * The `struct Params` of every conv2d_* and depthwise_* kernel: the geometry, then the split-K count and the
 * rows per split of the weight gradient (1 and 0 for the other passes).
 */
export const CONV_PARAMS = {
  N: 'u32', C: 'u32', H: 'u32', W: 'u32',
  O: 'u32', OH: 'u32', OW: 'u32', groups: 'u32',
  kH: 'u32', kW: 'u32', sH: 'u32', sW: 'u32',
  pH: 'u32', pW: 'u32', dH: 'u32', dW: 'u32',
  splits: 'u32', chunk: 'u32',
} as const satisfies ParamsFields;

export function convParams(d: Conv2dGeometry, splits = 1, chunk = 0): ParamsValues<typeof CONV_PARAMS> {
  const { N, C, H, W, O, OH, OW, groups, kH, kW, sH, sW, pH, pW, dH, dW } = d;
  return { N, C, H, W, O, OH, OW, groups, kH, kW, sH, sW, pH, pW, dH, dW, splits, chunk };
}

/** dw[i] = Σ_s part[s, i]: the sum of the split-K partial weight gradients. */
export const wgradReduceKernel = defineKernel('conv2d_wgrad_reduce', wgradReduceWgsl, ['read', 'write'], { size: 'u32', splits: 'u32' });
