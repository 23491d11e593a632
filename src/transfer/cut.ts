// Cut points: where a model can be cut into a trunk (everything up to and including a module) and the rest.
//
// A Sequential is a chain: its cut points are the paths of its children and, inside a nested Sequential, of
// that Sequential's children, from the input to the output (`features.0.0`, …, `features.0`, `features.1.0`, …).
// Cutting at a container equals cutting at its last child. Any other model opts in through nn.FeatureModel
// (cutPoints, forwardFeatures, truncateAfter, layerGroups; see src/nn/feature-model.ts); its optional
// `forwardFrom(x, after)` lets the feature cache run only the part above a frozen boundary. Everything here
// reaches a model through one interface, its view (`viewOf`): a Sequential is wrapped once as a feature model
// (src/nn/sequential-features.ts), a FeatureModel is its own view, and nothing below branches on the kind.
//
//   transfer.truncate(model, 'features.1')           keeps features.0 and features.1 (same state-dict keys)
//   transfer.featureExtractor(model, { at: 'features.2' })   the same, frozen, BatchNorm in eval mode
//   transfer.attachHead(trunk, head, { inputShape })          Sequential { trunk, head }, shapes checked
//   transfer.replaceHead(model, 'classifier.1', head, { inputShape })   swaps one module, shapes checked
//
// truncate and featureExtractor consume the model: its kept modules move into the result and the others are
// disposed, so the model itself must not be used afterwards.

import { EngineError, ShapeError, fmtShape, checkOptions, type Tensor } from '../engine/internal.ts';
import { Module, Sequential, type FeatureModel } from '../nn/index.ts';
import { chainSteps as sequentialSteps, featureView, type ChainStep, type FeatureView } from '../nn/sequential-features.ts';
import { outputShape } from './shapes.ts';

export type { ChainStep };

/** A FeatureModel that can also run the part above a cut point (what the feature cache needs). */
export interface ResumableFeatureModel extends FeatureModel {
  /** Runs the model from the output of cut point `after` (as forwardFeatures returned it) to its end. */
  forwardFrom(x: Tensor, after: string): Tensor;
}

/** The model's cut-point view (src/nn/sequential-features.ts), or a clear error when it has none. */
export function viewOf(op: string, model: Module): FeatureView {
  const view = featureView(model);
  if (view === null) {
    const how = 'implement cutPoints/forwardFeatures/truncateAfter/layerGroups, see src/nn/feature-model.ts';
    throw new EngineError(`${op}: ${model.label()} is neither an nn.Sequential nor an nn.FeatureModel (${how})`);
  }
  return view;
}

/** The modules a Sequential runs, in order, with nested Sequentials expanded. */
export function chainSteps(model: Sequential, prefix = ''): ChainStep[] {
  return sequentialSteps(model, prefix);
}

/** The model's cut points, from the input to the output. */
export function cutPoints(model: Module): string[] {
  return viewOf('cutPoints', model).cutPoints();
}

/** Throws a clear error, listing the valid cut points, unless `at` is one of them. */
export function checkCutPoint(op: string, model: Module, at: string): void {
  if (typeof at !== 'string') throw new TypeError(`${op}: the cut point must be a dotted path string, got ${typeof at}`);
  const points = cutPoints(model);
  if (!points.includes(at)) {
    throw new EngineError(`${op}: "${at}" is not a cut point of ${model.label()} (valid cut points: ${points.join(', ') || 'none'})`);
  }
}

/** Runs `model` from x up to and including the module at cut point `at`. */
export function forwardTo(model: Module, x: Tensor, at: string): Tensor {
  return viewOf('forwardTo', model).forwardFeatures(x, at);
}

/** Runs `model` from the output of cut point `after` to its end. */
export function forwardFrom(model: Module, x: Tensor, after: string): Tensor {
  const view = viewOf('forwardFrom', model);
  if (!view.forwardFrom) throw new EngineError(`forwardFrom: ${model.label()} has no forwardFrom(x, after), so it cannot resume from a cut point`);
  return view.forwardFrom(x, after);
}

/** Whether forwardFrom works for this model (Sequentials, and FeatureModels with forwardFrom). */
export function canResume(model: Module): boolean {
  return typeof featureView(model)?.forwardFrom === 'function';
}

/**
 * Keeps only the modules up to and including cut point `upTo`, with the same state-dict keys; the rest is
 * disposed. Consumes `model` (see the top of this file).
 */
export function truncate(model: Module, upTo: string): Module {
  checkCutPoint('truncate', model, upTo);
  return viewOf('truncate', model).truncateAfter(upTo);
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
  const view = options.inputShape ? featureView(model) : null;
  if (options.inputShape && view?.chainUpTo) {
    // The whole chain (up to its last cut point); the head receives what the modules before `path` output.
    const last = view.cutPoints().at(-1);
    const steps = last === undefined ? [] : view.chainUpTo(last);
    const at = steps.findIndex((s) => s.path === path || s.path.startsWith(`${path}.`));
    if (at < 0) {
      throw new EngineError(`replaceHead: ${model.label()} has no module at "${path}" in its chain (modules: ${steps.map((s) => s.path).join(', ')})`);
    }
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
