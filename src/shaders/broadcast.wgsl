// broadcast.wgsl: the elements of two broadcast operands that output element i reads, for the kernels whose
// `struct Params` holds `rank`, `shape`, `a_strides` and `b_strides` (binary.wgsl, compare.wgsl): the output
// index is split into coordinates by `shape` (row-major, rank ≤ 8 packed in vec4s) and each operand's
// offset is the dot product with its element strides (0 along its broadcast dims). WGSL has no include: the
// engine prepends this file to those kernels' code, like float_bits.wgsl.

fn broadcast_offsets(i: u32) -> vec2<u32> {
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let size = params.shape[d / 4][d % 4];
    let idx = rem % size;
    rem = rem / size;
    ia += idx * params.a_strides[d / 4][d % 4];
    ib += idx * params.b_strides[d / 4][d % 4];
  }
  return vec2<u32>(ia, ib);
}
