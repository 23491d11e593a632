// nn_batchnorm_stats.wgsl: per-channel batch statistics of x [N, C, H, W] for BatchNorm in train mode.
//   mean[c] = mean over (n, h, w) of x,   variance[c] = mean over (n, h, w) of (x − mean[c])²
//   (biased, as PyTorch normalizes with; the running-variance update unbiases it)
// One workgroup of 256 threads per channel: a strided pass for the mean, a tree, then a second pass for
// the centred squares (two passes keep the variance accurate where E[x²] − E[x]² would cancel).
// Layout: x NCHW f32; mean, variance [C] f32.
//
// | version | idea                                        | figure      | device                | shape |
// | ------- | ------------------------------------------- | ----------- | --------------------- | ----- |
// | v1      | one workgroup per channel, two-pass         | (not timed) | SwiftShader (2 cores) | -     |

struct Params { N: u32, C: u32, HW: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> var_out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

const WG: u32 = 256u;
var<workgroup> partial: array<f32, 256>;

fn tree_sum(lid: u32) -> f32 {
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(256)
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
