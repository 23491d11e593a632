// Building parameter groups from a model: by path glob (per-layer learning rates) and by depth (layer-wise
// learning-rate decay). Both return plain group specs for any optimizer constructor.

import { EngineError, checkOptions } from '../engine/internal.ts';
import { globMatches, showGlob, type PathGlob } from './glob.ts';
import type { Module } from './module.ts';
import type { Parameter } from './parameter.ts';

/**
 * A rule: the parameters whose path matches `match` (and not `exclude`), with hyperparameters. The
 * hyperparameter keys are checked when the groups reach an optimizer constructor: a key that optimizer does
 * not accept (`weight_decay`, or `momentum` for Adam) throws there, naming the group and the accepted keys.
 */
export interface GroupRule {
  match: PathGlob;
  exclude?: PathGlob;
  /** A label for the group (default: the glob). */
  name?: string;
  /** Hyperparameters of the group: lr, weightDecay, momentum, betas, ... */
  [hyper: string]: unknown;
}

/** A parameter group for any optimizer constructor. */
export interface GroupSpec {
  params: Parameter[];
  name: string;
  [hyper: string]: unknown;
}

export interface ParamGroupsOptions {
  /** Put the parameters no rule selects into a last group with the optimizer's defaults (default true). */
  rest?: boolean;
}

/**
 * Groups `model`'s parameters by path globs. Rules are an ordered list and the LAST rule that selects a
 * parameter wins (so put general rules first and exceptions after). A rule's `exclude` removes parameters
 * from that rule only. Parameters no rule selects form a final group named 'rest' with the optimizer's default
 * hyperparameters (unless `rest: false`, which leaves them out of the optimizer). A rule whose glob selects
 * no parameter at all is an error (a typo would otherwise silently change nothing). Frozen parameters are
 * grouped too; optimizers skip them until they are unfrozen.
 *
 *   paramGroups(model, [{ match: '**', lr: 1e-4 }, { match: 'head', lr: 1e-2 }, { match: '**.bias', weightDecay: 0 }])
 */
export function paramGroups(model: Module, rules: GroupRule[], options: ParamGroupsOptions = {}): GroupSpec[] {
  checkOptions('paramGroups', options, ['rest']);
  const named = model.namedParameters();
  const winner = new Map<Parameter, number>();
  rules.forEach((rule, ri) => {
    if (!rule || rule.match === undefined) throw new EngineError(`paramGroups: rule ${ri} has no match glob`);
    let any = false;
    for (const [path, p] of named) {
      if (!globMatches(rule.match, path)) continue;
      any = true;
      if (rule.exclude !== undefined && globMatches(rule.exclude, path)) continue;
      winner.set(p, ri);
    }
    if (!any) throw new EngineError(`paramGroups: rule ${ri} ${showGlob(rule.match)} matches no parameter (parameters: ${named.map(([p]) => p).join(', ')})`);
  });
  const groups = rules.map((rule, ri) => {
    const { match, exclude: _exclude, name, ...hyper } = rule;
    const params = named.filter(([, p]) => winner.get(p) === ri).map(([, p]) => p);
    return { ...hyper, name: name ?? (typeof match === 'string' ? match : match.join('|')), params } as GroupSpec;
  });
  const rest = named.filter(([, p]) => !winner.has(p)).map(([, p]) => p);
  if ((options.rest ?? true) && rest.length > 0) groups.push({ name: 'rest', params: rest });
  return groups.filter((g) => g.params.length > 0);
}

export interface LayerwiseOptions {
  /** The lr of the top layer (depth 0). */
  baseLr: number;
  /** Multiplier per layer going down: lr(depth) = baseLr · decay^depth. */
  decay: number;
  /**
   * Depth of a parameter from the top (0 = the top). Default: the layers (modules that own parameters
   * directly) in registration order, the last one at depth 0, the one before at depth 1, and so on.
   */
  depthOf?: (path: string) => number;
  /** Other hyperparameters for every group (weightDecay, ...). */
  [hyper: string]: unknown;
}

/**
 * Layer-wise learning-rate decay: one group per depth, lr = baseLr · decay^depth, ordered from the bottom
 * layer to the top. Each group is named `depth N`.
 */
export function layerwiseLrGroups(model: Module, options: LayerwiseOptions): Array<GroupSpec & { lr: number }> {
  const { baseLr, decay, depthOf, ...hyper } = options;
  if (!(baseLr >= 0) || !(decay > 0)) throw new EngineError(`layerwiseLrGroups: need baseLr ≥ 0 and decay > 0, got ${baseLr}, ${decay}`);
  const named = model.namedParameters();
  const layerOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('.')));
  const layers = [...new Set(named.map(([path]) => layerOf(path)))];
  const depth = depthOf ?? ((path: string) => layers.length - 1 - layers.indexOf(layerOf(path)));
  const byDepth = new Map<number, Parameter[]>();
  for (const [path, p] of named) {
    const d = depth(path);
    if (!Number.isInteger(d) || d < 0) throw new EngineError(`layerwiseLrGroups: depth of "${path}" must be an integer ≥ 0, got ${d}`);
    if (!byDepth.has(d)) byDepth.set(d, []);
    byDepth.get(d)!.push(p);
  }
  return [...byDepth.keys()]
    .sort((a, b) => b - a)
    .map((d) => ({ ...hyper, name: `depth ${d}`, lr: baseLr * decay ** d, params: byDepth.get(d)! }));
}
