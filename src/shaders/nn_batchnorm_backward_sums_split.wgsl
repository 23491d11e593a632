// nn_batchnorm_backward_sums_split.wgsl (v2): BatchNorm's backward sums (batchNorm.backwardSums) across workgroups,
// for GPUs. nn_batchnorm_backward.wgsl's PASS 0 (v1) runs one workgroup per channel, each walking all N·H·W
// elements (64 workgroups for 64 channels; at N = 64 on 112² a thread walks 3,136): most of a GPU stays idle.
// Here each channel's N·H·W elements are cut into `chunks` ranges of `chunk`:
//   PASS 0: workgroup (c, k) sums its range: part[(c·chunks + k)·2 + {0, 1}] = (Σ g, Σ g·x̂) over the range
//           (x̂ = (x − mean_c)·istd_c; g taken through the fused activation first, as in v1).
//   PASS 1: one thread per channel adds its ranges in order (deterministic): sums[c] = Σ g, sums[R + c] = Σ g·x̂
//           (R = sumsRow, the layout of nn_batchnorm_backward.wgsl, whose PASS 1 reads them).
// Layout: x, g, y NCHW f32; mean, var [C]; part [C, chunks, 2]; sums [R + C]. Grid: PASS 0 (C, chunks); PASS 1
// grid(⌈C/64⌉). Prepended: epilogue_act.wgsl (ACT, activationGrad).
//
// | version | idea                                                     | figure      | device                | shape |
// | ------- | -------------------------------------------------------- | ----------- | --------------------- | ----- |
// | v1      | a workgroup per channel (nn_batchnorm_backward PASS 0)   | (not timed) | SwiftShader (2 cores) | -     |
// | v2      | ranges of N·H·W across workgroups, then an ordered sum   | (not timed) | -                     | -     |

override PASS: u32 = 0u;

struct Params { N: u32, C: u32, HW: u32, eps: f32, sumsRow: u32, chunks: u32, chunk: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
@group(0) @binding(4) var<storage, read> y: array<f32>;        // the forward's output (for ACT)
@group(0) @binding(5) var<storage, read_write> part: array<f32>;
@group(0) @binding(6) var<storage, read_write> sums: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> part_g: array<f32, 64>;
var<workgroup> part_gx: array<f32, 64>;

fn gradAt(i: u32) -> f32 {
  if (ACT == 0u) { return g[i]; }
  return activationGrad(g[i], y[i]);
}

// PASS 1: channel c's ranges added in order. A function, so that its early return leaves main's control flow
// uniform for PASS 0's barriers.
fn combine(c: u32) {
  if (c >= params.C) { return; }
  var sg = 0.0;
  var sgx = 0.0;
  for (var k = 0u; k < params.chunks; k++) {
    sg += part[(c * params.chunks + k) * 2u];
    sgx += part[(c * params.chunks + k) * 2u + 1u];
  }
  sums[c] = sg;
  sums[params.sumsRow + c] = sgx;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (PASS == 1u) {
    combine((wid.x + wid.y * nwg.x) * WG + lid);
    return; // uniform: PASS is an override
  }
  let c = wid.x;
  let k = wid.y;
  let m = params.N * params.HW;
  let begin = k * params.chunk;
  let end = min(m, begin + params.chunk);
  let mu = mean[c];
  let istd = inverseSqrt(variance[c] + params.eps);
  var sg = 0.0;
  var sgx = 0.0;
  for (var j = begin + lid; j < end; j += WG) {
    let i = ((j / params.HW) * params.C + c) * params.HW + j % params.HW;
    let gi = gradAt(i);
    sg += gi;
    sgx += gi * (x[i] - mu) * istd;
  }
  part_g[lid] = sg;
  part_gx[lid] = sgx;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      part_g[lid] = part_g[lid] + part_g[lid + s];
      part_gx[lid] = part_gx[lid] + part_gx[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    part[(c * params.chunks + k) * 2u] = part_g[0];
    part[(c * params.chunks + k) * 2u + 1u] = part_gx[0];
  }
}
