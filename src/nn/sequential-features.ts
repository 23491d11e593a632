// A Sequential seen through the cut-point contract (nn.FeatureModel, feature-model.ts), so the transfer API
// (cut points, truncate, featureExtractor, layer groups, the feature cache) speaks one interface and never asks
// what kind of model it holds. `featureView(model)` is the one place that tells the kinds apart:
//
//   a model that implements nn.FeatureModel (the zoo's ResNet, MobileNetV2, a user's model)  → the model itself
//   an nn.Sequential (DigitsCnn, a user's chain)                                              → a SequentialFeatures
//   anything else                                                                             → null (no cut points)
//
// A Sequential's cut points are the paths of its children and, inside a nested Sequential, of that Sequential's
// children, from the input to the output (`features.0.0`, …, `features.0`, `features.1.0`, …). Cutting at a
// container equals cutting at its last child. Running it up to a cut point is running its chain of leaf
// modules in order, as Sequential.forward does; the view also lists that chain (`chainUpTo`), so output shapes
// can come from the layers' shape rules without running anything.
//
// The view holds no state of its own: it reads the Sequential's children on every call, so it stays right
// after setSubmodule or append.

import { EngineError, type Tensor } from '../engine/internal.ts';
import { isFeatureModel, type FeatureModel } from './feature-model.ts';
import { Sequential } from './containers.ts';
import { Module } from './module.ts';

/** One module of a chain as forward runs it: a non-Sequential module inside nested Sequentials. */
export interface ChainStep {
  path: string;
  module: Module;
}

/** What the transfer API reaches a model through: the cut-point contract and two optional abilities. */
export interface FeatureView extends FeatureModel {
  /** Runs the model from the output of cut point `after` (as forwardFeatures returned it) to its end. */
  forwardFrom?(x: Tensor, after: string): Tensor;
  /** The modules that run, in order, up to and including cut point `at`, when the model is a plain chain of them. */
  chainUpTo?(at: string): ChainStep[];
}

/** The model's cut-point view (see the top of this file); null when it has no cut points. */
export function featureView(model: Module): FeatureView | null {
  if (isFeatureModel(model)) return model;
  if (model instanceof Sequential) return new SequentialFeatures(model);
  return null;
}

/**
 * A model's layer groups when it does not define them through nn.FeatureModel: its own `layerGroups()` when it
 * has one (transfer.DigitsCnn does), else one group per top-level child that has parameters.
 */
export function defaultLayerGroups(model: Module): string[][] {
  const own = (model as Partial<{ layerGroups: () => string[][] }>).layerGroups;
  if (typeof own === 'function') return own.call(model);
  return model.namedChildren().filter(([, c]) => c.parameters().length > 0).map(([name]) => [name]);
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/** The modules a Sequential runs, in order, with nested Sequentials expanded. */
export function chainSteps(model: Sequential, prefix = ''): ChainStep[] {
  const out: ChainStep[] = [];
  for (const [name, child] of model.namedChildren()) {
    const path = join(prefix, name);
    if (child instanceof Sequential) out.push(...chainSteps(child, path));
    else out.push({ path, module: child });
  }
  return out;
}

/** A Sequential as an nn.FeatureModel that can also resume from a cut point and list its chain. */
export class SequentialFeatures implements FeatureView {
  constructor(readonly model: Sequential) {}

  cutPoints(): string[] {
    const out: string[] = [];
    const walk = (seq: Sequential, prefix: string): void => {
      for (const [name, child] of seq.namedChildren()) {
        const path = join(prefix, name);
        if (child instanceof Sequential) walk(child, path);
        out.push(path);
      }
    };
    walk(this.model, '');
    return out;
  }

  chainUpTo(at: string): ChainStep[] {
    return this.stepsUpTo('chainUpTo', at);
  }

  forwardFeatures(x: Tensor, at: string): Tensor {
    return runSteps(this.stepsUpTo('forwardFeatures', at), x);
  }

  forwardFrom(x: Tensor, after: string): Tensor {
    const done = this.stepsUpTo('forwardFrom', after).length;
    return runSteps(chainSteps(this.model).slice(done), x);
  }

  /** The Sequential's modules up to and including `at`, in a new Sequential with the same state-dict keys; the rest is disposed. */
  truncateAfter(at: string): Sequential {
    this.check('truncateAfter', at);
    return keepPrefix(this.model, at.split('.'));
  }

  layerGroups(): string[][] {
    return defaultLayerGroups(this.model);
  }

  private stepsUpTo(op: string, at: string): ChainStep[] {
    this.check(op, at);
    const steps = chainSteps(this.model);
    let last = -1;
    steps.forEach((s, i) => {
      if (s.path === at || s.path.startsWith(`${at}.`)) last = i;
    });
    return steps.slice(0, last + 1);
  }

  private check(op: string, at: string): void {
    if (!this.cutPoints().includes(at)) {
      const points = this.cutPoints().join(', ') || 'none';
      throw new EngineError(`${this.model.label()}.${op}: "${at}" is not a cut point (valid cut points: ${points})`);
    }
  }
}

/** Runs the steps in order, disposing intermediate outputs as Sequential does. */
function runSteps(steps: ChainStep[], x: Tensor): Tensor {
  let y = x;
  for (const { module } of steps) {
    const next = module.forward(y) as Tensor;
    if (y !== x && next !== y) y.dispose();
    y = next;
  }
  return y;
}

function keepPrefix(seq: Sequential, segments: string[]): Sequential {
  const out = new Sequential();
  let reached = false;
  for (const [name, child] of seq.namedChildren()) {
    if (reached) {
      child.dispose();
      continue;
    }
    if (name === segments[0]) {
      reached = true;
      out.registerModule(name, segments.length > 1 ? keepPrefix(child as Sequential, segments.slice(1)) : child);
    } else {
      out.registerModule(name, child);
    }
  }
  out.train(seq.training);
  return out;
}
