// The model `fit` trains, made from what it was given: a whole model (its head replaced when it has the wrong
// number of outputs) or a trunk (a new head attached), truncated first for 'truncate-fine-tune', and its layer
// groups (the trunk's own groups, then the head). Also `buildArchitecture`, which `load` uses to make the same
// model again from its saved description.
//
// The new head: Flatten · Linear when the trunk's output is a vector or a small map (≤ 16 positions, as the
// digits trunk's 3×3), else AdaptiveAvgPool2d(1) · Flatten · Linear ('pool-linear'), as the zoo models end.

import { EngineError, ShapeError, fmtShape } from '../engine/internal.ts';
import { AdaptiveAvgPool2d, Flatten, Linear, Module, Sequential } from '../nn/index.ts';
import { digitsCnn } from '../models/digits-cnn.ts';
import { resnet18, resnet34 } from '../models/resnet.ts';
import { mobilenetV2 } from '../models/mobilenetv2.ts';
import { attachHead, truncate } from './cut.ts';
import { layerGroups, type LayerGroup } from './layer-groups.ts';
import { outputShape } from './shapes.ts';
import { ARCHITECTURES, type Architecture } from './model-info.ts';

/** The path of the model's last Linear layer (its classifier), or null. */
export function headPath(model: Module): string | null {
  const linears = model.namedModules().filter(([, m]) => m instanceof Linear);
  return linears.length ? linears[linears.length - 1]![0] : null;
}

/** The number of outputs of the model's classifier, or null when it has none. */
export function headOutputs(model: Module): number | null {
  const p = headPath(model);
  return p === null ? null : (model.getSubmodule(p) as Linear).outFeatures;
}

export function newHead(kind: 'linear' | 'pool-linear', features: number, numClasses: number): Sequential {
  const linear = new Linear(features, numClasses);
  return kind === 'linear' ? new Sequential(new Flatten(), linear) : new Sequential(new AdaptiveAvgPool2d(1), new Flatten(), linear);
}

/** The head kind and its input features for a trunk whose output (one sample) has `shape`. */
export function headFor(shape: readonly number[]): { kind: 'linear' | 'pool-linear'; features: number } {
  if (shape.length === 4 && shape[2]! * shape[3]! > 16) return { kind: 'pool-linear', features: shape[1]! };
  return { kind: 'linear', features: shape.slice(1).reduce((a, b) => a * b, 1) };
}

/** trunk + a new head for `numClasses` (Sequential { trunk, head }). */
export function withNewHead(
  op: string, trunk: Module, inputShape: readonly number[], numClasses: number,
): { model: Sequential; head: 'linear' | 'pool-linear' } {
  let out: number[];
  try {
    out = outputShape(trunk, [1, ...inputShape]);
  } catch (err) {
    if (err instanceof ShapeError) throw new ShapeError(`${op}: the trunk does not take the data's images ${fmtShape([1, ...inputShape])}: ${err.message}`);
    throw err;
  }
  const { kind, features } = headFor(out);
  return { model: attachHead(trunk, newHead(kind, features, numClasses)), head: kind };
}

/** Layer groups of a Sequential { trunk, head }: the trunk's own groups (prefixed), then the head. */
export function trunkHeadGroups(model: Sequential): LayerGroup[] {
  const trunk = model.getSubmodule('trunk');
  const inner = trunk.parameters().length ? layerGroups(trunk) : [];
  return [...inner.map((g) => ({ name: `trunk.${g.name}`, globs: g.globs.map((x) => `trunk.${x}`) })), { name: 'head', globs: ['head'] }];
}

/** A model from its saved description (model-info.ts's Architecture). */
export function buildArchitecture(a: Architecture, inputShape?: readonly number[]): Module {
  if (!a || typeof a.name !== 'string' || !Number.isInteger(a.numClasses) || a.numClasses < 1) {
    throw new EngineError(`load: the architecture must be { name, numClasses, ... }, got ${JSON.stringify(a)}`);
  }
  let base: Module;
  if (a.name === 'resnet18') base = resnet18({ numClasses: a.numClasses });
  else if (a.name === 'resnet34') base = resnet34({ numClasses: a.numClasses });
  else if (a.name === 'mobilenet_v2') base = mobilenetV2({ numClasses: a.numClasses, ...(a.widthMult !== undefined ? { widthMult: a.widthMult } : {}) });
  else if (a.name === 'digits-cnn') base = digitsCnn(a.numClasses);
  else throw new EngineError(`load: unknown architecture "${a.name}" (known: ${ARCHITECTURES.join(', ')})`);
  if (a.truncateAt === undefined) return base;
  if (!inputShape) throw new EngineError('load: a truncated architecture needs the input spec to size its head');
  const trunk = truncate(base, a.truncateAt);
  const out = outputShape(trunk, [1, ...inputShape]);
  const { features } = headFor(out);
  return attachHead(trunk, newHead(a.head ?? headFor(out).kind, features, a.numClasses));
}

/** The architecture name of a model fit or load can rebuild, or null. */
export function architectureName(model: Module): string | null {
  const name = model.typeName;
  if (name === 'DigitsCnn') return 'digits-cnn';
  const arch = (model as { arch?: unknown }).arch;
  if (typeof arch === 'string' && (arch === 'resnet18' || arch === 'resnet34')) return arch;
  if (name === 'MobileNetV2') return 'mobilenet_v2';
  return null;
}
