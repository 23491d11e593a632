// depthwise_fwd_naive.wgsl (v1): depthwise conv2d forward (groups = C = O), one thread per output element.
//   y[n, c, oh, ow] = bias[c] + Σ_{kh, kw} x[n, c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW] · w[c, 0, kh, kw]
// Layouts (row-major f32): x [N, C, H, W], w [C, 1, kH, kW], bias [C] (bound but unread when HAS_BIAS is
//   false), y [N, C, OH, OW]. Taps outside the input read the zero padding. Any kernel, stride, padding and
//   dilation: the reference the tiled 3×3 version (depthwise_fwd_tiled.wgsl) is tested against, and what runs
//   for depthwise shapes v2 does not take (kernels other than 3×3, dilation, stride > 2).
// Epilogue: + bias, then the activation ACT (activate(), epilogue_act.wgsl, prepended by the engine).
// Dispatch: 64 threads per workgroup over the N·C·OH·OW outputs, spread over x/y by grid().
// Bench: npm run bench -- --filter depthwise --versions   (bench/cases/depthwise.ts)
//
// Figures: `npm run bench -- --filter depthwise --versions` (bench/cases/depthwise.ts), GPU timestamps, 3
// rounds, result bench/results/2026-12-02-google-swiftshader-chrome-depthwise-vec4.json.
// SwiftShader (CPU, 2 cores) at load average ~1.5; TF.js depthwiseConv2d took 24.0 ms (features.2) and 22.0 ms
// (features.4) in the same run, the generic grouped conv2d 642 ms and 767 ms. The auto rule runs v4 where it
// applies, else v3 (see depthwise.ts). No GPU figure yet.
// v  | idea | features.2 C96 112²/2 N1 | features.4 C144 56² N1 | device
// v1 | one thread per output, direct loops | 31.9 ms | 38.3 ms | SwiftShader (CPU, 2 cores)
// v2 | 8×32 output tile, input window in workgroup memory, 4 outputs per thread | 108 ms | 143 ms | SwiftShader (CPU, 2 cores)
// v3 | 4 outputs per thread along a row, input window in registers | 19.6 ms | 20.4 ms | SwiftShader (CPU, 2 cores)
// v4 | 2 × 4 outputs per thread from aligned vec4 loads, straight-line swizzles | 8.52 ms | 10.3 ms | SwiftShader (CPU, 2 cores)

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
  if (index >= p.N * p.C * p.OH * p.OW) { return; }
  let ow = index % p.OW;
  let oh = (index / p.OW) % p.OH;
  let plane = index / (p.OW * p.OH); // n·C + c
  let c = plane % p.C;
  let xPlane = plane * p.H * p.W;
  let wPlane = c * p.kH * p.kW;
  var acc = 0.0;
  for (var kh = 0u; kh < p.kH; kh++) {
    let ih = oh * p.sH + kh * p.dH - p.pH; // wraps below zero, so one compare checks both ends
    if (ih >= p.H) { continue; }
    for (var kw = 0u; kw < p.kW; kw++) {
      let iw = ow * p.sW + kw * p.dW - p.pW;
      if (iw >= p.W) { continue; }
      acc += x[xPlane + ih * p.W + iw] * w[wPlane + kh * p.kW + kw];
    }
  }
  if (HAS_BIAS) { acc += bias[c]; }
  y[index] = activate(acc);
}
