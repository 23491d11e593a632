// How nn.Sequential runs an activation inside the layer beside it: fusion is data each layer declares (a hook,
// `[FUSION]()`), not checks in Sequential. A layer that can apply an activation to its own output in its kernel
// declares an `epilogue` (Linear: relu; Conv2d, BatchNorm2d / BatchNorm1d: relu, relu6), one that can apply it
// to its input a `prologue` (MaxPool2d: relu), and an activation layer says which activation it is (ReLU, ReLU6).
// Sequential then folds
//   layer → activation   into the layer's epilogue, unless the module after the activation takes it as a
//                        prologue (Conv2d → ReLU → MaxPool2d keeps the ReLU in the pool, whose backward masks for
//                        free, and the conv's bias gradient rides in its weight gradient);
//   activation → layer   into the layer's prologue.
// Same values, gradients and NaN behaviour, fewer passes. A subclass that overrides forward does not fuse: the
// hook stands for the forward of the class that declares it.

import type { Tensor } from '../engine/internal.ts';
import type { Module } from './module.ts';

/** The activations a layer can run in its own kernel (epilogue_act.wgsl's, less 'none'). */
export type FusedActivation = 'relu' | 'relu6';

/** A forward with an activation folded in, for the activations listed. */
export interface FusedForward {
  readonly activations: readonly FusedActivation[];
  run(x: Tensor, activation: FusedActivation): Tensor;
}

/** What a module declares about fusing with its neighbours in a Sequential (every part optional). */
export interface Fusion {
  /** The activation this module is, for a neighbour to take in. */
  readonly activation?: FusedActivation;
  /** act(forward(x)) in one op: the activation after this module. */
  readonly epilogue?: FusedForward;
  /** forward(act(x)) in one op: the activation before this module. */
  readonly prologue?: FusedForward;
}

/** The key of a module's fusion hook. */
export const FUSION: unique symbol = Symbol('nn.fusion');

interface Fusable {
  [FUSION](): Fusion;
}

const NONE: Fusion = Object.freeze({});

/** m's fusion hook, or none when m has none or its class overrides the forward of the class that declared it. */
export function fusionOf(m: Module | undefined): Fusion {
  if (!m || typeof (m as Partial<Fusable>)[FUSION] !== 'function') return NONE;
  let proto: object | null = Object.getPrototypeOf(m) as object | null;
  while (proto && !Object.hasOwn(proto, FUSION)) proto = Object.getPrototypeOf(proto) as object | null;
  return proto && m.forward === (proto as Module).forward ? (m as unknown as Fusable)[FUSION]() : NONE;
}

/** One step of a Sequential's run from child i: a fused pair (span 2), or the child's own forward (span 1). */
export function sequentialStep(kids: readonly Module[], i: number): { run: (x: Tensor) => Tensor; span: 1 | 2 } {
  const m = kids[i]!;
  const own = fusionOf(m);
  const next = fusionOf(kids[i + 1]);
  const prologue = next.prologue;
  const act = own.activation;
  if (act && prologue?.activations.includes(act)) return { run: (x) => prologue.run(x, act), span: 2 };
  const epilogue = own.epilogue;
  const nextAct = next.activation;
  if (nextAct && epilogue?.activations.includes(nextAct) && !fusionOf(kids[i + 2]).prologue?.activations.includes(nextAct)) {
    return { run: (x) => epilogue.run(x, nextAct), span: 2 };
  }
  return { run: (x) => m.forward(x) as Tensor, span: 1 };
}
