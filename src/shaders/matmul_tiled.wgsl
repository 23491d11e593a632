// matmul_tiled.wgsl (v2): C[b] = act(op(A[b]) · op(B[b]) + bias), workgroup-tiled with a register block.
// Layouts (row-major f32): A is [batch?, M, K], or [batch?, K, M] when TRANS_A; B is [batch?, K, N], or
//   [batch?, N, K] when TRANS_B; C is [batch, M, N]. Batch strides of 0 broadcast one matrix over the batch.
//   bias (BIAS = 1) has N values, one per column (Linear's bias); BIAS = 2: M values, one per row (a conv
//   written as W · im2col). With BIAS = 0 the engine binds any read buffer there; it is never read.
// Epilogue: ACT = 0 none, 1 relu, 2 gelu (exact erf form), applied after the bias.
// Tiling: a WG_Y × WG_X workgroup (override, default 16 × 16) computes a TILE_M × TILE_N block of C,
//   TILE_M = WG_Y·TM, TILE_N = WG_X·TN, with TM × TN = 4 × 4 outputs per thread (default tile 64 × 64).
//   Each K step (TILE_K, override, default 16) stages an A tile and a B tile in workgroup memory, k-major
//   (As[k][m], Bs[k][n]); loads are coalesced along the contiguous global dim of each operand and
//   bounds-checked (zero fill), so every M, N, K works. A thread owns rows ly + i·WG_Y and columns
//   lx + j·WG_X (strided, so neighbouring threads read neighbouring workgroup-memory words).
// Grid: x = ceil(N / TILE_N), y = ceil(M / TILE_M), z = batch (params.batch_base offsets a chunk).
// Bench: `npm run bench -- --filter matmul --versions` (bench/cases/matmul.ts) wrote the figures below:
//
// v4–v7: bench/results/2026-12-07-google-swiftshader-chrome-cpu-kernel-versions.json
//   (GPU timestamps, 3 rounds, 2 cores shared at load average ~12; in that run v1 3506 ms, v2 952 ms, v3 422 ms).
// | version | idea                                              | figure                    | device                               | shape       |
// | ------- | ------------------------------------------------- | ------------------------- | ------------------------------------ | ----------- |
// | v1      | naive, one thread per output (matmul_naive)       | 1067 ms, 0.25 GFLOP/s     | SwiftShader, Chrome, 2 shared cores  | 512×512×512 |
// | v2      | 64×64 tile, 16×16 threads, 4×4/thread, K step 16  | 332 ms, 0.81 GFLOP/s      | SwiftShader, Chrome, 2 shared cores  | 512×512×512 |
// | v3      | 128×128 tile, 8×8/thread, K 8, double-buffered    | 225 ms, 1.19 GFLOP/s      | SwiftShader, Chrome, 2 shared cores  | 512×512×512 |
// | v4      | v2's tile over K ranges (split-K) + a reduce      | 788 ms, 0.34 GFLOP/s      | SwiftShader, Chrome, 2 shared cores  | 512×512×512 |
// | v5      | matrix–vector: lanes split K, tree-sum per output | 7640 ms, 0.035 GFLOP/s    | SwiftShader, Chrome, 2 shared cores  | 512×512×512 |
// | v6      | no shared memory or barrier, 4×4/thread, literals | 331 ms, 0.81 GFLOP/s      | SwiftShader, Chrome, 2 shared cores  | 512×512×512 |
// | v7      | v6 with A and B read as vec4 words                | 130 ms, 2.07 GFLOP/s      | SwiftShader, Chrome, 2 shared cores  | 512×512×512 |
//   (TF.js 4.22 WebGPU in the same run: 634 ms, 0.42 GFLOP/s; result bench/results/2026-11-27-google-swiftshader-chrome-matmul.json.
//   SwiftShader only: no GPU figures yet; v3's size rule in ops/matmul.ts is untuned.)

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
override BIAS: u32 = 0u;
override ACT: u32 = 0u;

// Outputs per thread, TM × TN (fixed: the multiply-add below is unrolled for 4 × 4).
const TM: u32 = 4u;
const TN: u32 = 4u;

override TILE_M: u32 = WG_Y * TM;
override TILE_N: u32 = WG_X * TN;
override A_TILE: u32 = TILE_M * TILE_K;
override B_TILE: u32 = TILE_N * TILE_K;

struct Params { M: u32, N: u32, K: u32, batch: u32, a_batch_stride: u32, b_batch_stride: u32, batch_base: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> As: array<f32, A_TILE>;
var<workgroup> Bs: array<f32, B_TILE>;

// SQRT_HALF and epilogue() come from matmul_common.wgsl, loadA() and loadB() from matmul_loads.wgsl, and erf_()
// from erf.wgsl: the engine prepends all three to this kernel.

// Row m of the thread's block: columns n + j·WG_X, j < 4, from the lanes of v.
fn storeRow(b: u32, m: u32, n: u32, v: vec4<f32>) {
  if (m >= params.M) { return; }
  let row = (b * params.M + m) * params.N;
  for (var j = 0u; j < 4u; j++) {
    let nj = n + j * WG_X;
    if (nj < params.N) { C[row + nj] = epilogue(v[j], m, nj); }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let b = wid.z + params.batch_base;
  let m0 = wid.y * TILE_M;
  let n0 = wid.x * TILE_N;
  let a_base = b * params.a_batch_stride;
  let b_base = b * params.b_batch_stride;
  let threads = WG_X * WG_Y;

  // Row i of the thread's 4×4 block is acc_i; its 4 columns are the vector lanes (unrolled by hand: some
  // compilers, e.g. SwiftShader's, keep indexed local arrays in memory).
  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  for (var k0 = 0u; k0 < params.K; k0 += TILE_K) {
    // Stage the tiles. The fast index runs along the operand's contiguous global dim.
    for (var e = li; e < A_TILE; e += threads) {
      var mm: u32;
      var kk: u32;
      if (TRANS_A) { kk = e / TILE_M; mm = e % TILE_M; } else { mm = e / TILE_K; kk = e % TILE_K; }
      As[kk * TILE_M + mm] = loadA(a_base, m0 + mm, k0 + kk);
    }
    for (var e = li; e < B_TILE; e += threads) {
      var nn: u32;
      var kk: u32;
      if (TRANS_B) { nn = e / TILE_K; kk = e % TILE_K; } else { kk = e / TILE_N; nn = e % TILE_N; }
      Bs[kk * TILE_N + nn] = loadB(b_base, k0 + kk, n0 + nn);
    }
    workgroupBarrier();

    for (var kk = 0u; kk < TILE_K; kk++) {
      let ar = kk * TILE_M + lid.y;
      let br = kk * TILE_N + lid.x;
      let w = vec4(Bs[br], Bs[br + WG_X], Bs[br + 2u * WG_X], Bs[br + 3u * WG_X]);
      acc0 += As[ar] * w;
      acc1 += As[ar + WG_Y] * w;
      acc2 += As[ar + 2u * WG_Y] * w;
      acc3 += As[ar + 3u * WG_Y] * w;
    }
    workgroupBarrier();
  }

  let m = m0 + lid.y;
  let n = n0 + lid.x;
  storeRow(b, m, n, acc0);
  storeRow(b, m + WG_Y, n, acc1);
  storeRow(b, m + 2u * WG_Y, n, acc2);
  storeRow(b, m + 3u * WG_Y, n, acc3);
}
