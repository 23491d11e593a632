// depthwise_dgrad_naive.wgsl (v1): depthwise conv2d input gradient, one thread per input pixel (gather).
//   dx[n, c, ih, iw] = Σ_{kh, kw} gy[n, c, oh, ow] · w[c, 0, kh, kw]
//   over the taps with oh·sH = ih + pH − kh·dH and ow·sW = iw + pW − kw·dW exactly (0 ≤ oh < OH, 0 ≤ ow < OW)
// Layouts (row-major f32): gy [N, C, OH, OW], w [C, 1, kH, kW], dx [N, C, H, W]. Any kernel, stride,
//   padding and dilation: the reference for the tiled 3×3 version (depthwise_dgrad_tiled.wgsl).
// Dispatch: 64 threads per workgroup over the N·C·H·W input pixels, spread over x/y by grid().
// Bench: npm run bench -- --filter depthwise --versions   (bench/cases/depthwise.ts, the backward rows)
//
// Figures: `npm run bench -- --filter depthwise --versions` (bench/cases/depthwise.ts), GPU timestamps, 3
// rounds, result bench/results/2026-12-02-google-swiftshader-chrome-depthwise-vec4.json.
// SwiftShader (CPU, 2 cores) at load average ~1.5. A backward row times the input and weight gradients
// together, so the figures are pairs (dgrad + wgrad). At features.2 C96 112²/2 N1 and features.4 C144 56² N1:
// v1 + v1 131 ms / 73.9 ms; v2 + v2 328 ms / 233 ms; v3 + v1 86.7 ms / 62.8 ms; v3 + v3 76.6 ms / 52.6 ms;
// v4 + v3 (the auto rule's pick) 15.2 ms / 21.4 ms; TF.js 180 ms / 147 ms. No GPU figure yet.
// v  | idea | figure
// v1 | one thread per input pixel, gather the taps | —
// v2 | 8×32 input tile, gradient window in workgroup memory, 4 pixels per thread | —
// v3 | 4 pixels per thread along a row, gradient window in registers | —
// v4 | vec4 loads: stride 2 2 × 8 pixels per thread; stride 1 the forward v4 kernel, filter turned 180° | —

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.N * p.C * p.H * p.W) { return; }
  let iw = i32(index % p.W);
  let ih = i32((index / p.W) % p.H);
  let plane = index / (p.W * p.H); // n·C + c
  let c = plane % p.C;
  let gPlane = plane * p.OH * p.OW;
  var acc = 0.0;
  for (var kh = 0u; kh < p.kH; kh++) {
    let th = ih + i32(p.pH) - i32(kh * p.dH);
    if (th < 0 || u32(th) % p.sH != 0u) { continue; }
    let oh = u32(th) / p.sH;
    if (oh >= p.OH) { continue; }
    for (var kw = 0u; kw < p.kW; kw++) {
      let tw = iw + i32(p.pW) - i32(kw * p.dW);
      if (tw < 0 || u32(tw) % p.sW != 0u) { continue; }
      let ow = u32(tw) / p.sW;
      if (ow >= p.OW) { continue; }
      acc += gy[gPlane + oh * p.OW + ow] * w[(c * p.kH + kh) * p.kW + kw];
    }
  }
  dx[index] = acc;
}
