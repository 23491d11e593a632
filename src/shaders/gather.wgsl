// gather.wgsl: torch.gather along one dim, and its deterministic backward.
// Layout: x f32 with shape params.x_shape, index i32 with shape params.i_shape (same rank, at most 8 dims,
//   packed in vec4s; i_shape[d] ≤ x_shape[d] for d ≠ dim), both contiguous row-major.
//   BACKWARD = false: y[p] = x[p with p[dim] replaced by index[p]]       one thread per index element (n)
//   BACKWARD = true:  dx[q] = Σ_{k : index[q with q[dim] = k] = q[dim]} g[q with q[dim] = k]
//       one thread per input element (n), looping over the index entries along `dim` at its position in
//       order: no atomics, so repeated indices sum in a fixed order and the result is the same bits on
//       every run (O(index.shape[dim]) per element). Elements outside the index's extent get 0.
// An index outside [0, x_shape[dim]) reads 0 and trips the device-side index check (the first bad value
// goes to `err` as [check_id, value], see src/engine/index-checks.ts; the next readback throws).

override BACKWARD: bool = false;

struct Params {
  n: u32,
  rank: u32,
  dim: u32,
  check_id: u32,
  x_shape: array<vec4<u32>, 2>,
  i_shape: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> index: array<i32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read_write> err: array<atomic<u32>, 4>;
@group(0) @binding(4) var<uniform> params: Params;

fn x_dim(d: u32) -> u32 { return params.x_shape[d / 4u][d % 4u]; }
fn i_dim(d: u32) -> u32 { return params.i_shape[d / 4u][d % 4u]; }

// report_bad_index(t) comes from index_check.wgsl, which the engine prepends.

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let limit = x_dim(params.dim);
  if (!BACKWARD) {
    // i walks the index; build the offset into x with the dim's coordinate taken from index[i].
    let t = index[i];
    if (t < 0 || u32(t) >= limit) {
      report_bad_index(t);
      dst[i] = 0.0;
      return;
    }
    var rem = i;
    var off = 0u;
    var stride = 1u;
    for (var d = i32(params.rank) - 1; d >= 0; d--) {
      let du = u32(d);
      let c = rem % i_dim(du);
      rem = rem / i_dim(du);
      off += select(c, u32(t), du == params.dim) * stride;
      stride *= x_dim(du);
    }
    dst[i] = src[off];
    return;
  }
  // i walks x; find its position in the index (with the dim's coordinate at 0) and the index's stride there.
  var rem = i;
  var base = 0u;
  var stride = 1u;
  var dim_stride = 1u;
  var want = 0u;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let c = rem % x_dim(du);
    rem = rem / x_dim(du);
    if (du == params.dim) {
      want = c;
      dim_stride = stride;
    } else {
      if (c >= i_dim(du)) { dst[i] = 0.0; return; }
      base += c * stride;
    }
    stride *= i_dim(du);
  }
  var acc = 0.0;
  let count = i_dim(params.dim);
  for (var k = 0u; k < count; k++) {
    let off = base + k * dim_stride;
    if (index[off] == i32(want)) { acc += src[off]; }
  }
  dst[i] = acc;
}
