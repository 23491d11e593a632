// depthwise_dgrad_vec4.wgsl (v4): depthwise 3×3 conv2d input gradient at stride 2 (padding 1, dilation 1,
//   input width a multiple of 8): 2 × 8 input pixels per thread from 4 aligned vec4 loads of the gradient.
//   dx[n, c, ih, iw] = Σ_{kh, kw < 3} gy[n, c, oh, ow] · w[c, 0, kh, kw]  over the taps with
//   2·oh = ih + 1 − kh and 2·ow = iw + 1 − kw exactly (0 ≤ oh < OH, 0 ≤ ow < OW)
// Layouts (row-major f32): gy [N, C, OH, OW] read as vec4 words (OW = W/2, a multiple of 4), w [C, 1, 3, 3],
//   dx [N, C, H, W].
// Idea: at stride 2 a pixel's taps depend on its parity. An even row takes filter row 1 from gradient row
//   ih/2; an odd row takes rows 0 and 2 from gradient rows (ih + 1)/2 and (ih − 1)/2. Columns work the same
//   way. So pixels iw0 … iw0 + 7 (iw0 = 8q) of rows 2r and 2r + 1 need gradient columns 4q … 4q + 4 of
//   gradient rows r and r + 1: two words each, b = columns 4q … 4q + 3 and c = 4q + 4 … (a word past the
//   row's end is zero padding, whole). With k the filter row:
//     even columns (iw0 + 0, 2, 4, 6): k.y·b
//     odd columns  (iw0 + 1, 3, 5, 7): k.x·(b.y, b.z, b.w, c.x) + k.z·b
//   That is 16 pixels from 4 vector loads and straight-line vec4 arithmetic, with no bounds check inside a
//   row and no array indexed at run time. At stride 1 the input gradient is the forward convolution with
//   the filter turned 180°, which depthwise_fwd_vec4.wgsl computes (FLIP); depthwise.ts runs that there, and
//   this kernel at stride 2.
// Dispatch: 64 threads per workgroup over N·C·⌈H/2⌉·(W/8) blocks, spread over x/y by grid().
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

@group(0) @binding(0) var<storage, read> gy: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

/** Word `word` of gradient row `oh` (either may be past the end: zero padding), the plane starting at word `plane`. */
fn load(plane: u32, oh: u32, word: u32, OH: u32, OW4: u32) -> vec4<f32> {
  if (oh >= OH || word >= OW4) { return vec4<f32>(); }
  return gy[plane + oh * OW4 + word];
}

/** Even and odd columns of one filter row k applied to gradient words b, c. */
fn evenCols(b: vec4<f32>, k: vec3<f32>) -> vec4<f32> {
  return k.y * b;
}

fn oddCols(b: vec4<f32>, c: vec4<f32>, k: vec3<f32>) -> vec4<f32> {
  return k.x * vec4(b.y, b.z, b.w, c.x) + k.z * b;
}

/** Writes the 8 pixels of row `ih` from column iw0: even columns from `even`, odd ones from `odd`. */
fn storeRow(base: u32, even: vec4<f32>, odd: vec4<f32>) {
  for (var j = 0u; j < 4u; j++) {
    dx[base + 2u * j] = even[j];
    dx[base + 2u * j + 1u] = odd[j];
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let blocks = p.W / 8u;
  let bands = (p.H + 1u) / 2u;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.N * p.C * bands * blocks) { return; }
  let q = index % blocks;
  let r = (index / blocks) % bands;
  let plane = index / (blocks * bands); // n·C + c
  let c = plane % p.C;
  let OW4 = p.OW / 4u;
  let gPlane = plane * p.OH * OW4;
  let k0 = vec3(w[c * 9u], w[c * 9u + 1u], w[c * 9u + 2u]);
  let k1 = vec3(w[c * 9u + 3u], w[c * 9u + 4u], w[c * 9u + 5u]);
  let k2 = vec3(w[c * 9u + 6u], w[c * 9u + 7u], w[c * 9u + 8u]);
  let b0 = load(gPlane, r, q, p.OH, OW4);
  let c0 = load(gPlane, r, q + 1u, p.OH, OW4);
  let b1 = load(gPlane, r + 1u, q, p.OH, OW4);
  let c1 = load(gPlane, r + 1u, q + 1u, p.OH, OW4);
  let rowBase = (plane * p.H + 2u * r) * p.W + 8u * q;
  // Row 2r (even): filter row 1 from gradient row r.
  storeRow(rowBase, evenCols(b0, k1), oddCols(b0, c0, k1));
  // Row 2r + 1 (odd): filter row 0 from gradient row r + 1, filter row 2 from gradient row r.
  if (2u * r + 1u < p.H) {
    storeRow(rowBase + p.W, evenCols(b1, k0) + evenCols(b0, k2), oddCols(b1, c1, k0) + oddCols(b0, c0, k2));
  }
}
