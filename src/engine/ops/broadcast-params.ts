// The uniform block of the two-operand broadcast kernels (binary.wgsl, binary_vec4.wgsl, compare.wgsl): the fields that
// broadcast.wgsl, prepended to both, reads to find each operand's element.

import { type ParamsFields, type ParamsValues } from '../../shaders/kernel.ts';
import { broadcastStrides } from '../shape.ts';

export const BROADCAST_PARAMS = {
  n: 'u32',
  shape: 'array<vec4<u32>, 2>',
  a_strides: 'array<vec4<u32>, 2>',
  b_strides: 'array<vec4<u32>, 2>',
} as const satisfies ParamsFields;

/**
 * The block for out = f(a, b) of `shape` (rank ≤ 8, checked by the caller), a and b broadcast to it, and the
 * override constants that go with it: RANK, the number of dims after coalescing, and BROADCAST, false when
 * both operands read element i (equal shapes; binary.wgsl's fast path). `perThread` is 4 when the innermost
 * coalesced dim is a multiple of 4 (4 outputs of one row per thread: binary_vec4.wgsl, or binary.wgsl's PER_THREAD).
 *
 * Dims are coalesced first: a dim of size 1 is dropped, and a dim merges into the one before it when both
 * operands continue contiguously across them (including both broadcast along both), so [N, C, H, W] + [C, 1, 1]
 * becomes [N, C, H·W] + strides [0, 1, 0], and a + b of equal shapes becomes rank 1. The kernel's index loop
 * then runs RANK iterations, a pipeline constant the shader compiler can unroll.
 */
export function broadcastLaunch(
  a: { shape: readonly number[] }, b: { shape: readonly number[] }, shape: readonly number[], n: number,
): { params: ParamsValues<typeof BROADCAST_PARAMS>; constants: { RANK: number; BROADCAST: number }; perThread: 1 | 4 } {
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const dims: Array<{ size: number; a: number; b: number }> = [];
  shape.forEach((size, d) => {
    if (size === 1) return;
    const outer = dims[dims.length - 1];
    if (outer && outer.a === sa[d]! * size && outer.b === sb[d]! * size) {
      outer.size *= size;
      outer.a = sa[d]!;
      outer.b = sb[d]!;
    } else {
      dims.push({ size, a: sa[d]!, b: sb[d]! });
    }
  });
  const elementwise = dims.length === 0 || (dims.length === 1 && dims[0]!.a === 1 && dims[0]!.b === 1);
  const innermost = dims[dims.length - 1]?.size ?? 1;
  return {
    params: { n, shape: dims.map((d) => d.size), a_strides: dims.map((d) => d.a), b_strides: dims.map((d) => d.b) },
    constants: { RANK: dims.length, BROADCAST: elementwise ? 0 : 1 },
    perThread: innermost % 4 === 0 ? 4 : 1,
  };
}
