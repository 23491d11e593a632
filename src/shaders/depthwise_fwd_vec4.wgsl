// depthwise_fwd_vec4.wgsl (v4): depthwise 3×3 conv2d forward (groups = C = O, padding 1, dilation 1,
//   stride 1 or 2, input width a multiple of 4): a 2 × 4 block of outputs per thread from aligned vec4 loads.
//   y[n, c, oh, ow] = bias[c] + Σ_{kh, kw < 3} x[n, c, oh·S − 1 + kh, ow·S − 1 + kw] · w[c, 0, kh, kw]
// Layouts (row-major f32): x [N, C, H, W] read as vec4 words (W % 4 == 0, so every row starts on a word),
//   w [C, 1, 3, 3], bias [C] (unread when HAS_BIAS is false), y [N, C, OH, OW].
// Idea: a thread computes outputs ow0 … ow0 + 3 (ow0 = 4·piece) of output rows oh0 and oh0 + 1. The input
//   columns of 4 adjacent outputs, ow0·S − 1 … ow0·S + 3·S + 1, lie inside the three aligned words from
//   ow0·S − 4, so each input row costs 3 vec4 loads (a word left or right of the row is zero padding, whole,
//   since W % 4 == 0), and one filter row is three vec4 multiply-adds on swizzles of those words:
//     S = 1: k0·(a.w, b.x, b.y, b.z) + k1·b + k2·(b.y, b.z, b.w, c.x)
//     S = 2: k0·(a.w, b.y, b.w, c.y) + k1·(b.x, b.z, c.x, c.z) + k2·(b.y, b.w, c.y, c.w)
//   The two output rows share input rows: 4 (S = 1) or 5 (S = 2) rows serve 8 outputs, 1.5 or 1.9 vector
//   loads per output. No per-tap bounds checks and no arrays indexed at run time (v3's window is one, which
//   a CPU adapter such as SwiftShader keeps in memory): straight-line code for a CPU adapter's SIMD lanes
//   and 128-bit loads for a GPU.
// The input gradient (depthwise.dgrad v4, depthwise_dgrad_vec4.wgsl) at stride 1 is this same convolution of the output gradient with
//   the filter turned 180° (FLIP: tap (kh, kw) reads w[2 − kh, 2 − kw]), no bias and no activation: with
//   padding 1 and stride 1, dx[ih, iw] = Σ gy[ih + 1 − kh, iw + 1 − kw] · w[kh, kw].
// Epilogue: + bias, then the activation ACT (activate(), epilogue_act.wgsl, prepended by the engine).
// Dispatch: 64 threads per workgroup over N·C·⌈OH/2⌉·⌈OW/4⌉ blocks, spread over x/y by grid().
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
override STRIDE: u32 = 1u;
override FLIP: bool = false;

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

/** Word `word` of input row `ih` (both may be out of range: zero padding), the plane starting at word `plane`. */
fn load(plane: u32, ih: u32, word: u32, H: u32, W4: u32) -> vec4<f32> {
  if (ih >= H || word >= W4) { return vec4<f32>(); } // both wrap below zero, so one compare checks each
  return x[plane + ih * W4 + word];
}

/** One filter row (k) applied to the words a, b, c around the 4 outputs. */
fn filterRow(a: vec4<f32>, b: vec4<f32>, c: vec4<f32>, k: vec3<f32>) -> vec4<f32> {
  if (STRIDE == 1u) {
    return k.x * vec4(a.w, b.x, b.y, b.z) + k.y * b + k.z * vec4(b.y, b.z, b.w, c.x);
  }
  return k.x * vec4(a.w, b.y, b.w, c.y) + k.y * vec4(b.x, b.z, c.x, c.z) + k.z * vec4(b.y, b.w, c.y, c.w);
}

// Output rows per thread; main() is written for two (acc0, acc1).
const ROWS: u32 = 2u;

/** Filter row i of the three. */
fn pick(k0: vec3<f32>, k1: vec3<f32>, k2: vec3<f32>, i: u32) -> vec3<f32> {
  return select(select(k2, k1, i == 1u), k0, i == 0u);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let pieces = (p.OW + 3u) / 4u;
  let bands = (p.OH + ROWS - 1u) / ROWS;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.N * p.C * bands * pieces) { return; }
  let piece = index % pieces;
  let oh0 = ((index / pieces) % bands) * ROWS;
  let plane = index / (pieces * bands); // n·C + c
  let c = plane % p.C;
  let W4 = p.W / 4u;
  let xPlane = plane * p.H * W4;
  // Word holding input column ow0·S: ow0·S / 4 = piece·S.
  let mid = piece * STRIDE;
  var k0 = vec3(w[c * 9u], w[c * 9u + 1u], w[c * 9u + 2u]);
  var k1 = vec3(w[c * 9u + 3u], w[c * 9u + 4u], w[c * 9u + 5u]);
  var k2 = vec3(w[c * 9u + 6u], w[c * 9u + 7u], w[c * 9u + 8u]);
  if (FLIP) { // the filter turned 180°: rows swapped top to bottom, each reversed
    let top = k0;
    k0 = k2.zyx;
    k1 = k1.zyx;
    k2 = top.zyx;
  }
  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  // Input row i feeds output row 0 through filter row i and output row 1 through filter row i − S.
  for (var i = 0u; i < (ROWS - 1u) * STRIDE + 3u; i++) {
    let ih = oh0 * STRIDE + i - 1u; // wraps below zero: load() reads it as padding
    let a = load(xPlane, ih, mid - 1u, p.H, W4);
    let b = load(xPlane, ih, mid, p.H, W4);
    let d = load(xPlane, ih, mid + 1u, p.H, W4);
    if (i < 3u) { acc0 += filterRow(a, b, d, pick(k0, k1, k2, i)); }
    let j = i - STRIDE; // wraps below zero
    if (j < 3u) { acc1 += filterRow(a, b, d, pick(k0, k1, k2, j)); }
  }
  var bv = 0.0;
  if (HAS_BIAS) { bv = bias[c]; }
  let ow0 = piece * 4u;
  let yRow = (plane * p.OH + oh0) * p.OW + ow0;
  for (var j = 0u; j < 4u; j++) {
    if (ow0 + j < p.OW) {
      y[yRow + j] = activate(acc0[j] + bv);
      if (oh0 + 1u < p.OH) { y[yRow + p.OW + j] = activate(acc1[j] + bv); }
    }
  }
}
