// nn_batchnorm_apply.wgsl (v1): BatchNorm's normalization and affine transform, one thread per element.
//   y = act((x − mean_c) / sqrt(var_c + eps) · w_c + b_c)
// act: ACT of epilogue_act.wgsl (none, relu, relu6), prepended by the engine: what nn.Sequential runs for
// BatchNorm → ReLU / ReLU6.
// mean and var are the batch statistics (train mode, from nn_batchnorm_stats) or the running ones (eval).
// Layout: x, y NCHW f32; mean, var, w, b [C] f32 (w, b ignored without AFFINE).
//
// | version | idea                                   | figure                              | device                | shape            |
// | ------- | -------------------------------------- | ----------------------------------- | --------------------- | ---------------- |
// | v1      | one thread per element                 | probe only: 1.00 (read back)       | SwiftShader (2 cores) | [4,16,32,32] eval |
// | v2      | a vec4 word of one channel per thread  | probe only: 0.72 of v1 (read back) | SwiftShader (2 cores) | [4,16,32,32] eval |

override AFFINE: bool = true;

struct Params { n: u32, C: u32, HW: u32, eps: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> variance: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let c = (i / params.HW) % params.C;
  var v = (x[i] - mean[c]) * inverseSqrt(variance[c] + params.eps);
  if (AFFINE) { v = v * w[c] + b[c]; }
  y[i] = activate(v);
}
