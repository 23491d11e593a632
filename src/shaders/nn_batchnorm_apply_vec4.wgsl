// nn_batchnorm_apply_vec4.wgsl (v2): BatchNorm's normalization and affine transform as v1 (nn_batchnorm_apply.wgsl),
// one vec4 word per thread, for CPU adapters: the word's 4 values share a channel (the engine runs it only when
// H·W is a multiple of 4), so the channel's mean, variance, weight and bias are read once for 4 values and x, y
// move as one wide load and store each (on SwiftShader a thread's separate float loads are gathers).
//   y = act((x − mean_c) / sqrt(var_c + eps) · w_c + b_c)
// act: ACT of epilogue_act.wgsl, prepended by the engine. Same values as v1 (the same expression per component).
// Layout: x, y NCHW bound as vec4<f32> words; mean, var, w, b [C] f32. params.n counts words, HW4 = H·W / 4.
// Probe (bench/probe expr, [4,16,32,32] eval, one run and its read-back, SwiftShader, load ~10): v1 4.3, v2 3.1
// (a relu of the same size 3.1); the figure column gives v2 / v1.
//
// | version | idea                                   | figure                              | device                | shape             |
// | ------- | -------------------------------------- | ----------------------------------- | --------------------- | ----------------- |
// | v1      | one thread per element                 | probe only: 1.00 (read back)       | SwiftShader (2 cores) | [4,16,32,32] eval |
// | v2      | a vec4 word of one channel per thread  | probe only: 0.72 of v1 (read back) | SwiftShader (2 cores) | [4,16,32,32] eval |

override AFFINE: bool = true;

struct Params { n: u32, C: u32, HW4: u32, eps: f32 }

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> variance: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let c = (i / params.HW4) % params.C;
  let m = mean[c];
  let s = inverseSqrt(variance[c] + params.eps);
  var v = (x[i] - vec4(m)) * s;
  if (AFFINE) { v = v * w[c] + vec4(b[c]); }
  y[i] = vec4(activate(v.x), activate(v.y), activate(v.z), activate(v.w));
}
