// depthwise_fwd_tiled.wgsl (v2): depthwise 3×3 conv2d forward (groups = C = O, dilation 1, stride 1 or 2).
//   y[n, c, oh, ow] = bias[c] + Σ_{kh, kw < 3} x[n, c, oh·S − pH + kh, ow·S − pW + kw] · w[c, 0, kh, kw]
// Layouts (row-major f32): x [N, C, H, W], w [C, 1, 3, 3], bias [C] (unread when HAS_BIAS is false),
//   y [N, C, OH, OW].
// Idea: a depthwise conv does 9 multiply-adds per output and reads 9 inputs for them, so it is bound by
//   memory, not arithmetic. A workgroup of 64 threads owns an 8 × 32 tile of one (n, c) plane: it loads the
//   tile's input window once ((8−1)·S + 3 rows × (32−1)·S + 3 columns, zero padding included) into workgroup
//   memory, keeps the 9 weights in registers, and each thread computes 4 adjacent outputs of one row from it.
//   Global reads per output drop from 9 to about (1 + 2/8)(1 + 2/32)·S² and no bounds check sits in the
//   inner loop. STRIDE (1 or 2) is an override constant, so the window size is known to the compiler.
// Epilogue: + bias, then the activation ACT (activate(), epilogue_act.wgsl, prepended by the engine).
// Dispatch: [ceil(OW / 32), ceil(OH / 8), N·C] workgroups of 64 threads (8 × 8, x along columns).
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

const TILE_H: u32 = 8u;
const TILE_W: u32 = 32u;
const PER_THREAD: u32 = 4u;
// The largest input window (stride 2): 17 rows × 65 columns.
const MAX_WINDOW: u32 = 1105u;

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

var<workgroup> window: array<f32, MAX_WINDOW>;

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let winH = (TILE_H - 1u) * STRIDE + 3u;
  let winW = (TILE_W - 1u) * STRIDE + 3u;
  let oh0 = wid.y * TILE_H;
  let ow0 = wid.x * TILE_W;
  let plane = wid.z; // n·C + c
  let c = plane % p.C;
  let xPlane = plane * p.H * p.W;
  // The window's top-left input pixel (may lie in the padding: i32).
  let ih0 = i32(oh0 * STRIDE) - i32(p.pH);
  let iw0 = i32(ow0 * STRIDE) - i32(p.pW);
  for (var i = lid; i < winH * winW; i += 64u) {
    let ih = ih0 + i32(i / winW);
    let iw = iw0 + i32(i % winW);
    var v = 0.0;
    if (ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W)) { v = x[xPlane + u32(ih) * p.W + u32(iw)]; }
    window[i] = v;
  }
  var k: array<f32, 9>;
  for (var t = 0u; t < 9u; t++) { k[t] = w[c * 9u + t]; }
  workgroupBarrier();

  let row = lid3.y;                 // output row in the tile
  let col0 = lid3.x * PER_THREAD;   // first of this thread's 4 output columns
  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var kh = 0u; kh < 3u; kh++) {
    let base = (row * STRIDE + kh) * winW + col0 * STRIDE;
    for (var j = 0u; j < PER_THREAD; j++) {
      let at = base + j * STRIDE;
      acc[j] += window[at] * k[kh * 3u] + window[at + 1u] * k[kh * 3u + 1u] + window[at + 2u] * k[kh * 3u + 2u];
    }
  }
  let oh = oh0 + row;
  if (oh >= p.OH) { return; }
  var b = 0.0;
  if (HAS_BIAS) { b = bias[c]; }
  let yRow = (plane * p.OH + oh) * p.OW;
  for (var j = 0u; j < PER_THREAD; j++) {
    let ow = ow0 + col0 + j;
    if (ow < p.OW) { y[yRow + ow] = activate(acc[j] + b); }
  }
}
