// broadcast.wgsl: the elements of two broadcast operands that output element i reads, for the kernels whose
// `struct Params` holds `shape`, `a_strides` and `b_strides` (binary.wgsl, compare.wgsl): the output index is
// split into coordinates by `shape` (row-major, RANK ≤ 8 dims packed in vec4s) and each operand's offset is
// the dot product with its element strides (0 along its broadcast dims). The engine coalesces the dims first
// (broadcastLaunch, src/engine/ops/broadcast-params.ts: [N, C, H, W] + [C, 1, 1] is rank 3) and passes RANK
// as a pipeline constant, so the loop has a constant trip count the shader compiler can unroll (a CPU
// adapter's compiler otherwise pays for every division and dynamic index). WGSL has no include: the engine
// prepends this file to those kernels' code, like float_bits.wgsl.

override RANK: u32 = 8u;

fn broadcast_offsets(i: u32) -> vec2<u32> {
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(RANK) - 1; d >= 1; d--) {
    let size = params.shape[d / 4][d % 4];
    let idx = rem % size;
    rem = rem / size;
    ia += idx * params.a_strides[d / 4][d % 4];
    ib += idx * params.b_strides[d / 4][d % 4];
  }
  // The outermost dim needs no division: what is left of i < n is its index.
  if (RANK >= 1u) {
    ia += rem * params.a_strides[0].x;
    ib += rem * params.b_strides[0].x;
  }
  return vec2<u32>(ia, ib);
}
