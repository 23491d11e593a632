// depthwise_wgrad_split.wgsl (v2): depthwise 3×3 conv2d weight gradient, split over N·OH·OW.
//   part[s, c, t] = Σ_{r in split s} gy[n, c, oh, ow] · x[n, c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]
//   with r = (n·OH + oh)·OW + ow, t = kh·3 + kw; then dw[c, 0, kh, kw] = Σ_s part[s, c, t]
//   (conv2d_wgrad_reduce.wgsl; with one split the kernel writes dw directly).
// Layouts (row-major f32): gy [N, C, OH, OW], x [N, C, H, W], part [splits, C, 9] (or dw [C, 1, 3, 3]).
// Idea: the 9 weights of a channel are sums over N·OH·OW products, a reduction, not a GEMM. A workgroup of
//   256 threads owns one channel and one chunk of `chunk` output positions: each thread reads a gradient
//   value once and multiplies it into all 9 taps (9 accumulators in registers), then the workgroup sums its
//   256 × 9 partials in a tree in workgroup memory. Any stride, padding and dilation; 3×3 only.
// Dispatch: [C, splits, 1] workgroups of 256 threads; the host picks splits so C·splits fills the device.
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

const THREADS: u32 = 256u;

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> sums: array<f32, 2304>; // 9 taps × 256 threads

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let c = wid.x;
  let split = wid.y;
  let OHW = p.OH * p.OW;
  let total = p.N * OHW;
  let begin = split * p.chunk;
  let end = min(begin + p.chunk, total);
  var acc: array<f32, 9>;
  for (var t = 0u; t < 9u; t++) { acc[t] = 0.0; }
  for (var r = begin + lid; r < end; r += THREADS) {
    let n = r / OHW;
    let q = r % OHW;
    let oh = q / p.OW;
    let ow = q % p.OW;
    let g = gy[(n * p.C + c) * OHW + q];
    let xPlane = (n * p.C + c) * p.H * p.W;
    for (var kh = 0u; kh < 3u; kh++) {
      let ih = oh * p.sH + kh * p.dH - p.pH; // wraps below zero
      if (ih >= p.H) { continue; }
      for (var kw = 0u; kw < 3u; kw++) {
        let iw = ow * p.sW + kw * p.dW - p.pW;
        if (iw >= p.W) { continue; }
        acc[kh * 3u + kw] += g * x[xPlane + ih * p.W + iw];
      }
    }
  }
  for (var t = 0u; t < 9u; t++) { sums[t * THREADS + lid] = acc[t]; }
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      for (var t = 0u; t < 9u; t++) { sums[t * THREADS + lid] += sums[t * THREADS + lid + stride]; }
    }
    workgroupBarrier();
  }
  if (lid < 9u) { part[(split * p.C + c) * 9u + lid] = sums[lid * THREADS]; }
}
