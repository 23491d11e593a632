// nn_layernorm.wgsl (v1): LayerNorm over the last D elements of each of R rows, forward and backward.
//   PASS 0 (forward, a workgroup per row): mean μ and biased variance σ² of the row (two passes over it, each
//          a tree over 64 threads), y = (x − μ)·rstd·w + b with rstd = 1/sqrt(σ² + eps); writes y and the
//          row's [μ, rstd] into stats[2r], stats[2r + 1].
//   PASS 1 (input gradient, a workgroup per row): with ĝ = g·w and x̂ = (x − μ)·rstd,
//          dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)).
//   PASS 2 (weight and bias gradients, a workgroup per column j): dw[j] = Σ_r g[r, j]·x̂[r, j] into out[j],
//          db[j] = Σ_r g[r, j] into out[R + j], R = sumsRow ≥ D rounded up by the host to 64 floats (256
//          bytes) so both rows are storage views (the gradients, without a copy); strided partials and a fixed tree, so the result is the
//          same bits on every run (no atomics).
// Layout: x, g, y, dx contiguous f32 [R, D]; w, b f32 [D] (AFFINE = false: unused, any buffer bound);
//   stats f32 [R, 2]. Unused bindings get any buffer that does not alias a written one.
//
// The forward (PASS 0) is the registered pass layerNorm.forward's v1 (src/engine/ops/layer-norm-forward.ts); its v2
// splits few long rows across workgroups (nn_layernorm_split.wgsl). The backward passes are this file's only.
//
// | version | idea                                              | figure |
// | ------- | ------------------------------------------------- | ------ |
// | v1      | workgroup per row (stats, dx) and per column (dw) | not benchmarked (small transformer-style widths) |
// | v2      | forward: row ranges across workgroups, then a thread per element (nn_layernorm_split) | not benchmarked |

override PASS: u32 = 0u;
override AFFINE: bool = true;

struct Params { rows: u32, d: u32, eps: f32, sumsRow: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> part_a: array<f32, 64>;
var<workgroup> part_b: array<f32, 64>;

// Sums part_a and part_b over the workgroup (every thread must call it); the totals end up in element 0.
fn tree(lid: u32) {
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      part_a[lid] += part_a[lid + s];
      part_b[lid] += part_b[lid + s];
    }
    workgroupBarrier();
  }
}

fn weight(j: u32) -> f32 { return select(1.0, w[j], AFFINE); }

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let D = params.d;
  let k = wid.x + wid.y * nwg.x;
  // Workgroup-uniform exits: k is the same for every thread of the workgroup.
  if (PASS == 2u) {
    if (k >= D) { return; }
    var dw = 0.0;
    var db = 0.0;
    for (var r = lid; r < params.rows; r += WG) {
      let gv = g[r * D + k];
      dw += gv * (x[r * D + k] - stats[2u * r]) * stats[2u * r + 1u];
      db += gv;
    }
    part_a[lid] = dw;
    part_b[lid] = db;
    tree(lid);
    if (lid == 0u) {
      out[k] = part_a[0];
      out[params.sumsRow + k] = part_b[0];
    }
    return;
  }
  if (k >= params.rows) { return; }
  let base = k * D;
  if (PASS == 0u) {
    var s = 0.0;
    for (var j = lid; j < D; j += WG) { s += x[base + j]; }
    part_a[lid] = s;
    part_b[lid] = 0.0;
    tree(lid);
    let mu = part_a[0] / f32(D);
    workgroupBarrier();
    var q = 0.0;
    for (var j = lid; j < D; j += WG) { let c = x[base + j] - mu; q += c * c; }
    part_a[lid] = q;
    tree(lid);
    let rstd = inverseSqrt(part_a[0] / f32(D) + params.eps);
    for (var j = lid; j < D; j += WG) {
      let xh = (x[base + j] - mu) * rstd;
      out[base + j] = select(xh, xh * w[j] + b[j], AFFINE);
    }
    if (lid == 0u) {
      stats[2u * k] = mu;
      stats[2u * k + 1u] = rstd;
    }
    return;
  }
  let mu = stats[2u * k];
  let rstd = stats[2u * k + 1u];
  var sg = 0.0;
  var sgx = 0.0;
  for (var j = lid; j < D; j += WG) {
    let gh = g[base + j] * weight(j);
    sg += gh;
    sgx += gh * (x[base + j] - mu) * rstd;
  }
  part_a[lid] = sg;
  part_b[lid] = sgx;
  tree(lid);
  let mean_g = part_a[0] / f32(D);
  let mean_gx = part_b[0] / f32(D);
  for (var j = lid; j < D; j += WG) {
    let xh = (x[base + j] - mu) * rstd;
    out[base + j] = rstd * (g[base + j] * weight(j) - mean_g - xh * mean_gx);
  }
}
