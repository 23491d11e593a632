// nn_cross_entropy_backward_split.wgsl (v3): d loss / d logits of crossEntropy's fused path with each row's classes
// cut into ranges across workgroups, for few long rows on GPUs (v2, nn_cross_entropy_backward_rows.wgsl, runs a
// workgroup per row). Grid (rows, chunks), ranges of `chunk` classes; part [rows, chunks, 3]:
//   PASS 0: workgroup (r, k) writes its range's max m_k (NaN wins), s_k = Σ exp(x − m_k) (0 for a range of only
//           -inf) and Σ_c g_r · q_rc, with g_r = −(grad / denom) · w_r.
//   PASS 1: workgroup (r, k) combines the row's ranges (M = max m_k, S = Σ s_k · exp(m_k − M), G = Σ of the
//           ranges' Σ g_r · q_rc; trees over 64 threads, deterministic) and writes its range:
//           dx_rc = g_r · q_rc − exp(x_rc − M − log S) · G, the arithmetic of v2 per element.
// NaN and ±inf as v2 (a NaN or +inf logit makes its row's gradient NaN; a NaN weight or denom makes g NaN).
// Prepended: float_bits.
//
// | version | idea                                                         | figure                              |
// | ------- | ------------------------------------------------------------ | ----------------------------------- |
// | v1      | a thread per row (nn_cross_entropy_backward)                 | not benchmarked (no bench case yet) |
// | v2      | a workgroup per row, coalesced classes, trees (nn_cross_entropy_backward_rows) | not benchmarked (no bench case yet) |
// | v3      | ranges of a row's classes across workgroups (this file)      | not benchmarked (no bench case yet) |

override HAS_MASK: bool = false;
override PASS: u32 = 0u;

struct Params {
  rows: u32, classes: u32, on: f32, off: f32, check_id: u32, has_ignore: u32, ignore_index: i32, per_sample: u32,
  chunks: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read> sample_weight: array<f32>;
@group(0) @binding(3) var<storage, read> denom: array<f32>;
@group(0) @binding(4) var<storage, read> grad: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> part: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

// WG, red_a, red_b and tree(): cross_entropy_tree.wgsl, prepended.

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x;
  let k = wid.y;
  let base = r * params.classes;
  let begin = k * params.chunk;
  let end = min(params.classes, begin + params.chunk);
  let slot = (r * params.chunks + k) * 3u;
  let t = targets[r];
  let ignored = is_ignored(t);
  var g = -(grad[0] / denom[0]);
  if (HAS_MASK) { g = -((grad[0] / denom[0]) * sample_weight[r / params.per_sample]); }
  if (PASS == 0u) {
    var m = neg_inf_();
    var g_part = 0.0;
    for (var c = begin + lid; c < end; c += WG) {
      m = max_nan_(m, logits[base + c]);
      g_part += g * target_weight(t, c, ignored);
    }
    red_a[lid] = m;
    red_b[lid] = g_part;
    let mg = tree(lid, true);
    m = mg.x;
    var s = 0.0;
    if (!is_neg_inf_(m)) {
      for (var c = begin + lid; c < end; c += WG) { s += exp_nan_(logits[base + c] - m); }
    }
    red_a[lid] = s;
    red_b[lid] = 0.0;
    s = tree(lid, false).x;
    if (lid == 0u) {
      part[slot] = m;
      part[slot + 1u] = s;
      part[slot + 2u] = mg.y;
    }
    return; // uniform: PASS is an override
  }
  var mm = neg_inf_();
  var g_sum = 0.0;
  for (var j = lid; j < params.chunks; j += WG) {
    let p = (r * params.chunks + j) * 3u;
    mm = max_nan_(mm, part[p]);
    g_sum += part[p + 2u];
  }
  red_a[lid] = mm;
  red_b[lid] = g_sum;
  let mg = tree(lid, true);
  mm = mg.x;
  g_sum = mg.y;
  var ss = 0.0;
  for (var j = lid; j < params.chunks; j += WG) {
    let p = (r * params.chunks + j) * 3u;
    ss += part[p + 1u] * exp_nan_(part[p] - mm);
  }
  red_a[lid] = ss;
  red_b[lid] = 0.0;
  ss = tree(lid, false).x;
  let log_s = select(log(ss), ss, is_nan_(ss));
  for (var c = begin + lid; c < end; c += WG) {
    let lp = logits[base + c] - mm - log_s;
    dx[base + c] = g * target_weight(t, c, ignored) - exp_nan_(lp) * g_sum;
  }
}
