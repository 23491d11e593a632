// nn_cross_entropy_split.wgsl (v3): crossEntropy's fused forward with each row's classes cut into ranges across
// workgroups, for few long rows on GPUs: v2 (nn_cross_entropy_rows.wgsl) runs a workgroup per row, so 64 rows of
// 1,000 classes get 64 workgroups. Grid (rows, chunks), ranges of `chunk` classes; part [rows, chunks, 4]:
//   PASS 0: workgroup (r, k) writes its range's max m_k (NaN wins) and s_k = Σ exp(x − m_k) (0 for a range of
//           only -inf) into part[.., 0..1]; the range holding class 0 checks the target (index_check.wgsl).
//   PASS 1: workgroup (r, k) combines the row's ranges, M = max m_k, S = Σ s_k · exp(m_k − M) (trees over 64
//           threads; deterministic), and writes its range's Σ q_c · (x_c − M − log S) (0 where q = 0, as v2:
//           0 · -inf = 0) and Σ q_c into part[.., 2..3].
//   PASS 2: one workgroup of 64 sums each row's ranges in order, weighs the row as v2 (w_r · ℓ_r, w_r · Σ q), and
//           sums the rows (strided, then a tree) into loss and denom: loss = total / max(count, 1) (MEAN, NaN
//           kept) or total.
// NaN and ±inf as v2: a NaN or +inf logit makes its row NaN (a NaN max, or inf − inf in s_k), a row of only -inf
// is NaN, a -inf logit of another class adds 0. Prepended: float_bits, index_check. Layouts as nn_cross_entropy.wgsl.
//
// | version | idea                                                            | figure                              |
// | ------- | --------------------------------------------------------------- | ----------------------------------- |
// | v1      | one workgroup for the loss, a thread per row (nn_cross_entropy) | not benchmarked (no bench case yet) |
// | v2      | a workgroup per row, trees over classes (nn_cross_entropy_rows) | not benchmarked (no bench case yet) |
// | v3      | ranges of a row's classes across workgroups (this file)         | not benchmarked (no bench case yet) |

override HAS_MASK: bool = false;
override MEAN: bool = true;
override PASS: u32 = 0u;

struct Params {
  rows: u32, classes: u32, on: f32, off: f32, check_id: u32, has_ignore: u32, ignore_index: i32, per_sample: u32,
  chunks: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read> sample_weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> denom: array<f32>;
@group(0) @binding(5) var<storage, read_write> err: array<atomic<u32>, 4>;
@group(0) @binding(6) var<storage, read_write> part: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

// WG, red_a, red_b and tree(): cross_entropy_tree.wgsl, prepended.

// PASS 2: the rows' weighted losses and target masses, each row's ranges summed in order.
fn sum_rows(lid: u32) {
  var total = 0.0;
  var count = 0.0;
  for (var r = lid; r < params.rows; r += WG) {
    var l = 0.0;
    var q = 0.0;
    for (var k = 0u; k < params.chunks; k++) {
      l += part[(r * params.chunks + k) * 4u + 2u];
      q += part[(r * params.chunks + k) * 4u + 3u];
    }
    var w = 1.0;
    if (HAS_MASK) { w = sample_weight[r / params.per_sample]; }
    total += (-l) * w; // a plain product, as v2: NaN · 0 stays NaN
    count += q * w;
  }
  red_a[lid] = total;
  red_b[lid] = count;
  let sums = tree(lid, false);
  if (lid == 0u) {
    let d = select(1.0, max_nan_(sums.y, 1.0), MEAN); // a NaN count stays NaN, as v1
    loss[0] = select(sums.x, sums.x / d, MEAN);
    denom[0] = d;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (PASS == 2u) {
    sum_rows(lid);
    return; // uniform: PASS is an override
  }
  let r = wid.x;
  let k = wid.y;
  let base = r * params.classes;
  let begin = k * params.chunk;
  let end = min(params.classes, begin + params.chunk);
  let slot = (r * params.chunks + k) * 4u;
  let t = targets[r];
  let ignored = is_ignored(t);
  if (PASS == 0u) {
    if (k == 0u && lid == 0u && (t < 0 || t >= i32(params.classes)) && !ignored) { report_bad_index(t); }
    var m = neg_inf_();
    for (var c = begin + lid; c < end; c += WG) { m = max_nan_(m, logits[base + c]); }
    red_a[lid] = m;
    red_b[lid] = 0.0;
    m = tree(lid, true).x;
    var s = 0.0;
    if (!is_neg_inf_(m)) {
      for (var c = begin + lid; c < end; c += WG) { s += exp_nan_(logits[base + c] - m); }
    }
    red_a[lid] = s;
    s = tree(lid, false).x;
    if (lid == 0u) {
      part[slot] = m;
      part[slot + 1u] = s;
    }
    return;
  }
  var mm = neg_inf_();
  for (var j = lid; j < params.chunks; j += WG) { mm = max_nan_(mm, part[(r * params.chunks + j) * 4u]); }
  red_a[lid] = mm;
  red_b[lid] = 0.0;
  mm = tree(lid, true).x;
  var ss = 0.0;
  for (var j = lid; j < params.chunks; j += WG) {
    let p = (r * params.chunks + j) * 4u;
    ss += part[p + 1u] * exp_nan_(part[p] - mm);
  }
  red_a[lid] = ss;
  ss = tree(lid, false).x;
  let log_s = select(log(ss), ss, is_nan_(ss)); // log(NaN) is NaN whatever the builtin does
  var l = 0.0;
  var q_sum = 0.0;
  for (var c = begin + lid; c < end; c += WG) {
    let q = target_weight(t, c, ignored);
    let lp = logits[base + c] - mm - log_s;
    l += select(q * lp, 0.0, q == 0.0);
    q_sum += q;
  }
  red_a[lid] = l;
  red_b[lid] = q_sum;
  let row = tree(lid, false);
  if (lid == 0u) {
    part[slot + 2u] = row.x;
    part[slot + 3u] = row.y;
  }
}
