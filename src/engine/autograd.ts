// Reverse-mode autograd. An op that has an input needing a gradient attaches a GradNode to its output: the
// edges to its inputs, the tensors its backward rule needs (saved as aliases that keep their memory alive
// even if the user disposes the originals), and the rule itself. backward() hands the graph to the reverse
// walk, engine/backward.ts, which the main entry registers (registerGradOps). GradNode itself is declared in
// tensor.ts, beside the Tensor that carries it: the two types refer to each other.
//
// Memory: a node is reference-counted by the live tensors that carry it and by its child nodes. When the
// count drops to zero (the graph is unreachable) or after backward() has run, the node frees what it saved.

import { EngineError, ShapeError, fmtShape } from './errors.ts';
import { GradNode, installBackward, type BackwardRule, type Edge, type Tensor } from './tensor.ts';

export { GradNode, type BackwardRule } from './tensor.ts';

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Whether `fn` was written `async` (its body would outlive a synchronous mode switch). */
export function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && (fn.constructor?.name === 'AsyncFunction' || fn.constructor?.name === 'AsyncGeneratorFunction');
}

/**
 * Runs `fn` without recording the graph (inference, optimizer updates). Synchronous functions only: the
 * switch is global, so an async function would leave gradients off for any other code that runs during its
 * awaits. An async function (or one returning a promise) is refused with a TypeError, and the mode is
 * restored before the error. For async inference, wrap each synchronous step: `const y = noGrad(() =>
 * model.forward(x)); await y.data();` (ops only record, so nothing is lost by reading outside).
 */
export function noGrad<R>(fn: () => R): R {
  if (typeof (fn as unknown) !== 'function') throw new TypeError('noGrad: expected a function');
  if (isAsyncFunction(fn)) throw new TypeError(NO_GRAD_ASYNC);
  const previous = gradEnabled;
  gradEnabled = false;
  let result: R;
  try {
    result = fn();
  } finally {
    gradEnabled = previous;
  }
  if (result instanceof Promise) {
    void result.catch(() => undefined);
    throw new TypeError(NO_GRAD_ASYNC);
  }
  return result;
}

const NO_GRAD_ASYNC =
  'noGrad: the function must be synchronous (gradient mode is global, so it would leak into other code during an await); ' +
  'wrap each synchronous step instead: noGrad(() => model.forward(x)), then await the result outside';

/** Whether an op on these inputs must record a node. */
export function needsGrad(inputs: ReadonlyArray<Tensor | null | undefined>): boolean {
  return gradEnabled && inputs.some((t) => t?.requiresGrad);
}

// The engine supplies the tensor operations autograd itself needs (kept out of this module's imports so the
// core stays a leaf of the dependency graph), and the walk that runs the rules (engine/backward.ts), so an
// app that imports only webgpu-tensor/core, which does not train, bundles neither.
export interface GradOps {
  onesLike(t: Tensor): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  addInto(dst: Tensor, src: Tensor): void;
  copyInto(dst: Tensor, src: Tensor): void;
  copyOf(t: Tensor): Tensor;
  /** A gradient summed over the dims its input was broadcast along, back to `shape` (reduce-kernels' sumTo). */
  sumTo(g: Tensor, shape: readonly number[]): Tensor;
}
/** The reverse walk (engine/backward.ts), given the registered ops. */
export type BackwardWalk = (root: Tensor, grad: Tensor | undefined, ops: GradOps) => void;
let ops: GradOps | null = null;
/** The main entry (engine/methods.ts) wires autograd: the ops it needs, and the walk Tensor.backward runs. */
export function registerGradOps(o: GradOps, w: BackwardWalk): void {
  ops = o;
  installBackward((root, grad) => w(root, grad, o));
}

/**
 * The registered sumTo, for the backward rule of an op that must stay free of the reductions (matmul, so
 * that an app that only multiplies does not bundle them). Rules run only inside backward(), which needs
 * the ops registered.
 */
export function sumToForBackward(g: Tensor, shape: readonly number[]): Tensor {
  if (!ops) throw new EngineError('backward: autograd is not wired up (import the main entry, webgpu-tensor)');
  return ops.sumTo(g, shape);
}

/**
 * Attaches the backward rule of op `op` to `out`, if any input needs a gradient. `saved` are the tensors the
 * rule reads; they are aliased so the caller may dispose its own handles.
 */
export function attach(op: string, inputs: ReadonlyArray<Tensor | null | undefined>, out: Tensor, saved: Tensor[], rule: BackwardRule): Tensor {
  if (!needsGrad(inputs)) return out;
  const edges: Edge[] = inputs.map((t) => {
    if (!t || !t.requiresGrad) return null;
    if (t.gradFn) return { node: t.gradFn };
    return { leaf: t };
  });
  const node = new GradNode(op, out.shape, edges, saved.map((s) => s.alias()), rule);
  out.setGradFn(node);
  return out;
}
