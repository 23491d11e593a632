// nn_cross_entropy.wgsl (v1): softmax cross-entropy of [rows, classes] logits with integer targets, reduced to one
// number in one dispatch (crossEntropy's fused path, src/engine/ops/cross-entropy.ts):
//   ℓ_r = −Σ_c q_rc · log softmax(x_r)_c        (q: one-hot with label smoothing; 0 · -inf = 0)
//   total = Σ_r w_r · ℓ_r,  count = Σ_r w_r · Σ_c q_rc      (w: the per-sample mask when HAS_MASK, else 1)
//   loss = total / max(count, 1) (MEAN) or total;  denom = max(count, 1) or 1, for the backward kernel.
//   A NaN count (a NaN mask weight) stays NaN, as the composed path's maximum(count, 1): max_nan_, not the
//   builtin max, which may return the 1 (NVIDIA does) and leave the other rows' gradients finite.
// Targets outside [0, classes) that are not ignore_index trip the device-side index check. One workgroup of
// 256 threads, a thread per row (strided), then a workgroup tree: for the batch sizes of a loss (the engine
// takes the composed path beyond FUSED_MAX_ELEMENTS). Prepended: float_bits, index_check, cross_entropy_row.
//
// | version | idea                                                            | figure                              |
// | ------- | --------------------------------------------------------------- | ----------------------------------- |
// | v1      | one workgroup for the loss, a thread per row (this file)        | not benchmarked (no bench case yet) |
// | v2      | a workgroup per row, trees over classes (nn_cross_entropy_rows) | not benchmarked (no bench case yet) |
// | v3      | ranges of a row's classes across workgroups (nn_cross_entropy_split) | not benchmarked (no bench case yet) |

override HAS_MASK: bool = false;
override MEAN: bool = true;

struct Params { rows: u32, classes: u32, on: f32, off: f32, check_id: u32, has_ignore: u32, ignore_index: i32, per_sample: u32 }

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read> sample_weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> denom: array<f32>;
@group(0) @binding(5) var<storage, read_write> err: array<atomic<u32>, 4>;
@group(0) @binding(6) var<uniform> params: Params;

const WG: u32 = 256u;
var<workgroup> part_total: array<f32, 256>;
var<workgroup> part_count: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var total = 0.0;
  var count = 0.0;
  for (var r = lid; r < params.rows; r += WG) {
    let t = targets[r];
    let ignored = is_ignored(t);
    if ((t < 0 || t >= i32(params.classes)) && !ignored) { report_bad_index(t); }
    let base = r * params.classes;
    let st = row_stats(base);
    var l = 0.0;
    var q_sum = 0.0;
    for (var c = 0u; c < params.classes; c++) {
      let q = target_weight(t, c, ignored);
      let lp = logits[base + c] - st.m - st.log_s;
      l += select(q * lp, 0.0, q == 0.0);
      q_sum += q;
    }
    if (HAS_MASK) {
      let w = sample_weight[r / params.per_sample];
      total += (-l) * w; // a plain product, as the composed path's mask multiply: NaN · 0 stays NaN
      count += q_sum * w;
    } else {
      total += -l;
      count += q_sum;
    }
  }
  part_total[lid] = total;
  part_count[lid] = count;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      part_total[lid] = part_total[lid] + part_total[lid + s];
      part_count[lid] = part_count[lid] + part_count[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let d = select(1.0, max_nan_(part_count[0], 1.0), MEAN);
    loss[0] = select(part_total[0], part_total[0] / d, MEAN);
    denom[0] = d;
  }
}
