// softmax_split.wgsl (v2): softmax or log-softmax over the middle axis of [outer, R, inner] for few long rows, for
// GPUs: softmax.wgsl (v1) runs at most one workgroup per row, so [1, 1000] logits get one workgroup and a row
// of 300,000 gives each thread 4,688 elements. Here each row's R elements are cut into `chunks` ranges of
// `chunk`, a workgroup (row k, range c) per range:
//   PASS 0: the range's max m_c (NaN wins) and s_c = Σ exp(x − m_c) (0 for a range of only -inf) go to
//           part[(k·chunks + c)·2 + {0, 1}].
//   PASS 1: each workgroup combines its row's ranges (M = max m_c, S = Σ s_c · exp(m_c − M), trees over 64
//           threads; deterministic) and writes its range: y = exp(x − M) / S, LOG: y = x − M − log S.
// NaN and ±inf as v1 and PyTorch: a NaN or +inf in a row makes the row NaN (a NaN max, or inf − inf in s_c), a
// -inf entry gives 0 (log: -inf), a row of only -inf is NaN (exp(−inf − −inf)). Both passes bind (x, part, y).
// Layout: x, y [outer, R, inner] f32; part [rows, chunks, 2]. Grid: (rows, chunks) for both passes.
// Prepended: float_bits.wgsl (max_nan_, exp_nan_, is_neg_inf_, is_nan_).
//
// | version | idea                                                            | figure                              |
// | ------- | --------------------------------------------------------------- | ----------------------------------- |
// | v1      | ROW_THREADS threads per row, a workgroup per row (softmax)      | see softmax.wgsl                    |
// | v2      | ranges of a row across workgroups, max/sum combined (this file) | not benchmarked (no bench case yet) |

override PASS: u32 = 0u;
override LOG: bool = false;
const WG: u32 = 64u;

struct Params { rows: u32, reduce: u32, inner: u32, chunks: u32, chunk: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> scratch: array<f32, WG>;

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

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = wid.x;
  let c = wid.y;
  let o = k / params.inner;
  let base = o * params.reduce * params.inner + k % params.inner;
  let begin = c * params.chunk;
  let end = min(params.reduce, begin + params.chunk);
  if (PASS == 0u) {
    var m = neg_inf_();
    for (var r = begin + lid; r < end; r += WG) { m = max_nan_(m, x[base + r * params.inner]); }
    scratch[lid] = m;
    workgroupBarrier();
    m = tree_max(lid);
    var s = 0.0;
    if (!is_neg_inf_(m)) {
      for (var r = begin + lid; r < end; r += WG) { s += exp_nan_(x[base + r * params.inner] - m); }
    }
    scratch[lid] = s;
    workgroupBarrier();
    s = tree_sum(lid);
    if (lid == 0u) {
      part[(k * params.chunks + c) * 2u] = m;
      part[(k * params.chunks + c) * 2u + 1u] = s;
    }
    return; // uniform: PASS is an override
  }
  var mm = neg_inf_();
  for (var j = lid; j < params.chunks; j += WG) { mm = max_nan_(mm, part[(k * params.chunks + j) * 2u]); }
  scratch[lid] = mm;
  workgroupBarrier();
  mm = tree_max(lid);
  var ss = 0.0;
  for (var j = lid; j < params.chunks; j += WG) {
    let p = (k * params.chunks + j) * 2u;
    ss += part[p + 1u] * exp_nan_(part[p] - mm);
  }
  scratch[lid] = ss;
  workgroupBarrier();
  ss = tree_sum(lid);
  let log_s = select(log(ss), ss, is_nan_(ss)); // log(NaN) is NaN whatever the builtin does
  for (var r = begin + lid; r < end; r += WG) {
    let j = base + r * params.inner;
    if (LOG) { y[j] = x[j] - mm - log_s; } else { y[j] = exp_nan_(x[j] - mm) / ss; }
  }
}
