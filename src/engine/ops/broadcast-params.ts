// The uniform block of the two-operand broadcast kernels (binary.wgsl, compare.wgsl): the fields that
// broadcast.wgsl, prepended to both, reads to find each operand's element.

import { type ParamsFields, type ParamsValues } from '../../shaders/kernel.ts';
import { broadcastStrides } from '../shape.ts';

export const BROADCAST_PARAMS = {
  n: 'u32',
  rank: 'u32',
  shape: 'array<vec4<u32>, 2>',
  a_strides: 'array<vec4<u32>, 2>',
  b_strides: 'array<vec4<u32>, 2>',
} as const satisfies ParamsFields;

/** The block for out = f(a, b) of `shape` (rank ≤ 8, checked by the caller), a and b broadcast to it. */
export function broadcastParams(a: { shape: readonly number[] }, b: { shape: readonly number[] }, shape: readonly number[], n: number): ParamsValues<typeof BROADCAST_PARAMS> {
  return { n, rank: shape.length, shape, a_strides: broadcastStrides(a.shape, shape), b_strides: broadcastStrides(b.shape, shape) };
}
