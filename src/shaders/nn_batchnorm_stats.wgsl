// nn_batchnorm_stats.wgsl (v1): per-channel batch statistics of x [N, C, H, W] for BatchNorm in train mode.
//   mean[c] = mean over (n, h, w) of x,   variance[c] = mean over (n, h, w) of (x − mean[c])²
//   (biased, as PyTorch normalizes with; the running-variance update unbiases it)
// One workgroup of WG threads per channel (override, 64 by default): a strided pass for the mean, a tree, then
// a second pass for the centred squares (two passes keep the variance accurate where E[x²] − E[x]² would
// cancel).
// Layout: x NCHW f32; mean, variance [C] f32.
//
// | version | idea                                        | figure                              |
// | ------- | ------------------------------------------- | ----------------------------------- |
// | v1      | one workgroup per channel, two-pass, WG 64  | not benchmarked (no bench case yet) |
// | v2      | ranges across workgroups (nn_batchnorm_stats_split) | not benchmarked (no bench case yet) |
// WG 64 is the default because a scratch timing (BatchNorm2d(96).forward in train mode on [2,96,32,32],
// SwiftShader, load average ~20; not a committed bench case) ran several times faster than with WG 256:
// SwiftShader runs a workgroup's invocations as fibers and each barrier of the trees switches all of them.
// Not yet measured on a GPU, where a channel with a large N·H·W may want more threads.

struct Params { N: u32, C: u32, HW: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> var_out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 64u;
var<workgroup> partial: array<f32, WG>;

fn tree_sum(lid: u32) -> f32 {
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let m = params.N * params.HW;
  var acc = 0.0;
  for (var j = lid; j < m; j += WG) {
    let n = j / params.HW;
    acc += x[(n * params.C + c) * params.HW + j % params.HW];
  }
  partial[lid] = acc;
  workgroupBarrier();
  let mean = tree_sum(lid) / f32(m);
  // One more barrier after the mean is read, before partial[] is overwritten: Tint writes workgroupBarrier() as a
  // bare GLSL barrier(), and Mesa's llvmpipe then lets the load of partial[0] in tree_sum read a later write
  // (found by npm run test:gles; see vitest.gles.config.ts).
  workgroupBarrier();
  var sq = 0.0;
  for (var j = lid; j < m; j += WG) {
    let n = j / params.HW;
    let d = x[(n * params.C + c) * params.HW + j % params.HW] - mean;
    sq += d * d;
  }
  partial[lid] = sq;
  workgroupBarrier();
  let variance = tree_sum(lid) / f32(m);
  if (lid == 0u) {
    mean_out[c] = mean;
    var_out[c] = variance;
  }
}
