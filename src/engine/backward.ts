// The reverse walk of autograd (engine/autograd.ts records the graph): nodes in reverse topological order
// (iterative, deterministic: parents in argument order), gradients summed per node, leaf gradients
// accumulated into `.grad` in place (PyTorch semantics: it adds until zeroed). The main entry registers it
// (engine/methods.ts), with the ops it needs; webgpu-tensor/core, which does not train, does not bundle it.

import { noGrad, type GradNode, type GradOps } from './autograd.ts';
import { EngineError, ShapeError, fmtShape } from './errors.ts';
import { gradDestination } from './grad-destination.ts';
import { keep } from './scope.ts';
import type { Tensor } from './tensor.ts';

/** d(root)/d(leaves), accumulated into each leaf's `.grad`. */
export function runBackward(root: Tensor, grad: Tensor | undefined, ops: GradOps): void {
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
  noGrad(() => {
    if (!root.gradFn) {
      accumulateLeaf(root, seed, ops);
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
        let results: ReadonlyArray<Tensor | null> = [];
        let handles: Array<Tensor | null>;
        const routed = new Set<Tensor>();
        const aliases: Tensor[] = [];
        try {
          results = node.rule(g, node.saved, node.edges.map((e) => e !== null));
          // A rule may return the same handle twice (add) or its incoming gradient: give each edge its own handle
          // (aliases share memory) before any of them is consumed.
          handles = node.edges.map((edge, i) => {
            const gi = results[i] ?? null;
            if (!edge || !gi) return null;
            const want = 'node' in edge ? edge.node.outShape : edge.leaf.shape;
            if (gi.shape.length !== want.length || gi.shape.some((d, k) => d !== want[k])) {
              throw new EngineError(`backward of ${node.op}: gradient for input ${i} has shape ${fmtShape(gi.shape)}, expected ${fmtShape(want)}`);
            }
            const h = routed.has(gi) || gi === g ? gi.alias() : gi;
            if (h !== gi) aliases.push(h);
            routed.add(gi);
            return h;
          });
        } catch (e) {
          // A rule that throws (a forced kernel version that does not take the shape) leaves nothing behind:
          // its incoming gradient, what it returned and the aliases made for it.
          for (const r of new Set([g, ...results, ...aliases])) if (r && !r.isDisposed) r.dispose();
          throw e;
        }
        node.edges.forEach((edge, i) => {
          const gi = handles[i];
          if (!edge || !gi) return;
          if ('node' in edge) {
            const prev = grads.get(edge.node);
            if (prev) {
              grads.set(edge.node, ops.add(prev, gi));
              prev.dispose();
              gi.dispose();
            } else {
              grads.set(edge.node, gi);
            }
          } else {
            accumulateLeaf(edge.leaf, gi, ops);
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
  });
}

function accumulateLeaf(leaf: Tensor, g: Tensor, ops: GradOps): void {
  if (leaf.isDisposed) {
    g.dispose();
    return;
  }
  if (leaf.grad) {
    ops.addInto(leaf.grad, g);
    g.dispose();
    return;
  }
  const destination = gradDestination(leaf);
  if (destination) {
    // A preallocated destination (grad-destination.ts): copy (it may hold a stale gradient), and it becomes the grad.
    ops.copyInto(destination, g);
    leaf.grad = destination;
    g.dispose();
  } else if (g.storageRefCount === 1) {
    leaf.grad = keep(g);
  } else {
    leaf.grad = keep(ops.copyOf(g));
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
