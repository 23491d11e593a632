// Cut points: where a model can be cut into a trunk (everything up to and including a module) and the rest.
//
// A Sequential is a chain: its cut points are the paths of its children and, inside a nested Sequential, of
// that Sequential's children, from the input to the output (`features.0.0`, …, `features.0`, `features.1.0`, …).
// Cutting at a container equals cutting at its last child. Any other model opts in through nn.FeatureModel
// (cutPoints, forwardFeatures, truncateAfter, layerGroups; see src/nn/feature-model.ts); its optional
// `forwardFrom(x, after)` lets the feature cache run only the part above a frozen boundary.
//
//   transfer.truncate(model, 'features.1')           keeps features.0 and features.1 (same state-dict keys)
//   transfer.featureExtractor(model, { at: 'features.2' })   the same, frozen, BatchNorm in eval mode
//   transfer.attachHead(trunk, head, { inputShape })          Sequential { trunk, head }, shapes checked
//   transfer.replaceHead(model, 'classifier.1', head, { inputShape })   swaps one module, shapes checked
//
// truncate and featureExtractor consume the model: its kept modules move into the result and the others are
// disposed, so the model itself must not be used afterwards.

import { EngineError, ShapeError, fmtShape, checkOptions, type Tensor } from '../engine/internal.ts';
import { Module, Sequential, isFeatureModel, type FeatureModel } from '../nn/index.ts';
import { outputShape } from './shapes.ts';

/** A FeatureModel that can also run the part above a cut point (what the feature cache needs). */
export interface ResumableFeatureModel extends FeatureModel {
  /** Runs the model from the output of cut point `after` (as forwardFeatures returned it) to its end. */
  forwardFrom(x: Tensor, after: string): Tensor;
}

function isResumable(m: FeatureModel): m is ResumableFeatureModel {
  return typeof (m as Partial<ResumableFeatureModel>).forwardFrom === 'function';
}

/** One module of a chain as forward runs it: a non-Sequential module inside nested Sequentials. */
export interface ChainStep {
  path: string;
  module: Module;
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

/** The model's cut points, from the input to the output. */
export function cutPoints(model: Module): string[] {
  if (isFeatureModel(model)) return model.cutPoints();
  if (!(model instanceof Sequential)) {
    throw new EngineError(`cutPoints: ${model.label()} is neither an nn.Sequential nor an nn.FeatureModel (implement cutPoints/forwardFeatures/truncateAfter/layerGroups, see src/nn/feature-model.ts)`);
  }
  const out: string[] = [];
  const walk = (seq: Sequential, prefix: string): void => {
    for (const [name, child] of seq.namedChildren()) {
      const path = join(prefix, name);
      if (child instanceof Sequential) walk(child, path);
      out.push(path);
    }
  };
  walk(model, '');
  return out;
}

/** Throws a clear error, listing the valid cut points, unless `at` is one of them. */
export function checkCutPoint(op: string, model: Module, at: string): void {
  if (typeof at !== 'string') throw new TypeError(`${op}: the cut point must be a dotted path string, got ${typeof at}`);
  const points = cutPoints(model);
  if (!points.includes(at)) {
    throw new EngineError(`${op}: "${at}" is not a cut point of ${model.label()} (valid cut points: ${points.join(', ') || 'none'})`);
  }
}

/** The chain steps that run up to and including cut point `at` (a container means its last step). */
export function stepsUpTo(model: Sequential, at: string): ChainStep[] {
  const steps = chainSteps(model);
  let last = -1;
  steps.forEach((s, i) => {
    if (s.path === at || s.path.startsWith(`${at}.`)) last = i;
  });
  return steps.slice(0, last + 1);
}

/** Runs `model` from x up to and including the module at cut point `at`. */
export function forwardTo(model: Module, x: Tensor, at: string): Tensor {
  if (isFeatureModel(model)) return model.forwardFeatures(x, at);
  return runSteps(stepsUpTo(model as Sequential, at), x);
}

/** Runs `model` from the output of cut point `after` to its end. */
export function forwardFrom(model: Module, x: Tensor, after: string): Tensor {
  if (isFeatureModel(model)) {
    if (!isResumable(model)) throw new EngineError(`forwardFrom: ${model.label()} has no forwardFrom(x, after), so it cannot resume from a cut point`);
    return model.forwardFrom(x, after);
  }
  const steps = chainSteps(model as Sequential);
  const done = stepsUpTo(model as Sequential, after).length;
  return runSteps(steps.slice(done), x);
}

/** Whether forwardFrom works for this model (Sequentials, and FeatureModels with forwardFrom). */
export function canResume(model: Module): boolean {
  return model instanceof Sequential || (isFeatureModel(model) && isResumable(model));
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

/**
 * Keeps only the modules up to and including cut point `upTo`, with the same state-dict keys; the rest is
 * disposed. Consumes `model` (see the top of this file).
 */
export function truncate(model: Module, upTo: string): Module {
  checkCutPoint('truncate', model, upTo);
  if (isFeatureModel(model)) return model.truncateAfter(upTo);
  const kept = keepPrefix(model as Sequential, upTo.split('.'));
  return kept;
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

export interface FeatureExtractorOptions {
  /** The cut point: the last module kept (e.g. 'features.2'). */
  at: string;
}

/**
 * The model up to and including the module at `at`, frozen (no gradients, no optimizer state) and with every
 * BatchNorm held in eval mode (running statistics, never updated, even under train()). Consumes `model`.
 */
export function featureExtractor(model: Module, options: FeatureExtractorOptions): Module {
  checkOptions('featureExtractor', options, ['at']);
  if (!options || typeof options.at !== 'string') throw new TypeError('featureExtractor: pass { at: "<cut point>" }');
  const trunk = truncate(model, options.at);
  if (trunk.parameters().length > 0) trunk.freeze(undefined, { batchNorm: 'eval' });
  trunk.eval();
  return trunk;
}

export interface HeadOptions {
  /**
   * The shape of one input batch (e.g. [32, 1, 28, 28]). When given, the head's input is checked against the
   * trunk's output before anything runs (a ShapeError names both shapes).
   */
  inputShape?: readonly number[];
}

/** `Sequential { trunk, head }`: a new head on a trunk, its fit checked when `inputShape` is given. */
export function attachHead(trunk: Module, head: Module, options: HeadOptions = {}): Sequential {
  if (!(trunk instanceof Module) || !(head instanceof Module)) throw new TypeError('attachHead: trunk and head must be nn.Modules');
  checkOptions('attachHead', options, ['inputShape']);
  if (options.inputShape) {
    const features = outputShape(trunk, options.inputShape);
    checkHeadFits('attachHead', head, features);
  }
  return new Sequential({ trunk, head });
}

/**
 * Puts `head` in place of the module at `path` (a new classifier: `replaceHead(model, 'classifier.1',
 * new nn.Linear(288, 10))`) and returns the module it replaced, for the caller to dispose. With `inputShape`
 * the whole model's shapes are checked first, and nothing changes if they do not fit.
 */
export function replaceHead(model: Module, path: string, head: Module, options: HeadOptions = {}): Module {
  if (!(head instanceof Module)) throw new TypeError('replaceHead: head must be an nn.Module');
  checkOptions('replaceHead', options, ['inputShape']);
  if (model instanceof Sequential && options.inputShape) {
    const steps = chainSteps(model);
    const at = steps.findIndex((s) => s.path === path || s.path.startsWith(`${path}.`));
    if (at < 0) throw new EngineError(`replaceHead: ${model.label()} has no module at "${path}" in its chain (modules: ${steps.map((s) => s.path).join(', ')})`);
    let shape = [...options.inputShape];
    for (const s of steps.slice(0, at)) shape = outputShape(s.module, shape);
    checkHeadFits('replaceHead', head, shape);
  }
  return model.setSubmodule(path, head);
}

function checkHeadFits(op: string, head: Module, features: readonly number[]): void {
  try {
    outputShape(head, features);
  } catch (err) {
    if (err instanceof ShapeError) throw new ShapeError(`${op}: the head does not fit the trunk's output ${fmtShape(features)}: ${err.message}`);
    throw err;
  }
}
