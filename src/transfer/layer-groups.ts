// Layer groups: a model split into ordered groups of parameters, from the input to the output (the last one
// is the head). Freezing and discriminative learning rates are one-liners over them (fastai's freeze_to and
// slice(lo, hi)):
//
//   const groups = transfer.layerGroups(model);                 // the model's own, or its top-level children
//   transfer.freezeTo(model, -1, { groups });                    // only the last group (the head) trains
//   const lrs = transfer.discriminativeLrs(groups.length, [1e-4, 1e-2]);   // geometric, bottom to top
//   const opt = new optim.AdamW(transfer.groupParams(model, groups, lrs));  // one optimizer group per layer group
//
// BatchNorm when freezing: a frozen group's BatchNorm layers are held in eval mode (running statistics, no
// updates; Keras's rule for a frozen base). When a group is unfrozen, `batchNorm` decides what its BatchNorm
// layers do: 'eval' (the default, Keras: they keep normalizing with the pretrained running statistics while
// their weight and bias train) or 'train' (fastai: they go back to batch statistics and update the running
// ones, which suits a large target whose statistics differ from the source's).

import { EngineError, checkOptions } from '../engine/internal.ts';
import { Module, globMatches } from '../nn/index.ts';
import { defaultLayerGroups, featureView } from '../nn/sequential-features.ts';
import type { GroupSpec } from '../nn/groups.ts';

export interface LayerGroup {
  /** A label (the glob, or the child's name). */
  name: string;
  /** Path globs that together select the group's parameters and modules. */
  globs: string[];
}

export interface FreezeToOptions {
  /** The groups (default: layerGroups(model)). */
  groups?: LayerGroup[];
  /** What the BatchNorm layers of the unfrozen groups do (see the top of this file). Default 'eval'. */
  batchNorm?: 'eval' | 'train';
}

/**
 * The model's layer groups: `paths` when given (each entry a glob or a list of globs), else the model's own
 * (a `layerGroups()` method, as nn.FeatureModel has), else one group per top-level child that has parameters.
 * Every parameter must fall in exactly one group.
 */
export function layerGroups(model: Module, paths?: Array<string | string[]>): LayerGroup[] {
  let groups: LayerGroup[];
  if (paths) {
    if (!Array.isArray(paths) || paths.length === 0) throw new EngineError('layerGroups: paths must be a non-empty array of globs (or arrays of globs)');
    groups = paths.map((p) => (Array.isArray(p) ? { name: p.join('|'), globs: [...p] } : { name: p, globs: [p] }));
  } else {
    const own = featureView(model)?.layerGroups() ?? defaultLayerGroups(model);
    groups = own.map((globs) => ({ name: globs.join('|'), globs: [...globs] }));
  }
  checkGroups(model, groups);
  return groups;
}

function checkGroups(model: Module, groups: LayerGroup[]): void {
  const named = model.namedParameters();
  if (groups.length === 0) throw new EngineError(`layerGroups: ${model.label()} has no parameters to group`);
  groups.forEach((g) => {
    if (!named.some(([path]) => globMatches(g.globs, path))) {
      const some = named.map(([p]) => p).slice(0, 12).join(', ');
      throw new EngineError(`layerGroups: group "${g.name}" selects no parameter of ${model.label()} (parameters: ${some}${named.length > 12 ? ', …' : ''})`);
    }
  });
  const orphans: string[] = [];
  const doubles: string[] = [];
  for (const [path] of named) {
    const n = groups.filter((g) => globMatches(g.globs, path)).length;
    if (n === 0) orphans.push(path);
    if (n > 1) doubles.push(path);
  }
  if (orphans.length) throw new EngineError(`layerGroups: parameters in no group: ${orphans.join(', ')}`);
  if (doubles.length) throw new EngineError(`layerGroups: parameters in more than one group: ${doubles.join(', ')}`);
}

function resolveIndex(op: string, n: number, count: number): number {
  if (!Number.isInteger(n) || n < -count || n > count) {
    throw new EngineError(`${op}: n must be an integer in [${-count}, ${count}] for ${count} groups, got ${n}`);
  }
  return n < 0 ? count + n : n;
}

/**
 * fastai's freeze_to: groups [0, n) are frozen (their BatchNorm held in eval mode) and groups [n, end) train.
 * A negative n counts from the end: freezeTo(model, -1) trains only the head. Returns the frozen group names.
 */
export function freezeTo(model: Module, n: number, options: FreezeToOptions = {}): string[] {
  checkOptions('freezeTo', options, ['groups', 'batchNorm']);
  const groups = options.groups ?? layerGroups(model);
  const k = resolveIndex('freezeTo', n, groups.length);
  const bn = options.batchNorm ?? 'eval';
  if (bn !== 'eval' && bn !== 'train') throw new EngineError(`freezeTo: batchNorm must be 'eval' or 'train', got ${JSON.stringify(bn)}`);
  groups.forEach((g, i) => {
    if (i < k) {
      model.freeze(g.globs, { batchNorm: 'eval' });
      return;
    }
    model.unfreeze(g.globs);
    if (bn === 'eval') holdBatchNormEval(model, g.globs);
  });
  return groups.slice(0, k).map((g) => g.name);
}

/** Unfreezes every group (freezeTo(model, 0)). */
export function unfreeze(model: Module, options: FreezeToOptions = {}): void {
  freezeTo(model, 0, options);
}

/**
 * Holds the (affine) BatchNorm layers under `globs` in eval mode while their parameters stay trainable:
 * freeze(…, { batchNorm: 'eval' }) is the one way to hold BatchNorm in eval mode, and the parameters get their
 * gradients back right after.
 */
function holdBatchNormEval(model: Module, globs: string[]): void {
  const held = model.namedModules().filter(([path, m]) => m.isBatchNorm() && globMatches(globs, path) && m.parameters().length > 0);
  if (held.length === 0) return;
  model.freeze(held.map(([path]) => path), { batchNorm: 'eval' });
  for (const [, m] of held) for (const p of m.parameters()) p.requiresGrad = true;
}

/** Which groups are trainable now (every parameter of the group requires a gradient). */
export function trainableGroups(model: Module, groups: LayerGroup[]): boolean[] {
  const named = model.namedParameters();
  return groups.map((g) => named.filter(([path]) => globMatches(g.globs, path)).every(([, p]) => p.requiresGrad));
}

/**
 * `count` learning rates spread geometrically over [low, high], from the bottom group to the top one
 * (fastai's slice(low, high)): lr_i = low · (high / low)^(i / (count − 1)). One group gets `high`.
 */
export function discriminativeLrs(count: number, range: readonly [number, number]): number[] {
  if (!Number.isInteger(count) || count < 1) throw new EngineError(`discriminativeLrs: count must be a positive integer, got ${count}`);
  if (!Array.isArray(range) || range.length !== 2) throw new EngineError(`discriminativeLrs: the range must be [lowLr, highLr], got ${JSON.stringify(range)}`);
  const [low, high] = range;
  if (!(low > 0) || !(high > 0) || !Number.isFinite(low) || !Number.isFinite(high)) {
    throw new EngineError(`discriminativeLrs: learning rates must be positive numbers, got [${low}, ${high}]`);
  }
  if (low > high) {
    throw new EngineError(`discriminativeLrs: the range [${low}, ${high}] is in the wrong order: `
      + 'pass [lowLr, highLr] with the bottom group\'s (smaller) rate first');
  }
  if (count === 1) return [high];
  return Array.from({ length: count }, (_, i) => low * (high / low) ** (i / (count - 1)));
}

/** One optimizer parameter group per layer group, named after it, with the given lrs (frozen ones included). */
export function groupParams(model: Module, groups: LayerGroup[], lrs: readonly number[]): Array<GroupSpec & { lr: number }> {
  if (lrs.length !== groups.length) throw new EngineError(`groupParams: got ${lrs.length} learning rates for ${groups.length} layer groups`);
  const named = model.namedParameters();
  return groups.map((g, i) => ({ name: g.name, lr: lrs[i]!, params: named.filter(([path]) => globMatches(g.globs, path)).map(([, p]) => p) }));
}
