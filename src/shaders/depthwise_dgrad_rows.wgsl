// depthwise_dgrad_rows.wgsl (v3): depthwise 3×3 conv2d input gradient (dilation 1, stride 1 or 2),
//   register-blocked along rows.
//   dx[n, c, ih, iw] = Σ_{kh, kw < 3} gy[n, c, oh, ow] · w[c, 0, kh, kw]
//   over the taps with oh·S = ih + pH − kh and ow·S = iw + pW − kw exactly (0 ≤ oh < OH, 0 ≤ ow < OW)
// Layouts (row-major f32): gy [N, C, OH, OW], w [C, 1, 3, 3], dx [N, C, H, W].
// Idea: each thread gathers 4 adjacent pixels of one dx row. Per kernel row it reads the gradient columns
//   those pixels share (6 at stride 1, 4 at stride 2) once into registers, so the 9 weights,
//   the row test and the index decomposition are shared by 4 pixels; no workgroup memory or barrier.
// Dispatch: 64 threads per workgroup over N·C·H·⌈W/4⌉ row pieces, spread over x/y by grid().
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

const PER_THREAD: u32 = 4u;
// Gradient columns a row piece reads: ⌊(4 + S)/S⌋ + 1, at most 6.
const MAX_COLS: u32 = 6u;

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

/** ⌊a / b⌋ for a possibly negative a (WGSL's / truncates toward zero). */
fn floorDiv(a: i32, b: i32) -> i32 {
  let q = a / b;
  return select(q, q - 1, (a % b != 0) && (a < 0));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let S = i32(STRIDE);
  let pieces = (p.W + PER_THREAD - 1u) / PER_THREAD;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.N * p.C * p.H * pieces) { return; }
  let piece = index % pieces;
  let ih = i32((index / pieces) % p.H);
  let plane = index / (pieces * p.H); // n·C + c
  let c = plane % p.C;
  let gPlane = plane * p.OH * p.OW;
  let iw0 = i32(piece * PER_THREAD);
  // The gradient columns the 4 pixels read: ow from ⌊(iw0 + pW − 2)/S⌋ on.
  let owFirst = floorDiv(iw0 + i32(p.pW) - 2, S);
  let cols = u32((i32(PER_THREAD) + S) / S + 1); // 6 at stride 1, 4 at stride 2
  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var kh = 0; kh < 3; kh++) {
    let th = ih + i32(p.pH) - kh;
    if (th < 0 || th % S != 0) { continue; }
    let oh = u32(th / S);
    if (oh >= p.OH) { continue; }
    let rowBase = gPlane + oh * p.OW;
    var win: array<f32, MAX_COLS>;
    for (var j = 0u; j < cols; j++) {
      let ow = owFirst + i32(j);
      let ok = ow >= 0 && ow < i32(p.OW);
      win[j] = select(0.0, gy[rowBase + u32(clamp(ow, 0, i32(p.OW) - 1))], ok);
    }
    for (var j = 0; j < i32(PER_THREAD); j++) {
      for (var kw = 0; kw < 3; kw++) {
        let tw = iw0 + j + i32(p.pW) - kw; // = ow·S for a contributing tap
        let rel = tw - owFirst * S;       // ≥ 0
        if (rel % S != 0) { continue; }
        acc[j] += win[rel / S] * w[c * 9u + u32(kh * 3 + kw)];
      }
    }
  }
  let dxRow = (plane * p.H + u32(ih)) * p.W;
  for (var j = 0u; j < PER_THREAD; j++) {
    let iw = u32(iw0) + j;
    if (iw < p.W) { dx[dxRow + iw] = acc[j]; }
  }
}
