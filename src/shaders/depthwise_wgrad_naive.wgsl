// depthwise_wgrad_naive.wgsl (v1): depthwise conv2d weight gradient, one thread per weight element.
//   dw[c, 0, kh, kw] = Σ_{n, oh, ow} gy[n, c, oh, ow] · x[n, c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]
//   (taps in the padding contribute 0)
// Layouts (row-major f32): gy [N, C, OH, OW], x [N, C, H, W], dw [C, 1, kH, kW]. Any kernel, stride,
//   padding and dilation: the reference for the split version (depthwise_wgrad_split.wgsl). Only C·kH·kW
//   threads, each walking all of N·OH·OW: little parallelism, which v2 fixes.
// Dispatch: 64 threads per workgroup over the C·kH·kW weights, spread over x/y by grid().
// Bench: npm run bench -- --filter depthwise --versions   (bench/cases/depthwise.ts, the backward rows)
//
// Figures: `npm run bench -- --filter depthwise --versions` (bench/cases/depthwise.ts), GPU timestamps, 3
// rounds, result bench/results/2026-12-02-google-swiftshader-chrome-depthwise-vec4.json.
// SwiftShader (CPU, 2 cores) at load average ~1.5. A backward row times the input and weight gradients
// together, so the figures are pairs (dgrad + wgrad). At features.2 C96 112²/2 N1 and features.4 C144 56² N1:
// v1 + v1 131 ms / 73.9 ms; v2 + v2 328 ms / 233 ms; v3 + v1 86.7 ms / 62.8 ms; v3 + v3 76.6 ms / 52.6 ms;
// v4 + v3 (the auto rule's pick) 15.2 ms / 21.4 ms; TF.js 180 ms / 147 ms. No GPU figure yet.
// v  | idea | figure
// v1 | one thread per weight, loops over N·OH·OW | —
// v2 | a workgroup per channel and split of N·OH·OW, 9 taps per thread, tree reduction | —
// v3 | row pieces of 4 outputs from aligned vec4 loads, split without workgroup memory, then a reduce | —

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.C * p.kH * p.kW) { return; }
  let kw = index % p.kW;
  let kh = (index / p.kW) % p.kH;
  let c = index / (p.kW * p.kH);
  var acc = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let xPlane = (n * p.C + c) * p.H * p.W;
    let gPlane = (n * p.C + c) * p.OH * p.OW;
    for (var oh = 0u; oh < p.OH; oh++) {
      let ih = oh * p.sH + kh * p.dH - p.pH; // wraps below zero
      if (ih >= p.H) { continue; }
      for (var ow = 0u; ow < p.OW; ow++) {
        let iw = ow * p.sW + kw * p.dW - p.pW;
        if (iw >= p.W) { continue; }
        acc += gy[gPlane + oh * p.OW + ow] * x[xPlane + ih * p.W + iw];
      }
    }
  }
  dw[index] = acc;
}
