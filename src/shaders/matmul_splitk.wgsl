// matmul_splitk.wgsl (v4): C[b] = act(op(A[b]) · op(B[b]) + bias) as SPLITS partial products over K ranges
// (split-K), for products with few output tiles and a long K: each (tile, K range) pair is a workgroup, so a
// 512×49 output with K = 4608 runs hundreds of workgroups instead of 8, and no thread walks more than one range.
// Layouts as matmul_tiled.wgsl (v2): A [batch?, M, K] (or [.., K, M] when TRANS_A), B [batch?, K, N] (or
//   [.., N, K] when TRANS_B), batch strides of 0 broadcast. Output: with SPLIT, P [splits, batch, M, N] of raw
//   partial sums, which matmul_splitk_reduce.wgsl sums and finishes with the bias and activation; without,
//   C [batch, M, N] finished here (one range: v2's tiling with padded shared rows).
// Tiling: v2's, a WG_Y × WG_X workgroup (default 16 × 16) computes a 64 × 64 block, 4 × 4 outputs per thread,
//   K step TILE_K (16). The shared tiles' rows are padded by one word (stride TILE_M + 1): with a 64-word
//   stride the 16 stores of one A column of a K step fall in one bank (16-way conflicts on a GPU).
// Grid: x = ceil(N / 64), y = ceil(M / 64), z = batches of this launch × splits (z = local batch · splits +
//   range); params.k_chunk is a multiple of TILE_K, so ranges never share a K step.
// Bench: no bench run has timed it yet (no GPU figures; on SwiftShader the CPU rules never pick it).
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
//   (figures: bench/results/2026-11-27-google-swiftshader-chrome-matmul.json.)

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
override BIAS: u32 = 0u;
override ACT: u32 = 0u;
override SPLIT: bool = true;

const TM: u32 = 4u;
const TN: u32 = 4u;

override TILE_M: u32 = WG_Y * TM;
override TILE_N: u32 = WG_X * TN;
override A_STRIDE: u32 = TILE_M + 1u;
override B_STRIDE: u32 = TILE_N + 1u;
override A_TILE: u32 = A_STRIDE * TILE_K;
override B_TILE: u32 = B_STRIDE * TILE_K;

struct Params { M: u32, N: u32, K: u32, batch: u32, a_batch_stride: u32, b_batch_stride: u32, batch_base: u32, k_chunk: u32, splits: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> As: array<f32, A_TILE>;
var<workgroup> Bs: array<f32, B_TILE>;

// SQRT_HALF and epilogue() come from matmul_common.wgsl, loadA() and loadB() from matmul_loads.wgsl, and erf_()
// from erf.wgsl.

// Row m of the thread's block: columns n + j·WG_X, j < 4; raw into range s's slice, or finished.
fn storeRow(b: u32, s: u32, m: u32, n: u32, v: vec4<f32>) {
  if (m >= params.M) { return; }
  let row = (b * params.M + m) * params.N;
  let slice = s * params.batch * params.M * params.N;
  for (var j = 0u; j < 4u; j++) {
    let nj = n + j * WG_X;
    if (nj < params.N) {
      if (SPLIT) { C[slice + row + nj] = v[j]; } else { C[row + nj] = epilogue(v[j], m, nj); }
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let b = wid.z / params.splits + params.batch_base;
  let s = wid.z % params.splits;
  let m0 = wid.y * TILE_M;
  let n0 = wid.x * TILE_N;
  let a_base = b * params.a_batch_stride;
  let b_base = b * params.b_batch_stride;
  let threads = WG_X * WG_Y;
  let k_begin = s * params.k_chunk;
  let k_end = min(params.K, k_begin + params.k_chunk);

  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  for (var k0 = k_begin; k0 < k_end; k0 += TILE_K) {
    for (var e = li; e < TILE_M * TILE_K; e += threads) {
      var mm: u32;
      var kk: u32;
      if (TRANS_A) { kk = e / TILE_M; mm = e % TILE_M; } else { mm = e / TILE_K; kk = e % TILE_K; }
      As[kk * A_STRIDE + mm] = loadA(a_base, m0 + mm, k0 + kk);
    }
    for (var e = li; e < TILE_N * TILE_K; e += threads) {
      var nn: u32;
      var kk: u32;
      if (TRANS_B) { nn = e / TILE_K; kk = e % TILE_K; } else { kk = e / TILE_N; nn = e % TILE_N; }
      Bs[kk * B_STRIDE + nn] = loadB(b_base, k0 + kk, n0 + nn);
    }
    workgroupBarrier();

    for (var kk = 0u; kk < TILE_K; kk++) {
      let ar = kk * A_STRIDE + lid.y;
      let br = kk * B_STRIDE + lid.x;
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
  storeRow(b, s, m, n, acc0);
  storeRow(b, s, m + WG_Y, n, acc1);
  storeRow(b, s, m + 2u * WG_Y, n, acc2);
  storeRow(b, s, m + 3u * WG_Y, n, acc3);
}
