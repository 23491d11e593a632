// nn_batchnorm_backward.wgsl (v1): BatchNorm's backward, in two launches chosen by the override PASS.
//   PASS 0, one workgroup of 256 threads per channel:   sums[c] = Σ g,   sums[R + c] = Σ g·x̂
//     (batchNorm.backwardSums v1; v2, ranges across workgroups, is nn_batchnorm_backward_sums_split.wgsl)
//     (x̂ = (x − mean_c)·istd_c, istd_c = 1/sqrt(var_c + eps); sums over n, h, w). These are also the bias
//     and weight gradients: db_c = Σ g, dw_c = Σ g·x̂.
//   PASS 1, one thread per element, the input gradient:
//     train (batch statistics, which depend on x):  dx = w_c·istd_c·(g − (Σg + x̂·Σg·x̂)/M),  M = N·H·W
//     eval (running statistics, constants):         dx = w_c·istd_c·g
// With a fused activation (ACT of epilogue_act.wgsl, prepended by the engine) g is first taken through it from
// the saved output y (activationGrad: g · [y > 0] for relu, g · [0 < y < 6] for relu6), in both passes.
// Layout: x, g, y, dx NCHW f32; mean, var, w [C]; sums: Σg at [0, C), Σg·x̂ at [R, R + C), where the host
// rounds R = sumsRow up to 64 floats (256 bytes), so each row is a storage view: the bias and weight
// gradients without a copy. Without AFFINE, w_c = 1; without ACT, y is g.
//
// | version | idea                                                  | figure      | device                | shape |
// | ------- | ----------------------------------------------------- | ----------- | --------------------- | ----- |
// | v1      | per-channel sums (a workgroup each), then elementwise | (not timed) | SwiftShader (2 cores) | -     |
// | v2      | the sums' ranges across workgroups (…_sums_split)     | (not timed) | -                     | -     |

override PASS: u32 = 0u;
override TRAIN: bool = true;
override AFFINE: bool = true;

struct Params { N: u32, C: u32, HW: u32, eps: f32, sumsRow: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>; // PASS 0: sums (see Layout); PASS 1: dx
@group(0) @binding(6) var<storage, read> sums: array<f32>;      // PASS 1 reads what PASS 0 wrote
@group(0) @binding(7) var<storage, read> y: array<f32>;         // the forward's output (for ACT)
@group(0) @binding(8) var<uniform> params: Params;

/** The gradient at element i, through the fused activation. */
fn gradAt(i: u32) -> f32 {
  if (ACT == 0u) { return g[i]; }
  return activationGrad(g[i], y[i]);
}

const WG: u32 = 256u;
var<workgroup> part_g: array<f32, 256>;
var<workgroup> part_gx: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  if (PASS == 0u) {
    let c = wid.x;
    let m = params.N * params.HW;
    let mu = mean[c];
    let istd = inverseSqrt(variance[c] + params.eps);
    var sg = 0.0;
    var sgx = 0.0;
    for (var j = lid; j < m; j += WG) {
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
      out[c] = part_g[0];
      out[params.sumsRow + c] = part_gx[0];
    }
    return;
  }
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.N * params.C * params.HW) { return; }
  let c = (i / params.HW) % params.C;
  let istd = inverseSqrt(variance[c] + params.eps);
  var scale = istd;
  if (AFFINE) { scale = scale * w[c]; }
  if (TRAIN) {
    let m = f32(params.N * params.HW);
    let xhat = (x[i] - mean[c]) * istd;
    out[i] = scale * (gradAt(i) - (sums[c] + xhat * sums[params.sumsRow + c]) / m);
  } else {
    out[i] = scale * gradAt(i);
  }
}
