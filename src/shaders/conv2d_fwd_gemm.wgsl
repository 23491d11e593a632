// conv2d_fwd_gemm.wgsl (v2): conv2d forward as an implicit GEMM, per group g:
//   Y[m, o] = Σ_k A[m, k] · B[k, o] (+ bias[o])
//   m = (n, oh, ow) < M = N·OH·OW        o < Og = O/groups        k = (c, kh, kw) < K = Cg·kH·kW
//   A[m, k] = x[n, g·Cg + c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]   (0 in the padding: im2col, never stored)
//   B[k, o] = w[g·Og + o, c, kh, kw] = w[(g·Og + o)·K + k]             (the weight is already Bᵀ, row-major)
// Layouts (row-major f32): x [N, C, H, W], w [O, Cg, kH, kW], bias [O] (unread when HAS_BIAS is false),
//   y [N, O, OH, OW].
// Tiling: a workgroup of WG_X × WG_Y threads computes a TILE_M × TILE_N block of Y (TILE_M = WG_X·TM along m,
//   TILE_N = WG_Y·TN along o), each thread TM × TN outputs at rows tx + i·WG_X and columns ty + j·WG_Y (so a
//   warp's stores run along m, which is contiguous in y). Per K step of TILE_K, the threads copy an A tile
//   [TILE_K][TILE_M] and a B tile [TILE_K][TILE_N + 1 (pad)] to workgroup memory. The im2col addressing is
//   split in two: each thread keeps one fixed row m (its (n, oh·sH − pH, ow·sW − pW) decoded once), and
//   TILE_K threads decode the next step's taps k → (c·H·W + kh·dH·W + kw·dW, kh·dH, kw·dW) into a small
//   double-buffered table, so the loads do no division. Bias and activation (ACT, epilogue_act.wgsl) are in the epilogue.
// The engine narrows TILE_M / TILE_N to 32 or 16 on a small side (chooseTiles in src/engine/ops/conv.ts). The
//   4 × 4 block lives in four vec4 accumulators, written out rather than looped: SwiftShader's JIT does not
//   unroll, and the looped form (arrays indexed in loops) ran 3.3× slower there.
// Split-K (SPLIT, the GPU rules' choice for few output tiles or a long K = Cg·kH·kW): range r of params.splits
//   covers k in [r·chunk, (r+1)·chunk) (chunk a multiple of TILE_K) and writes its raw partial sums, no bias or
//   activation, into slice r of y [splits, N, O, OH, OW]; conv2d_splitk_reduce.wgsl sums the slices in order
//   and finishes them. Without SPLIT one range covers all of K (params.chunk unread).
// Grid: x·y (grid()) = m tiles, z = o tile + (O/groups tiles)·(g + groups·kRange). Needs WG_Y % TM == 0 (fixed
//   rows per thread).
// Bench: npm run bench -- --filter conv2d --versions   (cases in bench/cases/conv.ts)
//
// Figures: `npm run bench -- --filter "conv2d resnet18 layer2 128→128 28² N1" --versions` (bench/cases/conv.ts),
// GPU timestamps, 3 rounds, result bench/results/2026-12-02-google-swiftshader-chrome-conv2d-resnet18-layer2-128-128-28-n1.json.
// The forward row. SwiftShader on 2 cores shared at load average ~20: absolute times are inflated
// several-fold; TF.js took 1647 ms in the same run. No GPU figure yet (target: /work/shared/gpu/README.md).
// v  | idea                                      | figure                 | device                     | shape
// v1 | one thread per output, direct loops       | 3861 ms, 0.060 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v2 | implicit GEMM, 64×64 tile, 4×4 per thread | 943 ms, 0.25 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v3 | direct, no barrier, 4 px × 4 ch per thread | not benchmarked (no ms) | none yet | -

const TM: u32 = 4u;
const TN: u32 = 4u;
override WG_X: u32 = 16u;  // threads along m
override WG_Y: u32 = 16u;  // threads along o
override TILE_K: u32 = 16u;
override HAS_BIAS: bool = true;
override SPLIT: bool = false;
override TILE_M: u32 = WG_X * TM;
override TILE_N: u32 = WG_Y * TN;
override B_STRIDE: u32 = WG_Y * TN + 1u;

// Marks a tap past K: added to any in-range row it lands far outside the input.
const NO_TAP: u32 = 0x40000000u;

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

var<workgroup> As: array<f32, TILE_K * TILE_M>;
var<workgroup> Bs: array<f32, TILE_K * B_STRIDE>;
var<workgroup> tapOff: array<u32, 2u * TILE_K>; // c·H·W + kh·dH·W + kw·dW
var<workgroup> tapDh: array<u32, 2u * TILE_K>;  // kh·dH, or NO_TAP
var<workgroup> tapDw: array<u32, 2u * TILE_K>;  // kw·dW

fn decodeTap(slot: u32, k: u32, K: u32) {
  let p = params;
  if (k >= K) {
    tapOff[slot] = 0u;
    tapDh[slot] = NO_TAP;
    tapDw[slot] = 0u;
    return;
  }
  let kHW = p.kH * p.kW;
  let c = k / kHW;
  let kh = (k % kHW) / p.kW;
  let kw = k % p.kW;
  tapOff[slot] = c * p.H * p.W + kh * p.dH * p.W + kw * p.dW;
  tapDh[slot] = kh * p.dH;
  tapDw[slot] = kw * p.dW;
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) local: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let Cg = p.C / p.groups;
  let Og = p.O / p.groups;
  let OHW = p.OH * p.OW;
  let M = p.N * OHW;
  let K = Cg * p.kH * p.kW;
  let nTiles = (Og + TILE_N - 1u) / TILE_N;
  let m0 = (wid.x + wid.y * nwg.x) * TILE_M;
  let n0 = (wid.z % nTiles) * TILE_N;
  let g = (wid.z / nTiles) % p.groups;
  let kRange = wid.z / (nTiles * p.groups);
  let kBegin = select(0u, kRange * p.chunk, SPLIT);
  let kEnd = select(K, min(K, kBegin + p.chunk), SPLIT);
  if (m0 >= M) { return; }
  let WG_SIZE = WG_X * WG_Y;

  // This thread's A row, decoded once: the input offset of the tap (c, kh, kw) = (0, 0, 0) and its (ih, iw).
  let ml = lid % TILE_M;
  let mA = m0 + ml;
  var rowBase = 0u;
  var ih0 = NO_TAP;
  var iw0 = 0u;
  if (mA < M) {
    let n = mA / OHW;
    let oh = (mA % OHW) / p.OW;
    let ow = mA % p.OW;
    ih0 = oh * p.sH - p.pH; // wrapping u32: "negative" rows fail the < H test below
    iw0 = ow * p.sW - p.pW;
    rowBase = (n * p.C + g * Cg) * p.H * p.W + ih0 * p.W + iw0;
  }
  let wBase = (g * Og + n0) * K;

  // Row i of this thread's 4 × 4 block (m = tx + i·WG_X), columns j = ty + j·WG_Y in the lanes. Written out
  // rather than looped so that compilers without unrolling (SwiftShader's) keep them in registers.
  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  if (lid < TILE_K) { decodeTap(lid, kBegin + lid, kEnd); }
  workgroupBarrier();

  let steps = (max(kEnd, kBegin) - kBegin + TILE_K - 1u) / TILE_K;
  for (var s = 0u; s < steps; s++) {
    let k0 = kBegin + s * TILE_K;
    let cur = (s & 1u) * TILE_K;
    for (var kl = lid / TILE_M; kl < TILE_K; kl += WG_SIZE / TILE_M) {
      let ih = ih0 + tapDh[cur + kl];
      let iw = iw0 + tapDw[cur + kl];
      var v = 0.0;
      if (ih < p.H && iw < p.W) { v = x[rowBase + tapOff[cur + kl]]; }
      As[kl * TILE_M + ml] = v;
    }
    for (var i = lid; i < TILE_K * TILE_N; i += WG_SIZE) {
      let kl = i % TILE_K;
      let nl = i / TILE_K;
      var v = 0.0;
      if (k0 + kl < kEnd && n0 + nl < Og) { v = w[wBase + nl * K + k0 + kl]; }
      Bs[kl * B_STRIDE + nl] = v;
    }
    if (lid < TILE_K) { decodeTap((TILE_K - cur) + lid, k0 + TILE_K + lid, kEnd); }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let ar = kk * TILE_M + local.x;
      let br = kk * B_STRIDE + local.y;
      let b = vec4<f32>(Bs[br], Bs[br + WG_Y], Bs[br + 2u * WG_Y], Bs[br + 3u * WG_Y]);
      acc0 = fma(vec4<f32>(As[ar]), b, acc0);
      acc1 = fma(vec4<f32>(As[ar + WG_X]), b, acc1);
      acc2 = fma(vec4<f32>(As[ar + 2u * WG_X]), b, acc2);
      acc3 = fma(vec4<f32>(As[ar + 3u * WG_X]), b, acc3);
    }
    workgroupBarrier();
  }

  let rows = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < TM; i++) {
    let m = m0 + local.x + i * WG_X;
    if (m >= M) { continue; }
    let n = m / OHW;
    let r = m % OHW;
    for (var j = 0u; j < TN; j++) {
      let o = g * Og + n0 + local.y + j * WG_Y;
      if (n0 + local.y + j * WG_Y >= Og) { continue; }
      var v = rows[i][j];
      if (SPLIT) {
        y[((kRange * p.N + n) * p.O + o) * OHW + r] = v;
        continue;
      }
      if (HAS_BIAS) { v += bias[o]; }
      y[(n * p.O + o) * OHW + r] = activate(v);
    }
  }
}
