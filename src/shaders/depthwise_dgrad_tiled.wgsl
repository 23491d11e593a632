// depthwise_dgrad_tiled.wgsl (v2): depthwise 3×3 conv2d input gradient (dilation 1, stride 1 or 2).
//   dx[n, c, ih, iw] = Σ_{kh, kw < 3} gy[n, c, oh, ow] · w[c, 0, kh, kw]
//   over the taps with oh·S = ih + pH − kh and ow·S = iw + pW − kw exactly (0 ≤ oh < OH, 0 ≤ ow < OW)
// Layouts (row-major f32): gy [N, C, OH, OW], w [C, 1, 3, 3], dx [N, C, H, W].
// Idea: as in depthwise_fwd_tiled.wgsl, one workgroup owns an 8 × 32 tile of one (n, c) plane of dx. The
//   output-gradient rows and columns that tile reads (⌊(8 − 1 + 2)/S⌋ + 2 rows × ⌊(32 − 1 + 2)/S⌋ + 2 columns,
//   zeros outside gy) are loaded once into workgroup memory; each thread gathers 4 adjacent pixels of a row.
//   With stride 2 only the taps of matching parity contribute; the parity test is on the tile-relative
//   index, cheap integer work, and no bounds check remains in the inner loop.
// Dispatch: [ceil(W / 32), ceil(H / 8), N·C] workgroups of 64 threads (8 × 8, x along columns).
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

override STRIDE: u32 = 1u;

const TILE_H: u32 = 8u;
const TILE_W: u32 = 32u;
const PER_THREAD: u32 = 4u;
// The largest gradient window (stride 1): 11 rows × 35 columns.
const MAX_WINDOW: u32 = 385u;

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

var<workgroup> window: array<f32, MAX_WINDOW>;

/** ⌊a / b⌋ for a possibly negative a (WGSL's / truncates toward zero). */
fn floorDiv(a: i32, b: i32) -> i32 {
  let q = a / b;
  return select(q, q - 1, (a % b != 0) && (a < 0));
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let S = i32(STRIDE);
  let winH = (TILE_H - 1u + 2u) / STRIDE + 2u;
  let winW = (TILE_W - 1u + 2u) / STRIDE + 2u;
  let ih0 = i32(wid.y * TILE_H);
  let iw0 = i32(wid.x * TILE_W);
  let plane = wid.z; // n·C + c
  let c = plane % p.C;
  let gPlane = plane * p.OH * p.OW;
  // The window's first gradient row / column: the smallest oh any pixel of the tile reads (may be < 0).
  let oh0 = floorDiv(ih0 + i32(p.pH) - 2, S);
  let ow0 = floorDiv(iw0 + i32(p.pW) - 2, S);
  for (var i = lid; i < winH * winW; i += 64u) {
    let oh = oh0 + i32(i / winW);
    let ow = ow0 + i32(i % winW);
    var v = 0.0;
    if (oh >= 0 && oh < i32(p.OH) && ow >= 0 && ow < i32(p.OW)) { v = gy[gPlane + u32(oh) * p.OW + u32(ow)]; }
    window[i] = v;
  }
  var k: array<f32, 9>;
  for (var t = 0u; t < 9u; t++) { k[t] = w[c * 9u + t]; }
  workgroupBarrier();

  let ih = ih0 + i32(lid3.y);
  let iwFirst = iw0 + i32(lid3.x * PER_THREAD);
  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var kh = 0; kh < 3; kh++) {
    let th = ih + i32(p.pH) - kh; // = oh·S for a contributing tap
    let rh = th - oh0 * S;        // ≥ 0: window-relative, times S
    if (rh % S != 0) { continue; }
    let rowBase = u32(rh / S) * winW;
    for (var j = 0; j < i32(PER_THREAD); j++) {
      for (var kw = 0; kw < 3; kw++) {
        let rw = iwFirst + j + i32(p.pW) - kw - ow0 * S;
        if (rw % S != 0) { continue; }
        acc[j] += window[rowBase + u32(rw / S)] * k[kh * 3 + kw];
      }
    }
  }
  if (ih >= i32(p.H)) { return; }
  let dxRow = (plane * p.H + u32(ih)) * p.W;
  for (var j = 0u; j < PER_THREAD; j++) {
    let iw = u32(iwFirst) + j;
    if (iw < p.W) { dx[dxRow + iw] = acc[j]; }
  }
}
