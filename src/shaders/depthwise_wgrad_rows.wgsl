// depthwise_wgrad_rows.wgsl (v3): depthwise 3×3 conv2d weight gradient (padding 1, dilation 1, stride 1 or 2,
//   input width a multiple of 4), split over N·OH·⌈OW/4⌉ row pieces with no workgroup memory.
//   part[s, c, t] = Σ_{pieces of split s} Σ_{j < 4} gy[n, c, oh, ow0 + j] · x[n, c, oh·S − 1 + kh, (ow0 + j)·S − 1 + kw]
//   with t = kh·3 + kw; then dw[c, 0, kh, kw] = Σ_s part[s, c, t] (conv2d_wgrad_reduce.wgsl; with one split the
//   kernel writes dw directly).
// Layouts (row-major f32): gy [N, C, OH, OW], x [N, C, H, W] read as vec4 words (W % 4 == 0), part
//   [splits, C, 9] (or dw [C, 1, 3, 3]).
// Idea: the forward's v4 trick turned around. For 4 adjacent outputs of a row, the input columns of tap kw are
//   one swizzle of the three aligned words around them (depthwise_fwd_vec4.wgsl), so a piece adds
//   dot(g, swizzle_kw(a, b, c)) to each of the 9 taps: 4 gradient reads and 9 vector reads for 36
//   multiply-adds, no bounds checks inside a row (a word outside it is zero padding, whole), and no array
//   indexed at run time. Thread (c, s) takes the pieces s, s + splits, s + 2·splits, … of channel c, so
//   neighbouring threads read neighbouring pieces of one plane; each keeps its 9 sums in registers, and
//   there is no barrier (which v2's tree needs and a CPU adapter such as SwiftShader runs slowly).
// Dispatch: 64 threads per workgroup over C·splits threads, spread over x/y by grid(); the host picks splits
//   so that C·splits fills the adapter (depthwise.ts).
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

override STRIDE: u32 = 1u;

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

/** Word `word` of input row `ih` (both may be out of range: zero padding), the plane starting at word `plane`. */
fn load(plane: u32, ih: u32, word: u32, H: u32, W4: u32) -> vec4<f32> {
  if (ih >= H || word >= W4) { return vec4<f32>(); } // both wrap below zero, so one compare checks each
  return x[plane + ih * W4 + word];
}

/** Gradient j of the 4 outputs from ow0 in the row starting at gRow; 0 past the row's end (a partial last piece). */
fn gradAt(gRow: u32, ow0: u32, j: u32, OW: u32) -> f32 {
  if (ow0 + j >= OW) { return 0.0; }
  return gy[gRow + j];
}

/** The three taps of one filter row: g against the input columns of kw = 0, 1, 2 (swizzles of a, b, c). */
fn taps(g: vec4<f32>, a: vec4<f32>, b: vec4<f32>, c: vec4<f32>) -> vec3<f32> {
  if (STRIDE == 1u) {
    return vec3(dot(g, vec4(a.w, b.x, b.y, b.z)), dot(g, b), dot(g, vec4(b.y, b.z, b.w, c.x)));
  }
  return vec3(dot(g, vec4(a.w, b.y, b.w, c.y)), dot(g, vec4(b.x, b.z, c.x, c.z)), dot(g, vec4(b.y, b.w, c.y, c.w)));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.C * p.splits) { return; }
  let c = index / p.splits;
  let split = index % p.splits;
  let pieces = (p.OW + 3u) / 4u;
  let W4 = p.W / 4u;
  var acc0 = vec3<f32>();
  var acc1 = vec3<f32>();
  var acc2 = vec3<f32>();
  for (var r = split; r < p.N * p.OH * pieces; r += p.splits) {
    let piece = r % pieces;
    let oh = (r / pieces) % p.OH;
    let n = r / (pieces * p.OH);
    let plane = n * p.C + c;
    let ow0 = piece * 4u;
    let gRow = (plane * p.OH + oh) * p.OW + ow0;
    let g = vec4(gy[gRow], gradAt(gRow, ow0, 1u, p.OW), gradAt(gRow, ow0, 2u, p.OW), gradAt(gRow, ow0, 3u, p.OW));
    let xPlane = plane * p.H * W4;
    let mid = piece * STRIDE; // the word holding input column ow0·S
    let ih = oh * STRIDE - 1u; // filter row 0's input row; wraps below zero: load() reads it as padding
    acc0 += taps(g, load(xPlane, ih, mid - 1u, p.H, W4), load(xPlane, ih, mid, p.H, W4), load(xPlane, ih, mid + 1u, p.H, W4));
    acc1 += taps(g, load(xPlane, ih + 1u, mid - 1u, p.H, W4), load(xPlane, ih + 1u, mid, p.H, W4), load(xPlane, ih + 1u, mid + 1u, p.H, W4));
    acc2 += taps(g, load(xPlane, ih + 2u, mid - 1u, p.H, W4), load(xPlane, ih + 2u, mid, p.H, W4), load(xPlane, ih + 2u, mid + 1u, p.H, W4));
  }
  let out = (split * p.C + c) * 9u;
  part[out] = acc0.x;
  part[out + 1u] = acc0.y;
  part[out + 2u] = acc0.z;
  part[out + 3u] = acc1.x;
  part[out + 4u] = acc1.y;
  part[out + 5u] = acc1.z;
  part[out + 6u] = acc2.x;
  part[out + 7u] = acc2.y;
  part[out + 8u] = acc2.z;
}
