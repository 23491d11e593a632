// The autograd graph's bookkeeping, without a GPU: topological order and reference counting.

import { describe, expect, it } from 'vitest';
import { GradNode } from '../../src/engine/autograd.ts';
import { topoOrder } from '../../src/engine/backward.ts';
import type { Tensor } from '../../src/engine/tensor.ts';

/** A stand-in for a saved tensor: only dispose() is called on it. */
function savedStub(log: string[], name: string): Tensor {
  return { dispose: () => log.push(name) } as unknown as Tensor;
}

describe('autograd graph', () => {
  it('orders a diamond so every node precedes the nodes it depends on', () => {
    // a → b, a → c, (b, c) → d
    const a = new GradNode('a', [1], [], [], () => []);
    const b = new GradNode('b', [1], [{ node: a }], [], () => []);
    const c = new GradNode('c', [1], [{ node: a }], [], () => []);
    const d = new GradNode('d', [1], [{ node: b }, { node: c }], [], () => []);
    const order = topoOrder(d).map((n) => n.op);
    expect(order[0]).toBe('d');
    expect(order[order.length - 1]).toBe('a');
    expect(new Set(order).size).toBe(4);
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('a'));
    expect(order.indexOf('c')).toBeLessThan(order.indexOf('a'));
  });

  it('handles deep chains without recursion', () => {
    let node = new GradNode('n0', [1], [], [], () => []);
    for (let i = 1; i < 20000; i++) node = new GradNode(`n${i}`, [1], [{ node }], [], () => []);
    const order = topoOrder(node);
    expect(order.length).toBe(20000);
    expect(order[0]!.op).toBe('n19999');
  });

  it('frees saved tensors when the last reference goes, and cascades to parents', () => {
    const log: string[] = [];
    const parent = new GradNode('parent', [1], [], [savedStub(log, 'p')], () => []);
    parent.refs++; // held by its output tensor
    const child = new GradNode('child', [1], [{ node: parent }], [savedStub(log, 'c')], () => []);
    child.refs++;
    expect(parent.refs).toBe(2);
    parent.decRef(); // the parent's tensor is disposed: the child still needs it
    expect(parent.freed).toBe(false);
    child.decRef(); // the last tensor goes: the whole graph is released
    expect(child.freed).toBe(true);
    expect(parent.freed).toBe(true);
    expect(log).toEqual(['c', 'p']);
    child.decRef(); // idempotent
    expect(log).toEqual(['c', 'p']);
  });
});
