// conv2d_wgrad_gemm.wgsl (v2): conv2d weight gradient as an implicit GEMM with split-K, per group g:
//   dW[o, q] = Σ_r G[o, r] · X̂[q, r]      computed as out[q, o] = Σ_r A[q, r] · B[r, o]
//   q = (c, kh, kw) < Kc = Cg·kH·kW        o < Og        r = (n, oh, ow) < R = N·OH·OW   (the long axis)
//   A[q, r] = x[n, g·Cg + c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]   (im2col, transposed, 0 in the padding)
//   B[r, o] = gy[n, g·Og + o, oh, ow]
// Split-K: R is cut into `splits` chunks of `chunk` (a multiple of TILE_K); split s writes its partial sums to
//   part[s, g·Og + o, q] (layout [splits, O, Kc]); conv2d_wgrad_reduce.wgsl then sums over s. With one split
//   the kernel writes dw directly. Two passes, no atomics, deterministic.
// Bias gradient (HAS_BIAS): db[o] = Σ_r B[r, o] rides along in the workgroups of the first q tile, from the
//   gy tiles they load anyway; split s writes dbOut[s, o] (the reduce pass sums those too), one split db.
// Layouts (row-major f32): gy [N, O, OH, OW], x [N, C, H, W], out = dw [O, Cg, kH, kW] or part [splits, O, Kc],
//   dbOut = db [O] or its partial sums [splits, O] (unwritten without HAS_BIAS: the engine binds a 1-element spare buffer there).
// Tiling: as conv2d_fwd_gemm.wgsl: WG_X × WG_Y threads, TM × TN outputs each, q along x (dw is contiguous
//   in q). Each thread keeps one fixed q (its c·H·W + kh·dH·W + kw·dW, kh·dH, kw·dW decoded once); TILE_K
//   threads decode the next step's r → (x offset of (n, g·Cg, oh·sH − pH, ow·sW − pW), its row and column,
//   gy offset) into a double-buffered table.
// The engine narrows TILE_M / TILE_N to 32 or 16 on a small side (chooseTiles in src/engine/ops/conv.ts). The
//   4 × 4 block lives in four vec4 accumulators, written out rather than looped: SwiftShader's JIT does not
//   unroll, and the looped form (arrays indexed in loops) ran 3.3× slower there.
// Grid: x·y (grid()) = q tiles, z = o tile + (Og tiles)·(split + splits·g).
// Bench: npm run bench -- --filter conv2d --versions   (cases in bench/cases/conv.ts)
//
// Figures: `npm run bench -- --filter "conv2d resnet18 layer2 128→128 28² N1" --versions` (bench/cases/conv.ts),
// GPU timestamps, 3 rounds, result bench/results/2026-12-02-google-swiftshader-chrome-conv2d-resnet18-layer2-128-128-28-n1.json.
// The backward row times dgrad and wgrad together, both forced to the version. SwiftShader on 2 cores
// shared at load average ~20: absolute times are inflated several-fold; TF.js took 4590 ms in the same run. No GPU figure yet (target: /work/shared/gpu/README.md).
// v  | idea | figure (dgrad + wgrad) | device | shape
// v1 | one thread per weight, loops over N·OH·OW | 6731 ms, 0.069 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v2 | implicit GEMM, split-K over N·OH·OW, then reduce | 1533 ms, 0.30 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v3 | direct, no barrier, 4 ch × 4 taps per thread | not benchmarked (no ms) | none yet | -

const TM: u32 = 4u;
const TN: u32 = 4u;
override WG_X: u32 = 16u;  // threads along q
override WG_Y: u32 = 16u;  // threads along o
override TILE_K: u32 = 16u;
override HAS_BIAS: bool = false;
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
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> dbOut: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> As: array<f32, TILE_K * TILE_M>;
var<workgroup> Bs: array<f32, TILE_K * B_STRIDE>;
var<workgroup> posX: array<u32, 2u * TILE_K>;  // x offset of (n, g·Cg, ih0, iw0) (wrapping)
var<workgroup> posIh: array<u32, 2u * TILE_K>; // ih0 = oh·sH − pH (wrapping), or NO_TAP past the chunk
var<workgroup> posIw: array<u32, 2u * TILE_K>; // iw0 = ow·sW − pW (wrapping)
var<workgroup> posG: array<u32, 2u * TILE_K>;  // gy offset of (n, g·Og, oh, ow)

fn decodePos(slot: u32, r: u32, rEnd: u32, g: u32) {
  let p = params;
  if (r >= rEnd) {
    posX[slot] = 0u;
    posIh[slot] = NO_TAP;
    posIw[slot] = 0u;
    posG[slot] = 0u;
    return;
  }
  let OHW = p.OH * p.OW;
  let n = r / OHW;
  let oh = (r % OHW) / p.OW;
  let ow = r % p.OW;
  let ih0 = oh * p.sH - p.pH;
  let iw0 = ow * p.sW - p.pW;
  posX[slot] = (n * p.C + g * (p.C / p.groups)) * p.H * p.W + ih0 * p.W + iw0;
  posIh[slot] = ih0;
  posIw[slot] = iw0;
  posG[slot] = (n * p.O + g * (p.O / p.groups)) * OHW + oh * p.OW + ow;
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) local: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let Cg = p.C / p.groups;
  let Og = p.O / p.groups;
  let OHW = p.OH * p.OW;
  let kHW = p.kH * p.kW;
  let Kc = Cg * kHW;
  let R = p.N * OHW;
  let nTiles = (Og + TILE_N - 1u) / TILE_N;
  let m0 = (wid.x + wid.y * nwg.x) * TILE_M;
  let n0 = (wid.z % nTiles) * TILE_N;
  let split = (wid.z / nTiles) % p.splits;
  let g = wid.z / (nTiles * p.splits);
  if (m0 >= Kc) { return; }
  let rStart = min(split * p.chunk, R);
  let rEnd = min(rStart + p.chunk, R);
  let WG_SIZE = WG_X * WG_Y;

  // This thread's A row q = (c, kh, kw), decoded once.
  let ml = lid % TILE_M;
  let q = m0 + ml;
  var qOff = 0u;
  var qDh = NO_TAP;
  var qDw = 0u;
  if (q < Kc) {
    let c = q / kHW;
    let kh = (q % kHW) / p.kW;
    let kw = q % p.kW;
    qOff = c * p.H * p.W + kh * p.dH * p.W + kw * p.dW;
    qDh = kh * p.dH;
    qDw = kw * p.dW;
  }

  // Row i of this thread's 4 × 4 block (m = tx + i·WG_X), columns j = ty + j·WG_Y in the lanes. Written out
  // rather than looped so that compilers without unrolling (SwiftShader's) keep them in registers.
  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  // The bias gradient rides along: the first m tile's threads of column x 0 sum the gy tile they already
  // loaded (Bs), Σ over the chunk's rows r of gy[r, o], for their 4 columns.
  let biasThread = HAS_BIAS && m0 == 0u && local.x == 0u;
  var dbAcc = vec4<f32>();
  if (lid < TILE_K) { decodePos(lid, rStart + lid, rEnd, g); }
  workgroupBarrier();

  let steps = (rEnd - rStart + TILE_K - 1u) / TILE_K;
  for (var s = 0u; s < steps; s++) {
    let r0 = rStart + s * TILE_K;
    let cur = (s & 1u) * TILE_K;
    for (var kl = lid / TILE_M; kl < TILE_K; kl += WG_SIZE / TILE_M) {
      let ih = posIh[cur + kl] + qDh;
      let iw = posIw[cur + kl] + qDw;
      var v = 0.0;
      if (ih < p.H && iw < p.W) { v = x[posX[cur + kl] + qOff]; }
      As[kl * TILE_M + ml] = v;
    }
    for (var i = lid; i < TILE_K * TILE_N; i += WG_SIZE) {
      let kl = i % TILE_K;
      let nl = i / TILE_K;
      var v = 0.0;
      if (r0 + kl < rEnd && n0 + nl < Og) { v = gy[posG[cur + kl] + (n0 + nl) * OHW]; }
      Bs[kl * B_STRIDE + nl] = v;
    }
    if (lid < TILE_K) { decodePos((TILE_K - cur) + lid, r0 + TILE_K + lid, rEnd, g); }
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
    if (biasThread) {
      for (var kk = 0u; kk < TILE_K; kk++) {
        let br = kk * B_STRIDE + local.y;
        dbAcc += vec4<f32>(Bs[br], Bs[br + WG_Y], Bs[br + 2u * WG_Y], Bs[br + 3u * WG_Y]);
      }
    }
    workgroupBarrier();
  }

  let rows = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < TM; i++) {
    let qq = m0 + local.x + i * WG_X;
    if (qq >= Kc) { continue; }
    for (var j = 0u; j < TN; j++) {
      let o = n0 + local.y + j * WG_Y;
      if (o >= Og) { continue; }
      out[(split * p.O + g * Og + o) * Kc + qq] = rows[i][j];
    }
  }
  if (biasThread) {
    for (var j = 0u; j < TN; j++) {
      let o = n0 + local.y + j * WG_Y;
      if (o < Og) { dbOut[split * p.O + g * Og + o] = dbAcc[j]; }
    }
  }
}
