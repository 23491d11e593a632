// softmax_rows.wgsl (v3): softmax or log-softmax over the middle axis of [outer, R, inner] for CPU adapters:
// one thread per (o, i) row, no workgroup memory and no barrier.
//   y = exp(x − m) / Σ exp(x − m)       LOG: y = x − m − log Σ exp(x − m),   m = max over the axis
// The thread walks its row three times (max, Σ exp, write), along the row with four accumulators when
// inner = 1, else down the column (neighbouring threads read neighbouring i). v1's two trees cost 14 barriers
// per row, and SwiftShader runs a workgroup that holds a barrier as one coroutine per 4-lane group, spilling at
// every barrier. NaN and ±inf as v1 and PyTorch (same formulas): a NaN or +inf in a row makes the row NaN, a
// -inf entry gives 0 (log: -inf), a row of only -inf is NaN. float_bits.wgsl is prepended.
// Layout: x, y [outer, R, inner] f32. 64 threads per workgroup, grid() over the rows.
// Bench: `npm run bench -- --quick --no-tfjs --filter softmax --versions` (bench/cases/reduce.ts).
//
// | version | idea                                                            | figure           |
// | ------- | --------------------------------------------------------------- | ---------------- |
// | v1      | ROW_THREADS threads per row, a workgroup per row (softmax)      | see softmax.wgsl |
// | v2      | ranges of a row across workgroups, max/sum combined (softmax_split) | see softmax_split.wgsl |
// | v3      | a thread per row, no barrier, three passes (this file)          | not benchmarked  |

override LOG: bool = false;

struct Params { rows: u32, reduce: u32, inner: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * 64u;
  if (k >= params.rows) { return; }
  let R = params.reduce;
  let inner = params.inner;
  let base = (k / inner) * R * inner + k % inner;
  var m = neg_inf_();
  var s = 0.0;
  if (inner == 1u) {
    let stop = base + R;
    let stop4 = base + R - R % 4u;
    var m1 = m;
    var m2 = m;
    var m3 = m;
    for (var j = base; j < stop4; j += 4u) {
      m = max_nan_(m, x[j]);
      m1 = max_nan_(m1, x[j + 1u]);
      m2 = max_nan_(m2, x[j + 2u]);
      m3 = max_nan_(m3, x[j + 3u]);
    }
    for (var j = stop4; j < stop; j++) { m = max_nan_(m, x[j]); }
    m = max_nan_(max_nan_(m, m1), max_nan_(m2, m3));
    var s1 = 0.0;
    var s2 = 0.0;
    var s3 = 0.0;
    for (var j = base; j < stop4; j += 4u) {
      s += exp_nan_(x[j] - m);
      s1 += exp_nan_(x[j + 1u] - m);
      s2 += exp_nan_(x[j + 2u] - m);
      s3 += exp_nan_(x[j + 3u] - m);
    }
    for (var j = stop4; j < stop; j++) { s += exp_nan_(x[j] - m); }
    s = (s + s1) + (s2 + s3);
    let log_s = select(log(s), s, is_nan_(s));
    for (var j = base; j < stop; j++) {
      if (LOG) { y[j] = x[j] - m - log_s; } else { y[j] = exp_nan_(x[j] - m) / s; }
    }
    return;
  }
  let stop = base + R * inner;
  for (var j = base; j < stop; j += inner) { m = max_nan_(m, x[j]); }
  for (var j = base; j < stop; j += inner) { s += exp_nan_(x[j] - m); }
  let log_s = select(log(s), s, is_nan_(s));
  for (var j = base; j < stop; j += inner) {
    if (LOG) { y[j] = x[j] - m - log_s; } else { y[j] = exp_nan_(x[j] - m) / s; }
  }
}
