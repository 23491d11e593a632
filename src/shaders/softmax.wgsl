// softmax.wgsl (v1): softmax or log-softmax over the middle axis of [outer, R, inner].
//   y = exp(x − m) / Σ exp(x − m)       LOG: y = x − m − log Σ exp(x − m),   m = max over the axis
// ROW_THREADS threads per (o, i) row, 64 / ROW_THREADS rows per 64-thread workgroup: a max pass, a sum pass,
// a write pass, each strided over r with a tree over the row's threads in between. ROW_THREADS is 64 (one row
// per workgroup) except on the GPU rules for short rows (softmaxRowThreads in src/engine/ops/softmax.ts: the
// row length rounded up to a power of two, at least 4), so that 10 classes do not leave 54 of 64 threads idle.
// Numerically stable for any input magnitude. NaN and ±inf as PyTorch: a NaN or +inf in a row makes the row
// NaN, a -inf entry gives 0 (log: -inf); float_bits.wgsl is prepended.
// Bench: `npm run bench -- --filter "elementwise,reduce,pool"` (bench/cases/reduce.ts), result
// bench/results/2026-12-02-google-swiftshader-chrome-elementwise-reduce-pool-grid.json (SwiftShader, 2 cores): [256,1000]
// 21.7 ms, TF.js 24.1 ms. No GPU figure yet.
// The registered pass 'softmax' (src/engine/ops/softmax.ts) keeps this kernel as v1; v2 splits few long rows
// across workgroups (softmax_split.wgsl), the GPU rules' pick for fewer than 264 rows of at least 512.
//
// | version | idea                                                            | figure                              |
// | ------- | --------------------------------------------------------------- | ----------------------------------- |
// | v1      | ROW_THREADS threads per row, a workgroup per row (this file)    | [256,1000] 21.7 ms (SwiftShader)    |
// | v2      | ranges of a row across workgroups, max/sum combined (softmax_split) | not benchmarked (no bench case yet) |

override LOG: bool = false;
override ROW_THREADS: u32 = 64u; // a power of two dividing 64

struct Params { rows: u32, reduce: u32, inner: u32 }

// WGSL rejects NaN and infinity in constant expressions, so their bit patterns live in private vars.
var<private> NEG_INF_BITS: u32 = 0xff800000u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> scratch: array<f32, 64>;

// Trees over each row's ROW_THREADS slots of scratch (lid = row slot · ROW_THREADS + lane).
fn tree_max(lid: u32) -> f32 {
  let lane = lid % ROW_THREADS;
  for (var s = ROW_THREADS / 2u; s > 0u; s = s / 2u) {
    if (lane < s) { scratch[lid] = max_nan_(scratch[lid], scratch[lid + s]); }
    workgroupBarrier();
  }
  let r = scratch[lid - lane];
  workgroupBarrier();
  return r;
}

fn tree_sum(lid: u32) -> f32 {
  let lane = lid % ROW_THREADS;
  for (var s = ROW_THREADS / 2u; s > 0u; s = s / 2u) {
    if (lane < s) { scratch[lid] = scratch[lid] + scratch[lid + s]; }
    workgroupBarrier();
  }
  let r = scratch[lid - lane];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let lane = lid % ROW_THREADS;
  let k = (wid.x + wid.y * nwg.x) * (WG / ROW_THREADS) + lid / ROW_THREADS;
  let inside = k < params.rows;
  let o = k / params.inner;
  let i = k % params.inner;
  let base = o * params.reduce * params.inner + i;
  var m = bitcast<f32>(NEG_INF_BITS);
  if (inside) {
    for (var r = lane; r < params.reduce; r += ROW_THREADS) { m = max_nan_(m, x[base + r * params.inner]); }
  }
  scratch[lid] = m;
  workgroupBarrier();
  m = tree_max(lid);
  var s = 0.0;
  if (inside) {
    for (var r = lane; r < params.reduce; r += ROW_THREADS) { s += exp_nan_(x[base + r * params.inner] - m); }
  }
  scratch[lid] = s;
  workgroupBarrier();
  s = tree_sum(lid);
  if (!inside) { return; }
  let log_s = select(log(s), s, is_nan_(s)); // log(NaN) is NaN whatever the builtin does
  for (var r = lane; r < params.reduce; r += ROW_THREADS) {
    let j = base + r * params.inner;
    if (LOG) { y[j] = x[j] - m - log_s; } else { y[j] = exp_nan_(x[j] - m) / s; }
  }
}
