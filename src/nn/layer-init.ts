// What several layers share when they are built and printed: PyTorch's uniform initialization of weights and
// biases, and the way a [h, w] pair reads in a layer's repr (`3`, or `(3, 5)` when the sides differ).

import { rand } from '../engine/internal.ts';
import { Parameter } from './parameter.ts';

/** U(−bound, bound) as a Parameter (PyTorch's kaiming_uniform(a=√5) for weights and its bias rule). */
export function uniformParameter(shape: number[], bound: number): Parameter {
  const t = rand(shape, { low: -bound, high: bound });
  const p = new Parameter(t);
  t.dispose();
  return p;
}

/** A pair as PyTorch prints it: one number when both sides agree. */
export function showPair(p: readonly [number, number]): string {
  return p[0] === p[1] ? `${p[0]}` : `(${p[0]}, ${p[1]})`;
}
