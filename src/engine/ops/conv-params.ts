// What the conv2d passes (conv.ts) and the depthwise passes (depthwise.ts) share: the one uniform block
// every one of their kernels reads, a spare output for unwritten bindings, and the split-K reduction that sums
// partial weight (and bias) gradients.

import wgradReduceWgsl from '../../shaders/conv2d_wgrad_reduce.wgsl?raw';
import { defineKernel, type ParamsFields, type ParamsValues } from '../../shaders/kernel.ts';
import { emptyTensor } from '../runtime/launch.ts';
import type { Tensor } from '../tensor.ts';
import type { Conv2dGeometry } from './conv-geometry.ts';

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

/** The override literals of the kernels that prepend conv2d_reg_geometry.wgsl: every size of the layer but the batch. */
export const regShape = (d: Conv2dGeometry): Record<string, number> => ({
  C_: d.C, H_: d.H, W_: d.W, O_: d.O, OH_: d.OH, OW_: d.OW, GROUPS: d.groups, KH: d.kH, KW: d.kW, SH: d.sH, SW: d.sW, PH: d.pH, PW: d.pW, DH: d.dH, DW_: d.dW,
});

/**
 * Runs `launch` with a 1-element tensor to bind where a kernel's output binding goes unwritten (a bias
 * gradient nobody asked for): WebGPU forbids binding one buffer to two writable bindings of a dispatch.
 */
export function withSpareOutput<T>(launch: (spare: Tensor) => T): T {
  const spare = emptyTensor([1]);
  try {
    return launch(spare);
  } finally {
    spare.dispose();
  }
}

/**
 * dw[i] = Σ_s part[s, i] and db[o] = Σ_s dbPart[s, o]: the sums of the split-K partial weight and bias
 * gradients. Bindings part, dbPart, dw, db; without a bias `biasSize` is 0, part stands in for dbPart and a spare output (withSpareOutput) for db.
 */
export const wgradReduceKernel = defineKernel('conv2d_wgrad_reduce', wgradReduceWgsl, ['read', 'read', 'write', 'write'], {
  size: 'u32', splits: 'u32', biasSize: 'u32',
});
