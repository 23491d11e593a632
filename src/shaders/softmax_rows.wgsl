// softmax_rows.wgsl (v3): softmax or log-softmax over the middle axis of [outer, R, inner], a thread per
// (o, i) row and no workgroup memory, no barrier: the CPU rules' softmax. SwiftShader runs a workgroup with
// barriers as coroutines that spill at every one, and softmax.wgsl (v1) has two trees of them per row.
//   y = exp(x − m) / Σ exp(x − m)       LOG: y = x − m − log Σ exp(x − m),   m = max over the axis
// Three walks over the row (max, Σ exp, write), as v1's, with v1's NaN and ±inf rules (float_bits.wgsl is
// prepended): a NaN or +inf in a row makes the row NaN, a -inf entry gives 0 (log: -inf). Thread k is (o, i),
// i fastest, so that neighbouring threads read neighbouring elements when inner > 1.
//
// | version | idea                                                                | figure                              |
// | ------- | ------------------------------------------------------------------- | ----------------------------------- |
// | v1      | ROW_THREADS threads per row, a workgroup per row (softmax)          | see softmax.wgsl                    |
// | v2      | ranges of a row across workgroups, max/sum combined (softmax_split) | not benchmarked (no bench case yet) |
// | v3      | a thread per row, no barrier (this file)                            | probe only (softmax.ts)             |
// | v4      | v3 with vec4 loads over the last dim (softmax_rows_vec4)            | probe only (softmax.ts)             |

override LOG: bool = false;

struct Params { rows: u32, reduce: u32, inner: u32 }

// WGSL rejects NaN and infinity in constant expressions, so their bit patterns live in private vars.
var<private> NEG_INF_BITS: u32 = 0xff800000u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (k >= params.rows) { return; }
  let inner = params.inner;
  let o = k / inner;
  let i = k % inner;
  let base = o * params.reduce * inner + i;
  let end = base + params.reduce * inner;
  var m = bitcast<f32>(NEG_INF_BITS);
  for (var j = base; j < end; j += inner) { m = max_nan_(m, x[j]); }
  var s = 0.0;
  for (var j = base; j < end; j += inner) { s += exp_nan_(x[j] - m); }
  let log_s = select(log(s), s, is_nan_(s)); // log(NaN) is NaN whatever the builtin does
  for (var j = base; j < end; j += inner) {
    if (LOG) { y[j] = x[j] - m - log_s; } else { y[j] = exp_nan_(x[j] - m) / s; }
  }
}
