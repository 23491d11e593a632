// Reverse-mode autograd. An op that has an input needing a gradient attaches a GradNode to its output: the
// edges to its inputs, the tensors its backward rule needs (saved as aliases that keep their memory alive
// even if the user disposes the originals), and the rule itself. backward() walks the nodes in reverse
// topological order (iterative, deterministic: parents in argument order), sums gradients per node, and
// accumulates leaf gradients into `.grad` in place (PyTorch semantics: it adds until zeroed).
//
// Memory: a node is reference-counted by the live tensors that carry it and by its child nodes. When the
// count drops to zero (the graph is unreachable) or after backward() has run, the node frees what it saved.

import { EngineError, ShapeError, fmtShape } from './errors.ts';
import { keep } from './scope.ts';
import type { Tensor } from './tensor.ts';

/**
 * Given the gradient of the output, returns one gradient per input (null where `needs[i]` is false: rules
 * skip that work, so a frozen weight costs no weight-gradient kernel).
 */
export type BackwardRule = (grad: Tensor, saved: Tensor[], needs: boolean[]) => Array<Tensor | null>;

type Edge = { node: GradNode } | { leaf: Tensor } | null;

export class GradNode {
  refs = 0;
  freed = false;

  constructor(
    readonly op: string,
    readonly outShape: readonly number[],
    public edges: Edge[],
    public saved: Tensor[],
    public rule: BackwardRule | null,
  ) {
    for (const e of edges) if (e && 'node' in e) e.node.refs++;
  }

  decRef(): void {
    if (this.freed) return;
    if (--this.refs <= 0) this.free();
  }

  /** Releases saved tensors and the edges; the parents lose one reference each. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const s of this.saved) s.dispose();
    const edges = this.edges;
    this.saved = [];
    this.edges = [];
    this.rule = null;
    for (const e of edges) if (e && 'node' in e) e.node.decRef();
  }
}

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
// core stays a leaf of the dependency graph).
export interface GradOps {
  onesLike(t: Tensor): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  addInto(dst: Tensor, src: Tensor): void;
  copyInto(dst: Tensor, src: Tensor): void;
  copyOf(t: Tensor): Tensor;
}
let ops: GradOps | null = null;
export function registerGradOps(o: GradOps): void {
  ops = o;
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

/** d(root)/d(leaves), accumulated into each leaf's `.grad`. */
export function backward(root: Tensor, grad?: Tensor): void {
  if (!ops) throw new EngineError("backward: autograd is wired up by the main entry: import 'webgpu-tensor' (webgpu-tensor/core alone does not train)");
  if (!root.requiresGrad) throw new EngineError(`backward: the tensor ${fmtShape(root.shape)} does not require grad and has no grad_fn`);
  if (grad && (grad.shape.length !== root.shape.length || grad.shape.some((d, i) => d !== root.shape[i]))) {
    throw new ShapeError(`backward: gradient shape ${fmtShape(grad.shape)} does not match the tensor's ${fmtShape(root.shape)}`);
  }
  if (!grad && root.size !== 1) {
    throw new ShapeError(`backward: grad can be implicitly created only for a single-element tensor, got ${fmtShape(root.shape)}; pass a gradient`);
  }
  if (root.gradFn?.freed) {
    throw new EngineError(`backward: trying to backward through the graph a second time (op ${root.gradFn.op}); its saved tensors were already freed`);
  }
  const seed = grad ? grad.alias() : ops.onesLike(root);
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    if (!root.gradFn) {
      accumulateLeaf(root, seed);
      return;
    }
    const order = topoOrder(root.gradFn);
    // Pin every node: freeing a processed node must not cascade into parents still waiting their turn.
    for (const node of order) node.refs++;
    const grads = new Map<GradNode, Tensor>([[root.gradFn, seed]]);
    try {
      for (const node of order) {
        const g = grads.get(node);
        grads.delete(node);
        if (!g) {
          node.free();
          continue;
        }
        if (node.freed || !node.rule) {
          g.dispose();
          throw new EngineError(`backward: trying to backward through the graph a second time (op ${node.op}); its saved tensors were already freed`);
        }
        const results = node.rule(g, node.saved, node.edges.map((e) => e !== null));
        // A rule may return the same handle twice (add) or its incoming gradient: give each edge its own handle
        // (aliases share memory) before any of them is consumed.
        const routed = new Set<Tensor>();
        const handles = node.edges.map((edge, i) => {
          const gi = results[i] ?? null;
          if (!edge || !gi) return null;
          const want = 'node' in edge ? edge.node.outShape : edge.leaf.shape;
          if (gi.shape.length !== want.length || gi.shape.some((d, k) => d !== want[k])) {
            throw new EngineError(`backward of ${node.op}: gradient for input ${i} has shape ${fmtShape(gi.shape)}, expected ${fmtShape(want)}`);
          }
          const h = routed.has(gi) || gi === g ? gi.alias() : gi;
          routed.add(gi);
          return h;
        });
        node.edges.forEach((edge, i) => {
          const gi = handles[i];
          if (!edge || !gi) return;
          if ('node' in edge) {
            const prev = grads.get(edge.node);
            if (prev) {
              grads.set(edge.node, ops!.add(prev, gi));
              prev.dispose();
              gi.dispose();
            } else {
              grads.set(edge.node, gi);
            }
          } else {
            accumulateLeaf(edge.leaf, gi);
          }
        });
        for (const r of results) if (r && r !== g && !routed.has(r) && !r.isDisposed) r.dispose();
        g.dispose();
        node.free();
      }
    } finally {
      // Whether the walk finished or a rule threw, the graph is spent: free every node and leftover gradient.
      for (const g of grads.values()) g.dispose();
      for (const node of order) node.free();
    }
  } finally {
    gradEnabled = previous;
  }
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.isDisposed) {
    g.dispose();
    return;
  }
  if (leaf.grad) {
    ops!.addInto(leaf.grad, g);
    g.dispose();
  } else if (leaf.gradHome && !leaf.gradHome.isDisposed) {
    // An optimizer's flat-buffer slot: copy (it may hold a stale gradient) and mark the leaf as reached.
    ops!.copyInto(leaf.gradHome, g);
    leaf.grad = leaf.gradHome;
    g.dispose();
  } else if (g.storageRefCount === 1) {
    leaf.grad = keep(g);
  } else {
    leaf.grad = keep(ops!.copyOf(g));
    g.dispose();
  }
}

/** Nodes reachable from `root`, each after every node that depends on it. Iterative DFS. */
export function topoOrder(root: GradNode): GradNode[] {
  const post: GradNode[] = [];
  const visited = new Set<GradNode>([root]);
  const stack: Array<{ node: GradNode; next: number }> = [{ node: root, next: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const edge = top.node.edges[top.next++];
    if (top.next > top.node.edges.length) {
      post.push(top.node);
      stack.pop();
      continue;
    }
    if (edge && 'node' in edge && !visited.has(edge.node)) {
      visited.add(edge.node);
      stack.push({ node: edge.node, next: 0 });
    }
  }
  return post.reverse();
}
