// nn_cross_entropy_backward_rows.wgsl (v2): d loss / d logits of crossEntropy's fused path with a workgroup per
// row (v1, nn_cross_entropy_backward.wgsl, runs a thread per row: each thread walks its row's classes, and
// neighbouring threads read addresses `classes` apart). Here a row's 64 threads read its classes together:
//   g_r = −(grad / denom) · w_r,   dx_rc = g_r · q_rc − exp(log softmax(x_r)_c) · Σ_c g_r · q_rc
// with the row's max, log Σ exp and Σ_c g_r · q_rc from trees over its classes (NaN wins the max, as
// cross_entropy_row.wgsl), the same arithmetic per element. Prepended: float_bits.
//
// | version | idea                                                         | figure                              |
// | ------- | ------------------------------------------------------------ | ----------------------------------- |
// | v1      | a thread per row (nn_cross_entropy_backward)                 | not benchmarked (no bench case yet) |
// | v2      | a workgroup per row, coalesced classes, trees (this file)    | not benchmarked (no bench case yet) |
// | v3      | ranges of a row's classes across workgroups (nn_cross_entropy_backward_split) | not benchmarked (no bench case yet) |

override HAS_MASK: bool = false;

struct Params { rows: u32, classes: u32, on: f32, off: f32, check_id: u32, has_ignore: u32, ignore_index: i32, per_sample: u32 }

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read> sample_weight: array<f32>;
@group(0) @binding(3) var<storage, read> denom: array<f32>;
@group(0) @binding(4) var<storage, read> grad: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> red: array<f32, 64>;

fn tree(lid: u32, use_max: bool) -> f32 {
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = select(red[lid] + red[lid + s], max_nan_(red[lid], red[lid + s]), use_max); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * nwg.x;
  let inside = r < params.rows;
  let base = r * params.classes;
  var t = 0;
  var ignored = true;
  var g = 0.0;
  if (inside) {
    t = targets[r];
    ignored = is_ignored(t);
    g = -(grad[0] / denom[0]);
    if (HAS_MASK) { g = -((grad[0] / denom[0]) * sample_weight[r / params.per_sample]); }
  }
  var m = neg_inf_();
  var g_part = 0.0;
  if (inside) {
    for (var c = lid; c < params.classes; c += WG) {
      m = max_nan_(m, logits[base + c]);
      g_part += g * target_weight(t, c, ignored);
    }
  }
  red[lid] = m;
  workgroupBarrier();
  m = tree(lid, true);
  red[lid] = g_part;
  workgroupBarrier();
  let g_sum = tree(lid, false);
  var s = 0.0;
  if (inside) {
    for (var c = lid; c < params.classes; c += WG) { s += exp_nan_(logits[base + c] - m); }
  }
  red[lid] = s;
  workgroupBarrier();
  s = tree(lid, false);
  if (!inside) { return; }
  let log_s = select(log(s), s, is_nan_(s));
  for (var c = lid; c < params.classes; c += WG) {
    let lp = logits[base + c] - m - log_s;
    dx[base + c] = g * target_weight(t, c, ignored) - exp_nan_(lp) * g_sum;
  }
}
