// argreduce.wgsl (v1): index of the max (or min) over the middle axis of [outer, R, inner], as i32.
//   y[o, i] = argmax_{r < R} x[o, r, i]; ties give the first index, as PyTorch does.
// One workgroup of 64 threads per output: strided partials, then a tree on (value, index) pairs.
//
// | version | idea                                                  | figure                              |
// | ------- | ----------------------------------------------------- | ----------------------------------- |
// | v1      | one workgroup per output, strided + tree (this file)  | not benchmarked (no bench case yet) |
// | v2      | ranges of a row across workgroups (argreduce_split)   | not benchmarked (no bench case yet) |

override OP: u32 = 0u; // 0 argmax, 1 argmin

struct Params { outputs: u32, reduce: u32, inner: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<i32>;
@group(0) @binding(2) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> best_v: array<f32, 64>;
var<workgroup> best_i: array<u32, 64>;

// Is (v, i) better than (w, j)? NaN wins (PyTorch treats NaN as the maximum); ties go to the lower index.
fn better(v: f32, i: u32, w: f32, j: u32) -> bool {
  if (is_nan_(v)) { return !is_nan_(w) || i < j; } // NaN is the largest (and smallest), as in PyTorch
  if (is_nan_(w)) { return false; }
  let strictly = select(v > w, v < w, OP == 1u);
  return strictly || (v == w && i < j);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = wid.x + wid.y * nwg.x;
  let inside = k < params.outputs;
  var bv = 0.0;
  var bi = 0xffffffffu;
  if (inside) {
    let o = k / params.inner;
    let i = k % params.inner;
    let base = o * params.reduce * params.inner + i;
    for (var r = lid; r < params.reduce; r += WG) {
      let v = x[base + r * params.inner];
      if (bi == 0xffffffffu || better(v, r, bv, bi)) { bv = v; bi = r; }
    }
  }
  best_v[lid] = bv;
  best_i[lid] = bi;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      let j = best_i[lid + s];
      if (j != 0xffffffffu && (best_i[lid] == 0xffffffffu || better(best_v[lid + s], j, best_v[lid], best_i[lid]))) {
        best_v[lid] = best_v[lid + s];
        best_i[lid] = j;
      }
    }
    workgroupBarrier();
  }
  if (inside && lid == 0u) { y[k] = i32(best_i[0]); }
}
