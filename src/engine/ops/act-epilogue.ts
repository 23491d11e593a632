// The activation a kernel can apply in its epilogue (epilogue_act.wgsl, prepended to the kernel's WGSL): the
// conv2d / depthwise forward kernels (conv2dAct), the conv2d activation-gradient pass (conv2d_bias_grad) and
// BatchNorm's apply and backward (batch-norm.ts).

import epilogueWgsl from '../../shaders/epilogue_act.wgsl?raw';
import { EngineError } from '../errors.ts';

/** The activations of epilogue_act.wgsl. */
export type EpilogueActivation = 'none' | 'relu' | 'relu6';

/** The `ACT` override of epilogue_act.wgsl for each activation. */
export const EPILOGUE_ACT_CODE: Readonly<Record<EpilogueActivation, number>> = Object.freeze({ none: 0, relu: 1, relu6: 2 });

/** A kernel's WGSL with epilogue_act.wgsl (override ACT, activate(), activationPasses()) prepended. */
export function withActEpilogue(code: string): string {
  return epilogueWgsl + code;
}

/** Throws a clear error for an activation epilogue_act.wgsl does not have. */
export function checkEpilogueActivation(op: string, activation: string): asserts activation is EpilogueActivation {
  if (!Object.hasOwn(EPILOGUE_ACT_CODE, activation)) {
    throw new EngineError(`${op}: unknown activation ${JSON.stringify(activation)}; expected one of ${Object.keys(EPILOGUE_ACT_CODE).join(', ')}`);
  }
}
