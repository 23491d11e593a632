// conv2d_fwd_naive.wgsl (v1): conv2d forward, one thread per output element, no tiling.
//   y[n, o, oh, ow] = bias[o] + Σ_{c < C/groups, kh, kw} x[n, g·Cg + c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]
//                                                      · w[o, c, kh, kw]            (g = o / (O/groups))
// Layouts (row-major f32): x [N, C, H, W], w [O, C/groups, kH, kW], bias [O] (bound but unread when
//   HAS_BIAS is false), y [N, O, OH, OW]. Taps outside the input read the zero padding.
// Epilogue: + bias, then the activation ACT (activate(), epilogue_act.wgsl, prepended by the engine).
// Dispatch: 64 threads per workgroup over the N·O·OH·OW outputs, spread over x/y by grid().
// The reference the implicit-GEMM version (conv2d_fwd_gemm.wgsl) is tested against: any shape, stride,
// padding, dilation and groups.
// Bench: npm run bench -- --filter conv2d --versions   (bench/cases/conv.ts; force v1 with kernelVersions.force('conv2d.forward', 'v1'))
//
// Figures: `npm run bench -- --filter "conv2d resnet18 layer2 128→128 28² N1" --versions` (bench/cases/conv.ts),
// GPU timestamps, 3 rounds, result bench/results/2026-12-02-google-swiftshader-chrome-conv2d-resnet18-layer2-128-128-28-n1.json.
// The forward row. SwiftShader on 2 cores shared at load average ~20: absolute times are inflated
// several-fold; TF.js took 1647 ms in the same run. No GPU figure yet (target: /work/shared/gpu/README.md).
// v  | idea                                      | figure                 | device                     | shape
// v1 | one thread per output, direct loops       | 3861 ms, 0.060 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v2 | implicit GEMM, 64×64 tile, 4×4 per thread | 943 ms, 0.25 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v3 | direct, no barrier, 4 px × 4 ch per thread | not benchmarked (no ms) | none yet | -

override HAS_BIAS: bool = true;

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.N * p.O * p.OH * p.OW) { return; }
  let ow = index % p.OW;
  let oh = (index / p.OW) % p.OH;
  let o = (index / (p.OW * p.OH)) % p.O;
  let n = index / (p.OW * p.OH * p.O);
  let Cg = p.C / p.groups;
  let g = o / (p.O / p.groups);
  var acc = 0.0;
  for (var c = 0u; c < Cg; c++) {
    let xPlane = (n * p.C + g * Cg + c) * p.H * p.W;
    let wPlane = (o * Cg + c) * p.kH * p.kW;
    for (var kh = 0u; kh < p.kH; kh++) {
      let ih = oh * p.sH + kh * p.dH - p.pH; // wraps below zero, so one compare checks both ends
      if (ih >= p.H) { continue; }
      for (var kw = 0u; kw < p.kW; kw++) {
        let iw = ow * p.sW + kw * p.dW - p.pW;
        if (iw >= p.W) { continue; }
        acc += x[xPlane + ih * p.W + iw] * w[wPlane + kh * p.kW + kw];
      }
    }
  }
  if (HAS_BIAS) { acc += bias[o]; }
  y[index] = activate(acc);
}
