// depthwise_fwd_rows.wgsl (v3): depthwise 3×3 conv2d forward (groups = C = O, dilation 1, stride 1 or 2),
//   register-blocked along rows.
//   y[n, c, oh, ow] = bias[c] + Σ_{kh, kw < 3} x[n, c, oh·S − pH + kh, ow·S − pW + kw] · w[c, 0, kh, kw]
// Layouts (row-major f32): x [N, C, H, W], w [C, 1, 3, 3], bias [C] (unread when HAS_BIAS is false),
//   y [N, C, OH, OW].
// Idea: each thread computes 4 adjacent outputs of one row. It reads the 3 × (3·S + 3) input window they
//   share once into registers (a 3 × 9 array at stride 2, 3 × 6 at stride 1) and the 9 weights once, then
//   does the 36 multiply-adds from registers: 1.5 (S = 1) to 2.25 (S = 2) input reads per output instead of
//   9, one index decomposition per 4 outputs, and no workgroup memory or barrier (which v2 needs and CPU
//   adapters such as SwiftShader run slowly). Out-of-range taps read 0 through a clamped index and select.
// Epilogue: + bias, then the activation ACT (activate(), epilogue_act.wgsl, prepended by the engine).
// Dispatch: 64 threads per workgroup over N·C·OH·⌈OW/4⌉ row pieces, spread over x/y by grid().
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

const PER_THREAD: u32 = 4u;
// Window columns: (4 − 1)·S + 3, at most 9.
const MAX_COLS: u32 = 9u;

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
  let pieces = (p.OW + PER_THREAD - 1u) / PER_THREAD;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.N * p.C * p.OH * pieces) { return; }
  let piece = index % pieces;
  let oh = (index / pieces) % p.OH;
  let plane = index / (pieces * p.OH); // n·C + c
  let c = plane % p.C;
  let ow0 = piece * PER_THREAD;
  let xPlane = plane * p.H * p.W;
  let cols = (PER_THREAD - 1u) * STRIDE + 3u;
  let iw0 = ow0 * STRIDE - p.pW; // wraps below zero: one compare checks both ends
  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var kh = 0u; kh < 3u; kh++) {
    let ih = oh * STRIDE + kh - p.pH;
    let rowOk = ih < p.H;
    let rowBase = xPlane + min(ih, p.H - 1u) * p.W;
    var win: array<f32, MAX_COLS>;
    for (var j = 0u; j < cols; j++) {
      let iw = iw0 + j;
      win[j] = select(0.0, x[rowBase + min(iw, p.W - 1u)], rowOk && iw < p.W);
    }
    let k0 = w[c * 9u + kh * 3u];
    let k1 = w[c * 9u + kh * 3u + 1u];
    let k2 = w[c * 9u + kh * 3u + 2u];
    for (var j = 0u; j < PER_THREAD; j++) {
      let at = j * STRIDE;
      acc[j] += win[at] * k0 + win[at + 1u] * k1 + win[at + 2u] * k2;
    }
  }
  var b = 0.0;
  if (HAS_BIAS) { b = bias[c]; }
  let yRow = (plane * p.OH + oh) * p.OW;
  for (var j = 0u; j < PER_THREAD; j++) {
    if (ow0 + j < p.OW) { y[yRow + ow0 + j] = activate(acc[j] + b); }
  }
}
