// What a trained classifier carries besides its weights: its class names, the input spec its images were
// prepared for, and (when it was built from a named architecture) how to build it again. `fit` and `load`
// record it on the model they return; `predict`, `evaluate` and `save` read it, so the model itself stays a
// plain nn.Module. Kept in a WeakMap: it goes away with the model.

import type { Module } from '../nn/index.ts';
import type { InputSpec } from '../data/types.ts';

/**
 * How to build a model again (the `architecture` key of a saved model, as JSON): a zoo or shipped
 * architecture by name with its number of classes, optionally truncated after a cut point with a new head.
 *   { name: 'resnet18', numClasses: 3 }                         models.resnet18({ numClasses: 3 })
 *   { name: 'mobilenet_v2', numClasses: 5, widthMult: 0.5 }     models.mobilenetV2({ numClasses: 5, widthMult: 0.5 })
 *   { name: 'digits-cnn', numClasses: 5 }                       transfer.digitsCnn(5)
 *   { name: 'digits-cnn', numClasses: 5, truncateAt: 'features.1', head: 'pool-linear' }
 *       Sequential { trunk: truncate(digitsCnn, 'features.1'), head: <fit's new head> } (see fit-model.ts)
 */
/** The architectures fit, save and load know by name (the `architecture` key's `name`; the command line's --arch). */
export const ARCHITECTURES = Object.freeze(['resnet18', 'resnet34', 'mobilenet_v2', 'digits-cnn'] as const);

export interface Architecture {
  name: string;
  numClasses: number;
  widthMult?: number;
  /** The trunk was truncated after this cut point and given a new head of this kind. */
  truncateAt?: string;
  head?: 'linear' | 'pool-linear';
}

export interface ModelInfo {
  classes: readonly string[];
  input: InputSpec;
  architecture?: Architecture;
}

const infos = new WeakMap<Module, ModelInfo>();

/** Records a model's classes, input spec and architecture (fit and load do it). */
export function setModelInfo(model: Module, info: ModelInfo): void {
  infos.set(model, { ...info, classes: [...info.classes] });
}

/** What fit or load recorded for this model, or null. */
export function modelInfo(model: Module): ModelInfo | null {
  return infos.get(model) ?? null;
}
