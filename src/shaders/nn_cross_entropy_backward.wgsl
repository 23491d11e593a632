// nn_cross_entropy_backward.wgsl (v1): d loss / d logits of nn_cross_entropy.wgsl in one dispatch, a thread per row:
//   g_r = −(grad / denom) · w_r,   dx_rc = g_r · q_rc − exp(log softmax(x_r)_c) · Σ_c g_r · q_rc
// which is the composed path's chain (div, sum, mask mul, neg, mulOrZero, log-softmax backward) in the same
// order of operations, so NaN and ±inf propagate alike (the forward kernel checked the targets). Prepended:
// float_bits, cross_entropy_row.
//
// | version | idea                                                                  | figure                              |
// | ------- | --------------------------------------------------------------------- | ----------------------------------- |
// | v1      | a thread per row (this file)                                          | not benchmarked (no bench case yet) |
// | v2      | a workgroup per row, trees (nn_cross_entropy_backward_rows)           | not benchmarked (no bench case yet) |
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

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (r >= params.rows) { return; }
  let t = targets[r];
  let ignored = is_ignored(t);
  let base = r * params.classes;
  let st = row_stats(base);
  var g = -(grad[0] / denom[0]);
  if (HAS_MASK) { g = -((grad[0] / denom[0]) * sample_weight[r / params.per_sample]); }
  var g_sum = 0.0;
  for (var c = 0u; c < params.classes; c++) { g_sum += g * target_weight(t, c, ignored); }
  for (var c = 0u; c < params.classes; c++) {
    let lp = logits[base + c] - st.m - st.log_s;
    dx[base + c] = g * target_weight(t, c, ignored) - exp_nan_(lp) * g_sum;
  }
}
