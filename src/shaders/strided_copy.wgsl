// strided_copy.wgsl: moves 32-bit words between a contiguous tensor and a strided window of another.
//   MODE 0 (gather):  dst[i] = src[offset + Σ idx_d · strides[d]]   — permute, slice, expand
//   MODE 1 (scatter): dst[offset + Σ idx_d · strides[d]] = src[i]   — concat, slice backward
// idx is the row-major multi-index of i in params.shape (rank ≤ 8). Words are u32, so f32 and i32 tensors
// share the kernel. One thread per element of the contiguous side, 256 per workgroup.

override MODE: u32 = 0u;

struct Params {
  n: u32,
  rank: u32,
  offset: u32,
  shape: array<vec4<u32>, 2>,
  strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  var rem = i;
  var j = params.offset;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let size = params.shape[d / 4][d % 4];
    j += (rem % size) * params.strides[d / 4][d % 4];
    rem = rem / size;
  }
  if (MODE == 0u) {
    dst[i] = src[j];
  } else {
    dst[j] = src[i];
  }
}
