// softmax_rows_vec4.wgsl (v4): softmax_rows.wgsl (v3) for the softmax over the last dim (inner = 1) of rows whose
// length R is a multiple of 4: x and y bound as array<vec4<f32>>, a thread per row walking it a vec4 at a time
// (one 16-byte load where v3 makes four). The CPU rules' pick for such rows.
//   y = exp(x − m) / Σ exp(x − m)       LOG: y = x − m − log Σ exp(x − m),   m = max over the row
// v3's NaN and ±inf rules, component by component (float_bits.wgsl is prepended): a NaN or +inf in a row makes
// the row NaN, a -inf entry gives 0 (log: -inf). No workgroup memory, no barrier.
//
// Quick run (GPU timestamps, quiet machine, the auto choice of the softmax [256,1000] row): bench/results/2026-12-08-google-swiftshader-chrome-jaxjs.json.
// | version | idea                                                                | figure                              |
// | ------- | ------------------------------------------------------------------- | ----------------------------------- |
// | v1      | ROW_THREADS threads per row, a workgroup per row (softmax)          | see softmax.wgsl                    |
// | v2      | ranges of a row across workgroups, max/sum combined (softmax_split) | not benchmarked (no bench case yet) |
// | v3      | a thread per row, no barrier (softmax_rows)                         | probe only (softmax.ts)             |
// | v4      | v3 with vec4 loads over the last dim (this file)                    | [256,1000] 2.18 ms (quick run)      |

override LOG: bool = false;

struct Params { rows: u32, reduce: u32, inner: u32 }

// WGSL rejects NaN and infinity in constant expressions, so their bit patterns live in private vars.
var<private> NEG_INF_BITS: u32 = 0xff800000u;

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

fn max4(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(max_nan_(a.x, b.x), max_nan_(a.y, b.y), max_nan_(a.z, b.z), max_nan_(a.w, b.w));
}

fn exp4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(exp_nan_(v.x), exp_nan_(v.y), exp_nan_(v.z), exp_nan_(v.w));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (k >= params.rows) { return; }
  let words = params.reduce / 4u;
  let base = k * words;
  let end = base + words;
  var m4 = vec4<f32>(bitcast<f32>(NEG_INF_BITS));
  for (var j = base; j < end; j++) { m4 = max4(m4, x[j]); }
  let m = max_nan_(max_nan_(m4.x, m4.y), max_nan_(m4.z, m4.w));
  var s4 = vec4<f32>(0.0);
  for (var j = base; j < end; j++) { s4 += exp4(x[j] - vec4<f32>(m)); }
  let s = (s4.x + s4.y) + (s4.z + s4.w);
  let log_s = select(log(s), s, is_nan_(s)); // log(NaN) is NaN whatever the builtin does
  for (var j = base; j < end; j++) {
    if (LOG) { y[j] = x[j] - vec4<f32>(m) - vec4<f32>(log_s); } else { y[j] = exp4(x[j] - vec4<f32>(m)) / vec4<f32>(s); }
  }
}
