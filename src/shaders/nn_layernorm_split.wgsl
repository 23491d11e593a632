// nn_layernorm_split.wgsl (v2): LayerNorm's forward for few long rows, for GPUs: nn_layernorm.wgsl (v1) runs a
// workgroup per row (one workgroup for a [1, 300,000] row, 4,688 elements per thread). Here the row statistics
// come from nn_batchnorm_stats_split.wgsl, each row being a channel of [1, R, D] cut into ranges across
// workgroups (range mean and M2, combined in order by Chan et al.'s update: mean[r], biased variance[r]), and
// this file normalizes, a thread per element:
//   y = (x − μ)·rstd·w + b (AFFINE = false: (x − μ)·rstd),  rstd = 1/sqrt(σ² + eps),
// and the row's first element's thread writes [μ, rstd] into stats[2r], stats[2r + 1] (what v1 writes, read by
// nn_layernorm.wgsl's backward passes). A NaN or ±inf in a row makes its statistics, and so the row, NaN, as v1.
// Layout: x, y contiguous f32 [R, D]; mean, variance f32 [R]; w, b f32 [D] (AFFINE = false: any buffer bound);
// stats f32 [R, 2]. Grid: grid(⌈R·D/64⌉) of 64 threads.
//
// | version | idea                                                             | figure |
// | ------- | ---------------------------------------------------------------- | ------ |
// | v1      | workgroup per row: statistics and output (nn_layernorm)          | not benchmarked |
// | v2      | row ranges across workgroups (batchnorm split stats), then a thread per element (this file) | not benchmarked |

override AFFINE: bool = true;

struct Params { rows: u32, d: u32, eps: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> variance: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= params.rows * params.d) { return; }
  let r = i / params.d;
  let j = i % params.d;
  let mu = mean[r];
  let rstd = inverseSqrt(variance[r] + params.eps);
  let xh = (x[i] - mu) * rstd;
  if (AFFINE) { out[i] = xh * w[j] + b[j]; } else { out[i] = xh; }
  if (j == 0u) {
    stats[2u * r] = mu;
    stats[2u * r + 1u] = rstd;
  }
}
