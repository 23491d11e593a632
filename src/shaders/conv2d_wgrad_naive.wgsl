// conv2d_wgrad_naive.wgsl (v1): conv2d weight gradient, one thread per weight element.
//   dw[o, c, kh, kw] = Σ_{n, oh, ow} gy[n, o, oh, ow] · x[n, g·Cg + c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]
//   (g = o / Og; taps in the padding contribute 0)
// With HAS_BIAS, O more threads (one per channel, after the weights) also write the bias gradient
//   db[o] = Σ_{n, oh, ow} gy[n, o, oh, ow], so that it needs no pass of its own.
// Layouts (row-major f32): gy [N, O, OH, OW], x [N, C, H, W], dw [O, Cg, kH, kW], db [O] (unwritten when
//   HAS_BIAS is false: the engine binds a 1-element spare buffer there).
// Dispatch: 64 threads per workgroup over the O·Cg·kH·kW weights, spread over x/y by grid(). Each thread
// walks the whole N·OH·OW axis alone, so few weights means little parallelism: the split-K v2 fixes that.
// Bench: npm run bench -- --filter conv2d --versions   (bench/cases/conv.ts; force v1 with kernelVersions.force('conv2d.wgrad', 'v1'))
//
// Figures: `npm run bench -- --filter "conv2d resnet18 layer2 128→128 28² N1" --versions` (bench/cases/conv.ts),
// GPU timestamps, 3 rounds, result bench/results/2026-12-02-google-swiftshader-chrome-conv2d-resnet18-layer2-128-128-28-n1.json.
// The backward row times dgrad and wgrad together, both forced to the version. SwiftShader on 2 cores
// shared at load average ~20: absolute times are inflated several-fold; TF.js took 4590 ms in the same run. No GPU figure yet (target: /work/shared/gpu/README.md).
// v  | idea | figure (dgrad + wgrad) | device | shape
// v1 | one thread per weight, loops over N·OH·OW | 6731 ms, 0.069 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v2 | implicit GEMM, split-K over N·OH·OW, then reduce | 1533 ms, 0.30 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v3 | direct, no barrier, 4 ch × 4 taps per thread | not benchmarked (no ms) | none yet | -

override HAS_BIAS: bool = false;

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
@group(0) @binding(3) var<storage, read_write> db: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn biasGrad(o: u32) {
  let p = params;
  let plane = p.OH * p.OW;
  var acc = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let base = (n * p.O + o) * plane;
    for (var i = 0u; i < plane; i++) { acc += gy[base + i]; }
  }
  db[o] = acc;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let Cg = p.C / p.groups;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  let weights = p.O * Cg * p.kH * p.kW;
  if (HAS_BIAS && index >= weights && index < weights + p.O) { biasGrad(index - weights); }
  if (index >= weights) { return; }
  let kw = index % p.kW;
  let kh = (index / p.kW) % p.kH;
  let c = (index / (p.kW * p.kH)) % Cg;
  let o = index / (p.kW * p.kH * Cg);
  let g = o / (p.O / p.groups);
  var acc = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let xPlane = (n * p.C + g * Cg + c) * p.H * p.W;
    let gPlane = (n * p.O + o) * p.OH * p.OW;
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
