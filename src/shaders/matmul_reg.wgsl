// matmul_reg.wgsl (v6): C[b] = act(op(A[b]) · op(B[b]) + bias) as a register-tiled reduction with no
// workgroup memory and no barrier, for CPU implementations of WebGPU (SwiftShader, llvmpipe). There a
// workgroup that contains a barrier runs as one coroutine per group of lanes and spills its variables at every
// barrier, so v2's shared tiles cost more than they save; here every thread reads its operands straight from
// the storage buffers (the CPU's caches do the staging) and keeps a 4 × 4 block of C in four vec4 registers.
// Layouts and epilogue as v2 (matmul_tiled.wgsl): A [batch?, M, K] or [batch?, K, M] (TRANS_A), B [batch?, K, N]
//   or [batch?, N, K] (TRANS_B), C [batch, M, N]; BIAS 1 per column, 2 per row; ACT 0 none, 1 relu, 2 gelu.
// Every size is a literal: DIM_M, DIM_N, DIM_K are override constants (one pipeline per shape), so the
//   address arithmetic folds and the K loop's trip count is known. The engine passes them per launch.
// Tiling: a 1-D workgroup of TX · TY threads (override) covers a (4·TY) × (4·TX) block of C; thread t owns
//   rows 4·(t / TX) + i and the contiguous columns 4·(t % TX) + j, so the lanes of a 4-lane group share
//   their A rows and read 16 neighbouring B columns. Rows and columns past the matrix are clamped to the
//   last one for the loads (no branch in the loop) and dropped at the store. K is walked 4 at a time
//   (written out: SwiftShader's JIT does not unroll), then the K % 4 remainder one at a time.
// Split-K (SPLIT, the skinny path: too few output tiles to feed the cores, a long K): range r of params.splits
//   ranges (params.k_chunk each, a multiple of 4) is z slice r of the grid and writes raw partial sums into slice r
//   of C [splits, batch, M, N]; matmul_splitk_reduce.wgsl sums them and runs the epilogue.
// Grid: x = ceil(N / (4·TX)), y = ceil(M / (4·TY)), z = batch chunk (× splits).
// Bench: `npm run bench -- --filter matmul --versions` (bench/cases/matmul.ts); v1–v3's figures are from
//   bench/results/2026-11-27-google-swiftshader-chrome-matmul.json.
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

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override BIAS: u32 = 0u;
override ACT: u32 = 0u;
override SPLIT: bool = false;
override DIM_M: u32 = 1u;
override DIM_N: u32 = 1u;
override DIM_K: u32 = 1u;
override TX: u32 = 16u; // threads along N
override TY: u32 = 16u; // threads along M
// Whether the tiles cover M (N) exactly: then no row (column) needs clamping or a test at the store.
override EXACT_M: bool = DIM_M % (4u * TY) == 0u;
override EXACT_N: bool = DIM_N % (4u * TX) == 0u;

struct Params { M: u32, N: u32, K: u32, batch: u32, a_batch_stride: u32, b_batch_stride: u32, batch_base: u32, k_chunk: u32, splits: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// SQRT_HALF and epilogue() come from matmul_common.wgsl, erf_() from erf.wgsl: the engine prepends both.

// The offsets of op(A)[m, k] and op(B)[k, n] in a batch's matrix, and their step per k.
fn aAt(m: u32, k: u32) -> u32 { return select(m * DIM_K + k, k * DIM_M + m, TRANS_A); }
fn bAt(k: u32, n: u32) -> u32 { return select(k * DIM_N + n, n * DIM_K + k, TRANS_B); }
override A_STEP: u32 = select(1u, DIM_M, TRANS_A);
override B_STEP: u32 = select(DIM_N, 1u, TRANS_B);

// A row (column) of the block clamped into the matrix, unless the tiles cover it exactly.
fn rowAt(m: u32) -> u32 { return select(min(m, DIM_M - 1u), m, EXACT_M); }
fn colAt(n: u32) -> u32 { return select(min(n, DIM_N - 1u), n, EXACT_N); }

// Row m of the block: its 4 columns from n, each kept while inside the matrix.
fn storeRow(slice: u32, m: u32, n: u32, v: vec4<f32>) {
  if (!EXACT_M && m >= DIM_M) { return; }
  let row = (slice * DIM_M + m) * DIM_N;
  for (var j = 0u; j < 4u; j++) {
    let nj = n + j;
    if (EXACT_N || nj < DIM_N) {
      if (SPLIT) { C[row + nj] = v[j]; } else { C[row + nj] = epilogue(v[j], m, nj); }
    }
  }
}

@compute @workgroup_size(TX * TY)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let range = select(0u, wid.z % params.splits, SPLIT);
  let b = select(wid.z, wid.z / params.splits, SPLIT) + params.batch_base;
  let m = wid.y * (4u * TY) + 4u * (li / TX);
  let n = wid.x * (4u * TX) + 4u * (li % TX);
  let a0 = b * params.a_batch_stride;
  let b0 = b * params.b_batch_stride;
  // The block's rows and columns, clamped into the matrix (their products are dropped at the store).
  let ar0 = a0 + aAt(rowAt(m), 0u);
  let ar1 = a0 + aAt(rowAt(m + 1u), 0u);
  let ar2 = a0 + aAt(rowAt(m + 2u), 0u);
  let ar3 = a0 + aAt(rowAt(m + 3u), 0u);
  let bc0 = b0 + bAt(0u, colAt(n));
  let bc1 = b0 + bAt(0u, colAt(n + 1u));
  let bc2 = b0 + bAt(0u, colAt(n + 2u));
  let bc3 = b0 + bAt(0u, colAt(n + 3u));
  let kBegin = select(0u, range * params.k_chunk, SPLIT);
  let kEnd = select(DIM_K, min(DIM_K, kBegin + params.k_chunk), SPLIT);
  let kMain = kBegin + (kEnd - kBegin) / 4u * 4u;

  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  for (var k = kBegin; k < kMain; k += 4u) {
    let ka = k * A_STEP;
    let a0v = vec4(A[ar0 + ka], A[ar0 + ka + A_STEP], A[ar0 + ka + 2u * A_STEP], A[ar0 + ka + 3u * A_STEP]);
    let a1v = vec4(A[ar1 + ka], A[ar1 + ka + A_STEP], A[ar1 + ka + 2u * A_STEP], A[ar1 + ka + 3u * A_STEP]);
    let a2v = vec4(A[ar2 + ka], A[ar2 + ka + A_STEP], A[ar2 + ka + 2u * A_STEP], A[ar2 + ka + 3u * A_STEP]);
    let a3v = vec4(A[ar3 + ka], A[ar3 + ka + A_STEP], A[ar3 + ka + 2u * A_STEP], A[ar3 + ka + 3u * A_STEP]);
    let kb = k * B_STEP;
    let w0 = vec4(B[bc0 + kb], B[bc1 + kb], B[bc2 + kb], B[bc3 + kb]);
    let w1 = vec4(B[bc0 + kb + B_STEP], B[bc1 + kb + B_STEP], B[bc2 + kb + B_STEP], B[bc3 + kb + B_STEP]);
    let w2 = vec4(B[bc0 + kb + 2u * B_STEP], B[bc1 + kb + 2u * B_STEP], B[bc2 + kb + 2u * B_STEP], B[bc3 + kb + 2u * B_STEP]);
    let w3 = vec4(B[bc0 + kb + 3u * B_STEP], B[bc1 + kb + 3u * B_STEP], B[bc2 + kb + 3u * B_STEP], B[bc3 + kb + 3u * B_STEP]);
    acc0 += vec4(a0v.x) * w0 + vec4(a0v.y) * w1 + vec4(a0v.z) * w2 + vec4(a0v.w) * w3;
    acc1 += vec4(a1v.x) * w0 + vec4(a1v.y) * w1 + vec4(a1v.z) * w2 + vec4(a1v.w) * w3;
    acc2 += vec4(a2v.x) * w0 + vec4(a2v.y) * w1 + vec4(a2v.z) * w2 + vec4(a2v.w) * w3;
    acc3 += vec4(a3v.x) * w0 + vec4(a3v.y) * w1 + vec4(a3v.z) * w2 + vec4(a3v.w) * w3;
  }
  for (var k = kMain; k < kEnd; k++) {
    let ka = k * A_STEP;
    let kb = k * B_STEP;
    let w = vec4(B[bc0 + kb], B[bc1 + kb], B[bc2 + kb], B[bc3 + kb]);
    acc0 += A[ar0 + ka] * w;
    acc1 += A[ar1 + ka] * w;
    acc2 += A[ar2 + ka] * w;
    acc3 += A[ar3 + ka] * w;
  }

  let slice = select(b, range * params.batch + b, SPLIT);
  storeRow(slice, m, n, acc0);
  storeRow(slice, m + 1u, n, acc1);
  storeRow(slice, m + 2u, n, acc2);
  storeRow(slice, m + 3u, n, acc3);
}
