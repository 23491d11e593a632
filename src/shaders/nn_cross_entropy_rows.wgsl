// nn_cross_entropy_rows.wgsl (v2): crossEntropy's fused forward (nn_cross_entropy.wgsl) with a workgroup per
// row, for GPUs: v1 runs the whole loss in one workgroup, a thread walking each row's classes, which leaves a GPU
// all but idle. Two launches of this kernel:
//   PASS 0: workgroup r (64 threads) computes row r's max, log Σ exp and Σ_c q_c · log softmax_c with trees
//           over its classes (the same arithmetic as cross_entropy_row.wgsl, so NaN and ±inf come out alike),
//           checks the target (index_check.wgsl), and writes part[r] = (w_r · ℓ_r, w_r · Σ_c q_c).
//   PASS 1: one workgroup of 64 sums the rows' pairs (strided, then a tree; a fixed order) into loss and denom
//           as v1 does: loss = total / max(count, 1) (MEAN) or total; denom for the backward.
// Prepended: float_bits, index_check. Layouts as nn_cross_entropy.wgsl; part [rows, 2].
//
// | version | idea                                                          | figure                              |
// | ------- | ------------------------------------------------------------- | ----------------------------------- |
// | v1      | one workgroup for the loss, a thread per row (nn_cross_entropy) | not benchmarked (no bench case yet) |
// | v2      | a workgroup per row, trees over classes, then a sum of rows   | not benchmarked (no bench case yet) |
// | v3      | ranges of a row's classes across workgroups (nn_cross_entropy_split) | not benchmarked (no bench case yet) |

override HAS_MASK: bool = false;
override MEAN: bool = true;
override PASS: u32 = 0u;

struct Params { rows: u32, classes: u32, on: f32, off: f32, check_id: u32, has_ignore: u32, ignore_index: i32, per_sample: u32 }

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read> sample_weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> denom: array<f32>;
@group(0) @binding(5) var<storage, read_write> err: array<atomic<u32>, 4>;
@group(0) @binding(6) var<storage, read_write> part: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

// WG, red_a, red_b and tree(): cross_entropy_tree.wgsl, prepended.

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (PASS == 1u) {
    var total = 0.0;
    var count = 0.0;
    for (var r = lid; r < params.rows; r += WG) {
      total += part[2u * r];
      count += part[2u * r + 1u];
    }
    red_a[lid] = total;
    red_b[lid] = count;
    workgroupBarrier();
    let sums = tree(lid, false);
    if (lid == 0u) {
      let d = select(1.0, max_nan_(sums.y, 1.0), MEAN); // a NaN count stays NaN, as v1
      loss[0] = select(sums.x, sums.x / d, MEAN);
      denom[0] = d;
    }
    return; // uniform: PASS is an override
  }
  let r = wid.x + wid.y * nwg.x;
  let inside = r < params.rows;
  let base = r * params.classes;
  var t = 0;
  var ignored = true;
  if (inside) {
    t = targets[r];
    ignored = is_ignored(t);
    if (lid == 0u && (t < 0 || t >= i32(params.classes)) && !ignored) { report_bad_index(t); }
  }
  var m = neg_inf_();
  if (inside) {
    for (var c = lid; c < params.classes; c += WG) { m = max_nan_(m, logits[base + c]); }
  }
  red_a[lid] = m;
  red_b[lid] = 0.0;
  workgroupBarrier();
  m = tree(lid, true).x;
  var s = 0.0;
  if (inside) {
    for (var c = lid; c < params.classes; c += WG) { s += exp_nan_(logits[base + c] - m); }
  }
  red_a[lid] = s;
  red_b[lid] = 0.0;
  workgroupBarrier();
  s = tree(lid, false).x;
  let log_s = select(log(s), s, is_nan_(s)); // log(NaN) is NaN whatever the builtin does
  var l = 0.0;
  var q_sum = 0.0;
  if (inside) {
    for (var c = lid; c < params.classes; c += WG) {
      let q = target_weight(t, c, ignored);
      let lp = logits[base + c] - m - log_s;
      l += select(q * lp, 0.0, q == 0.0);
      q_sum += q;
    }
  }
  red_a[lid] = l;
  red_b[lid] = q_sum;
  workgroupBarrier();
  let row = tree(lid, false);
  if (!inside || lid != 0u) { return; }
  if (HAS_MASK) {
    let w = sample_weight[r / params.per_sample];
    part[2u * r] = (-row.x) * w; // a plain product, as v1: NaN · 0 stays NaN
    part[2u * r + 1u] = row.y * w;
  } else {
    part[2u * r] = -row.x;
    part[2u * r + 1u] = row.y;
  }
}
