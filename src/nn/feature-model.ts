// The cut-point contract: how the transfer API (featureExtractor, truncate, layer groups, the feature cache)
// reaches inside a model whose forward is not a plain chain of children (residual blocks, inverted residuals).
//
// A `Sequential` needs nothing: its cut points are its children's paths (and, recursively, those of nested
// Sequentials), and running it up to a cut point is running its children in order; sequential-features.ts wraps
// it once as a FeatureModel (featureView), so the transfer API speaks this one interface. Any other model opts
// in by implementing `FeatureModel`:
//
//   class ResNet extends nn.Module implements nn.FeatureModel {
//     cutPoints() { return ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool']; }
//     forwardFeatures(x, at) { ...run the stem and stages, return the output of the module at `at`... }
//     truncateAfter(at) { ...a new model with the modules after `at` removed (same state-dict keys)... }
//     layerGroups() { return [['conv1', 'bn1'], ['layer1'], ['layer2'], ['layer3'], ['layer4'], ['fc']]; }
//   }
//
// Paths are dotted module paths relative to the model (the keys its state dict uses, minus the parameter name).

import type { Tensor } from '../engine/internal.ts';
import type { Module } from './module.ts';

export interface FeatureModel {
  /** The paths after which features can be taken, ordered from the input to the output. */
  cutPoints(): string[];
  /** Runs the model from `x` up to and including the module at cut point `at` and returns that output. */
  forwardFeatures(x: Tensor, at: string): Tensor;
  /**
   * A model of the same kind holding only the modules up to and including `at` (the others are disposed),
   * whose forward returns what forwardFeatures(x, at) returned, with the same state-dict keys for what it kept.
   * The original model must not be used afterwards (its kept modules moved into the new one).
   */
  truncateAfter(at: string): Module;
  /**
   * Layer groups for freezing and discriminative learning rates, ordered from the input to the output (the last
   * is the head). Each group is a list of path globs that together select its parameters.
   */
  layerGroups(): string[][];
}

/** Whether `m` implements the cut-point contract. */
export function isFeatureModel(m: unknown): m is Module & FeatureModel {
  const f = m as Partial<FeatureModel> | null;
  return typeof f === 'object' && f !== null && typeof f.cutPoints === 'function' && typeof f.forwardFeatures === 'function' &&
    typeof f.truncateAfter === 'function' && typeof f.layerGroups === 'function';
}
