// where.wgsl: out[i] = cond[ic] != 0 ? a[ia] : b[ib] (torch.where) with PyTorch broadcasting of all three.
// Layout: cond is int32 (COND_INT, nonzero = true) or float32 (nonzero = true; NaN counts as true, as a
//   nonzero value); a, b and out share one dtype (float32 or int32) and are copied as raw 32-bit words;
//   out is contiguous with shape params.shape (rank ≤ 8, packed in vec4s), the operands are read through
//   element strides (0 along broadcast dims). The backward pass reuses it with a zero for one side.
// One thread per output element.

override COND_INT: bool = true;

struct Params {
  n: u32,
  rank: u32,
  shape: array<vec4<u32>, 2>,
  c_strides: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> cond: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  var rem = i;
  var ic = 0u;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let size = params.shape[d / 4][d % 4];
    let idx = rem % size;
    rem = rem / size;
    ic += idx * params.c_strides[d / 4][d % 4];
    ia += idx * params.a_strides[d / 4][d % 4];
    ib += idx * params.b_strides[d / 4][d % 4];
  }
  let c = cond[ic];
  // Any bit but the sign set means nonzero for f32 (so -0.0 is false); any bit for i32.
  let truthy = select((c & 0x7fffffffu) != 0u, c != 0u, COND_INT);
  out[i] = select(b[ib], a[ia], truthy);
}
