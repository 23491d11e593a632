// conv2d_dgrad_gemm.wgsl (v2): conv2d input gradient as an implicit GEMM, one per (group g, stride phase).
// The input pixels are split into sH·sW phases by (h mod sH, w mod sW). Inside a phase (ph, pw) the taps that
// reach a pixel are the same for every pixel: kh with kh·dH ≡ ph + pH (mod sH), an arithmetic progression
// kh = kh0 + j·stepH (j < tH), and likewise for kw. So each phase is a dense GEMM over only the matching
// taps (a stride-2 3×3 conv does 1/4 of the taps' work, not all of it with 3/4 zeros):
//   dX[m, c] = Σ_k A[m, k] · B[k, c]
//   m = (n, hq, wq), h = ph + hq·sH, w = pw + wq·sW          M = N·⌈(H−ph)/sH⌉·⌈(W−pw)/sW⌉
//   k = (o, j, i) over o < Og, j < tH, i < tW                 K = Og·tH·tW      c < Cg
//   A[m, k] = gy[n, g·Og + o, hq + ohB_j, wq + owB_i]  with ohB_j = (ph + pH − kh_j·dH) / sH (exact), 0 outside
//   B[k, c] = w[g·Og + o, c, kh_j, kw_i]               (the transposed, flipped filter, addressed on the fly)
// A phase with no taps (stride > dilated kernel) has K = 0 and writes zeros.
// Layouts (row-major f32): gy [N, O, OH, OW], w [O, Cg, kH, kW], dx [N, C, H, W].
// Tiling: as conv2d_fwd_gemm.wgsl: WG_X × WG_Y threads, TM × TN outputs each (m along x: dx is contiguous in
//   m), TILE_K steps; each thread decodes its A row once; TILE_K threads decode the next step's taps
//   k → (gy offset, ohB, owB, w offset) into a double-buffered table.
// The engine narrows TILE_M / TILE_N to 32 or 16 on a small side (chooseTiles in src/engine/ops/conv.ts). The
//   4 × 4 block lives in four vec4 accumulators, written out rather than looped: SwiftShader's JIT does not
//   unroll, and the looped form (arrays indexed in loops) ran 3.3× slower there.
// Split-K (SPLIT, the GPU rules' choice for few tiles or a long K): range r of params.splits covers k in
//   [r·chunk, (r+1)·chunk) of each phase's K (chunk a multiple of TILE_K; a range past a phase's K writes
//   zeros) and writes raw partial sums into slice r of dx [splits, N, C, H, W]; conv2d_splitk_reduce.wgsl sums
//   the slices in order. Without SPLIT one range covers all of K (params.chunk unread).
// Grid: x·y (grid()) = m tiles of the largest phase, z = c tile + (Cg tiles)·(phase + sH·sW·(g + groups·kRange)).
// Bench: npm run bench -- --filter conv2d --versions   (cases in bench/cases/conv.ts)
//
// Figures: `npm run bench -- --filter "conv2d resnet18 layer2 128→128 28² N1" --versions` (bench/cases/conv.ts),
// GPU timestamps, 3 rounds, result bench/results/2026-12-02-google-swiftshader-chrome-conv2d-resnet18-layer2-128-128-28-n1.json.
// The backward row times dgrad and wgrad together, both forced to the version. SwiftShader on 2 cores
// shared at load average ~20: absolute times are inflated several-fold; TF.js took 4590 ms in the same run. No GPU figure yet (target: /work/shared/gpu/README.md).
// v  | idea | figure (dgrad + wgrad) | device | shape
// v1 | one thread per input pixel, gather over taps | 6731 ms, 0.069 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v2 | implicit GEMM per stride phase, 64×64 tile | 1533 ms, 0.30 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v3 | direct, no barrier, 4 px × 4 ch per thread | not benchmarked (no ms) | none yet | -

const TM: u32 = 4u;
const TN: u32 = 4u;
override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
override SPLIT: bool = false;
override TILE_M: u32 = WG_X * TM;
override TILE_N: u32 = WG_Y * TN;
override B_STRIDE: u32 = WG_Y * TN + 1u;

const NO_TAP: u32 = 0x40000000u;

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

var<workgroup> As: array<f32, TILE_K * TILE_M>;
var<workgroup> Bs: array<f32, TILE_K * B_STRIDE>;
var<workgroup> tapG: array<u32, 2u * TILE_K>;  // o·OH·OW + ohB·OW + owB (wrapping)
var<workgroup> tapOh: array<u32, 2u * TILE_K>; // ohB (wrapping), or NO_TAP
var<workgroup> tapOw: array<u32, 2u * TILE_K>; // owB (wrapping)
var<workgroup> tapW: array<u32, 2u * TILE_K>;  // offset of w[g·Og + o, 0, kh, kw]

// The taps of one axis that reach phase `ph`: count, first, step (kh = first + j·step).
struct Taps { count: u32, first: u32, step: u32 }

fn phaseTaps(ph: u32, pad: u32, k: u32, s: u32, d: u32) -> Taps {
  let r = (ph + pad) % s;
  var t = Taps(0u, 0u, 1u);
  for (var kk = 0u; kk < k; kk++) {
    if ((kk * d) % s == r) {
      if (t.count == 0u) { t.first = kk; } else if (t.count == 1u) { t.step = kk - t.first; }
      t.count++;
    }
  }
  return t;
}

struct PhaseCtx { g: u32, ph: u32, pw: u32, tH: Taps, tW: Taps, K: u32 }

// Decodes tap k = (o, j, i) of this phase into table slot `slot` (NO_TAP past K).
fn decodeTap(slot: u32, k: u32, ctx: PhaseCtx) {
  let p = params;
  if (k >= ctx.K) {
    tapG[slot] = 0u;
    tapOh[slot] = NO_TAP;
    tapOw[slot] = 0u;
    tapW[slot] = 0u;
    return;
  }
  let Cg = p.C / p.groups;
  let Og = p.O / p.groups;
  let tHW = ctx.tH.count * ctx.tW.count;
  let o = k / tHW;
  let kh = ctx.tH.first + ((k % tHW) / ctx.tW.count) * ctx.tH.step;
  let kw = ctx.tW.first + (k % ctx.tW.count) * ctx.tW.step;
  let ohB = (i32(ctx.ph + p.pH) - i32(kh * p.dH)) / i32(p.sH); // exact: kh was chosen so it divides
  let owB = (i32(ctx.pw + p.pW) - i32(kw * p.dW)) / i32(p.sW);
  tapOh[slot] = u32(ohB);
  tapOw[slot] = u32(owB);
  tapG[slot] = o * p.OH * p.OW + u32(ohB) * p.OW + u32(owB);
  tapW[slot] = (ctx.g * Og + o) * Cg * p.kH * p.kW + kh * p.kW + kw;
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) local: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let Cg = p.C / p.groups;
  let Og = p.O / p.groups;
  let OHW = p.OH * p.OW;
  let kHW = p.kH * p.kW;
  let nTiles = (Cg + TILE_N - 1u) / TILE_N;
  let phases = p.sH * p.sW;
  let n0 = (wid.z % nTiles) * TILE_N;
  let phase = (wid.z / nTiles) % phases;
  let g = (wid.z / (nTiles * phases)) % p.groups;
  let kRange = wid.z / (nTiles * phases * p.groups);
  let ph = phase / p.sW;
  let pw = phase % p.sW;
  if (ph >= p.H || pw >= p.W) { return; }
  let Hq = (p.H - ph + p.sH - 1u) / p.sH;
  let Wq = (p.W - pw + p.sW - 1u) / p.sW;
  let M = p.N * Hq * Wq;
  let m0 = (wid.x + wid.y * nwg.x) * TILE_M;
  if (m0 >= M) { return; }
  let tH = phaseTaps(ph, p.pH, p.kH, p.sH, p.dH);
  let tW = phaseTaps(pw, p.pW, p.kW, p.sW, p.dW);
  let tHW = tH.count * tW.count;
  let K = Og * tHW;
  let kBegin = select(0u, kRange * p.chunk, SPLIT);
  let kEnd = select(K, min(K, kBegin + p.chunk), SPLIT);
  let WG_SIZE = WG_X * WG_Y;

  // This thread's A row: the gy offset of (n, g·Og, hq, wq) and (hq, wq).
  let ml = lid % TILE_M;
  let mA = m0 + ml;
  var rowBase = 0u;
  var hqA = NO_TAP;
  var wqA = 0u;
  if (mA < M) {
    let n = mA / (Hq * Wq);
    hqA = (mA % (Hq * Wq)) / Wq;
    wqA = mA % Wq;
    rowBase = (n * p.O + g * Og) * OHW + hqA * p.OW + wqA;
  }

  // Row i of this thread's 4 × 4 block (m = tx + i·WG_X), columns j = ty + j·WG_Y in the lanes. Written out
  // rather than looped so that compilers without unrolling (SwiftShader's) keep them in registers.
  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  let ctx = PhaseCtx(g, ph, pw, tH, tW, kEnd); // decodeTap's bound: the end of this range
  if (lid < TILE_K) { decodeTap(lid, kBegin + lid, ctx); }
  workgroupBarrier();

  let steps = (max(kEnd, kBegin) - kBegin + TILE_K - 1u) / TILE_K;
  for (var s = 0u; s < steps; s++) {
    let k0 = kBegin + s * TILE_K;
    let cur = (s & 1u) * TILE_K;
    for (var kl = lid / TILE_M; kl < TILE_K; kl += WG_SIZE / TILE_M) {
      let oh = hqA + tapOh[cur + kl];
      let ow = wqA + tapOw[cur + kl];
      var v = 0.0;
      if (oh < p.OH && ow < p.OW) { v = gy[rowBase + tapG[cur + kl]]; }
      As[kl * TILE_M + ml] = v;
    }
    for (var i = lid; i < TILE_K * TILE_N; i += WG_SIZE) {
      let nl = i % TILE_N;
      let kl = i / TILE_N;
      var v = 0.0;
      if (k0 + kl < kEnd && n0 + nl < Cg) { v = w[tapW[cur + kl] + (n0 + nl) * kHW]; }
      Bs[kl * B_STRIDE + nl] = v;
    }
    if (lid < TILE_K) { decodeTap((TILE_K - cur) + lid, k0 + TILE_K + lid, ctx); }
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
    let n = m / (Hq * Wq);
    let h = ph + ((m % (Hq * Wq)) / Wq) * p.sH;
    let wx = pw + (m % Wq) * p.sW;
    for (var j = 0u; j < TN; j++) {
      let c = n0 + local.y + j * WG_Y;
      if (c >= Cg) { continue; }
      dx[(((kRange * p.N + n) * p.C + g * Cg + c) * p.H + h) * p.W + wx] = rows[i][j]; // kRange 0 without SPLIT
    }
  }
}
