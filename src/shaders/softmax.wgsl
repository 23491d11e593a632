// softmax.wgsl: softmax or log-softmax over the middle axis of [outer, R, inner].
//   y = exp(x − m) / Σ exp(x − m)       LOG: y = x − m − log Σ exp(x − m),   m = max over the axis
// One workgroup of 64 threads per (o, i) row: a max pass, a sum pass, a write pass, each strided over r
// with a workgroup tree in between. Numerically stable for any input magnitude. NaN and ±inf as PyTorch: a
// NaN or +inf in a row makes the row NaN, a -inf entry gives 0 (log: -inf); float_bits.wgsl is prepended.
// Bench: `npm run bench -- --filter "elementwise,reduce,pool"` (bench/cases/reduce.ts), result
// bench/results/2026-12-02-google-swiftshader-chrome-elementwise-reduce-pool-grid.json (SwiftShader, 2 cores): [256,1000]
// 21.7 ms, TF.js 24.1 ms. No GPU figure yet.

override LOG: bool = false;

struct Params { rows: u32, reduce: u32, inner: u32 }

// WGSL rejects NaN and infinity in constant expressions, so their bit patterns live in private vars.
var<private> NEG_INF_BITS: u32 = 0xff800000u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> scratch: array<f32, 64>;

fn tree_max(lid: u32) -> f32 {
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { scratch[lid] = max_nan_(scratch[lid], scratch[lid + s]); }
    workgroupBarrier();
  }
  let r = scratch[0];
  workgroupBarrier();
  return r;
}

fn tree_sum(lid: u32) -> f32 {
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { scratch[lid] = scratch[lid] + scratch[lid + s]; }
    workgroupBarrier();
  }
  let r = scratch[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = wid.x + wid.y * nwg.x;
  let inside = k < params.rows;
  let o = k / params.inner;
  let i = k % params.inner;
  let base = o * params.reduce * params.inner + i;
  var m = bitcast<f32>(NEG_INF_BITS);
  if (inside) {
    for (var r = lid; r < params.reduce; r += WG) { m = max_nan_(m, x[base + r * params.inner]); }
  }
  scratch[lid] = m;
  workgroupBarrier();
  m = tree_max(lid);
  var s = 0.0;
  if (inside) {
    for (var r = lid; r < params.reduce; r += WG) { s += exp_nan_(x[base + r * params.inner] - m); }
  }
  scratch[lid] = s;
  workgroupBarrier();
  s = tree_sum(lid);
  if (!inside) { return; }
  let log_s = select(log(s), s, is_nan_(s)); // log(NaN) is NaN whatever the builtin does
  for (var r = lid; r < params.reduce; r += WG) {
    let j = base + r * params.inner;
    if (LOG) { y[j] = x[j] - m - log_s; } else { y[j] = exp_nan_(x[j] - m) / s; }
  }
}
