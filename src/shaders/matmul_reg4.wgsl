// matmul_reg4.wgsl (v7): v6 (matmul_reg.wgsl) with both operands bound as vec4 words, for CPU implementations
// of WebGPU. SwiftShader runs 4 invocations in the lanes of one SIMD register and turns every storage load
// with a computed index into a masked gather, after the bounds clamp the browser adds to each index; a vec4
// word costs one index, one clamp and one bounds test for its 4 values (v6 pays those per value), and the
// components of a vec4 are separate registers, so rearranging them is free.
// Layouts and epilogue as v6: A [batch?, M, K] or [batch?, K, M] (TRANS_A), B [batch?, K, N] or [batch?, N, K]
//   (TRANS_B), C [batch, M, N] (f32 words); BIAS 1 per column, 2 per row; ACT 0 none, 1 relu, 2 gelu.
// Needs each operand's contiguous dim to be a multiple of 4 (A: K, or M when TRANS_A; B: N, or K when
//   TRANS_B): then every word lies in one row, and a batch's matrix starts on a word. The engine checks it
//   (`rejects`) and falls back to v6.
// Per thread a 4 × 4 block of C (rows m … m + 3, columns n … n + 3, four vec4 accumulators). Per 4 steps of K
//   it reads 4 words of A and 4 of B: A's rows along K (or, TRANS_A, the 4 rows at one k), B's row of the 4
//   columns at one k (or, TRANS_B, each column along K), and rearranges them into the 4 × 4 products that v6
//   forms. TRANS_A without TRANS_B allows a K that is not a multiple of 4: the last K % 4 steps go one at a time.
// Every size is an override literal (DIM_M, DIM_N, DIM_K), tiling, clamping, split-K and grid as v6: a 1-D
//   workgroup of TX · TY threads covers (4·TY) × (4·TX) of C, thread t rows 4·(t / TX) and columns 4·(t % TX);
//   rows and columns past the matrix are clamped for the loads and dropped at the store.
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
override DIM_M: u32 = 4u;
override DIM_N: u32 = 4u;
override DIM_K: u32 = 4u;
override TX: u32 = 16u; // threads along N
override TY: u32 = 16u; // threads along M
override RM: u32 = 4u;  // rows of C per thread: 4 or 8
override EXACT_M: bool = DIM_M % (RM * TY) == 0u;
override EXACT_N: bool = DIM_N % (4u * TX) == 0u;
// Words per row of each stored operand, and per batch matrix.
override A_ROW: u32 = select(DIM_K, DIM_M, TRANS_A) / 4u;
override B_ROW: u32 = select(DIM_N, DIM_K, TRANS_B) / 4u;

struct Params { M: u32, N: u32, K: u32, batch: u32, a_batch_stride: u32, b_batch_stride: u32, batch_base: u32, k_chunk: u32, splits: u32 }

@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// SQRT_HALF and epilogue() come from matmul_common.wgsl, erf_() from erf.wgsl: the engine prepends both.

fn rowAt(m: u32) -> u32 { return select(min(m, DIM_M - 1u), m, EXACT_M); }
fn colAt(n: u32) -> u32 { return select(min(n, DIM_N - 1u), n, EXACT_N); }

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

// acc + r · [w0; w1; w2; w3]: row r of op(A) (4 steps of K) times 4 rows of op(B) (4 columns each).
fn madd(acc: vec4<f32>, r: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>, w2: vec4<f32>, w3: vec4<f32>) -> vec4<f32> {
  return acc + vec4(r.x) * w0 + vec4(r.y) * w1 + vec4(r.z) * w2 + vec4(r.w) * w3;
}

// The 4 × 4 transpose of words c0 … c3 (component i of word t → component t of word i), written into t0 … t3.
fn tr(c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32>, i: u32) -> vec4<f32> {
  return vec4(c0[i], c1[i], c2[i], c3[i]);
}

@compute @workgroup_size(TX * TY)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let range = select(0u, wid.z % params.splits, SPLIT);
  let b = select(wid.z, wid.z / params.splits, SPLIT) + params.batch_base;
  let m = wid.y * (RM * TY) + RM * (li / TX);
  let n = wid.x * (4u * TX) + 4u * (li % TX);
  let a0 = b * (params.a_batch_stride / 4u);
  let b0 = b * (params.b_batch_stride / 4u);
  // Word offsets at k = 0. TRANS_A: the word of rows m … m + 3 (m and M multiples of 4: clamped as a quad), and
  // of rows m + 4 … m + 7 (RM = 8); else one word stream per row. B likewise with columns.
  let aq = a0 + min(m, max(DIM_M, 4u) - 4u) / 4u;
  let aq2 = a0 + min(m + 4u, max(DIM_M, 4u) - 4u) / 4u;
  let ar0 = a0 + rowAt(m) * A_ROW;
  let ar1 = a0 + rowAt(m + 1u) * A_ROW;
  let ar2 = a0 + rowAt(m + 2u) * A_ROW;
  let ar3 = a0 + rowAt(m + 3u) * A_ROW;
  let ar4 = a0 + rowAt(m + 4u) * A_ROW;
  let ar5 = a0 + rowAt(m + 5u) * A_ROW;
  let ar6 = a0 + rowAt(m + 6u) * A_ROW;
  let ar7 = a0 + rowAt(m + 7u) * A_ROW;
  let bq = b0 + min(n, max(DIM_N, 4u) - 4u) / 4u;
  let bc0 = b0 + colAt(n) * B_ROW;
  let bc1 = b0 + colAt(n + 1u) * B_ROW;
  let bc2 = b0 + colAt(n + 2u) * B_ROW;
  let bc3 = b0 + colAt(n + 3u) * B_ROW;
  let kBegin = select(0u, range * params.k_chunk, SPLIT);
  let kEnd = select(DIM_K, min(DIM_K, kBegin + params.k_chunk), SPLIT);
  let kMain = kBegin + (kEnd - kBegin) / 4u * 4u;

  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  var acc4 = vec4<f32>();
  var acc5 = vec4<f32>();
  var acc6 = vec4<f32>();
  var acc7 = vec4<f32>();
  for (var k = kBegin; k < kMain; k += 4u) {
    // w_t: row k + t of op(B) at columns n … n + 3.
    var w0: vec4<f32>;
    var w1: vec4<f32>;
    var w2: vec4<f32>;
    var w3: vec4<f32>;
    if (TRANS_B) {
      let d0 = B[bc0 + k / 4u];
      let d1 = B[bc1 + k / 4u];
      let d2 = B[bc2 + k / 4u];
      let d3 = B[bc3 + k / 4u];
      w0 = tr(d0, d1, d2, d3, 0u);
      w1 = tr(d0, d1, d2, d3, 1u);
      w2 = tr(d0, d1, d2, d3, 2u);
      w3 = tr(d0, d1, d2, d3, 3u);
    } else {
      w0 = B[bq + k * B_ROW];
      w1 = B[bq + (k + 1u) * B_ROW];
      w2 = B[bq + (k + 2u) * B_ROW];
      w3 = B[bq + (k + 3u) * B_ROW];
    }
    // Rows m + i of op(A) at k … k + 3.
    if (TRANS_A) {
      let c0 = A[aq + k * A_ROW];
      let c1 = A[aq + (k + 1u) * A_ROW];
      let c2 = A[aq + (k + 2u) * A_ROW];
      let c3 = A[aq + (k + 3u) * A_ROW];
      acc0 = madd(acc0, tr(c0, c1, c2, c3, 0u), w0, w1, w2, w3);
      acc1 = madd(acc1, tr(c0, c1, c2, c3, 1u), w0, w1, w2, w3);
      acc2 = madd(acc2, tr(c0, c1, c2, c3, 2u), w0, w1, w2, w3);
      acc3 = madd(acc3, tr(c0, c1, c2, c3, 3u), w0, w1, w2, w3);
      if (RM == 8u) {
        let e0 = A[aq2 + k * A_ROW];
        let e1 = A[aq2 + (k + 1u) * A_ROW];
        let e2 = A[aq2 + (k + 2u) * A_ROW];
        let e3 = A[aq2 + (k + 3u) * A_ROW];
        acc4 = madd(acc4, tr(e0, e1, e2, e3, 0u), w0, w1, w2, w3);
        acc5 = madd(acc5, tr(e0, e1, e2, e3, 1u), w0, w1, w2, w3);
        acc6 = madd(acc6, tr(e0, e1, e2, e3, 2u), w0, w1, w2, w3);
        acc7 = madd(acc7, tr(e0, e1, e2, e3, 3u), w0, w1, w2, w3);
      }
    } else {
      acc0 = madd(acc0, A[ar0 + k / 4u], w0, w1, w2, w3);
      acc1 = madd(acc1, A[ar1 + k / 4u], w0, w1, w2, w3);
      acc2 = madd(acc2, A[ar2 + k / 4u], w0, w1, w2, w3);
      acc3 = madd(acc3, A[ar3 + k / 4u], w0, w1, w2, w3);
      if (RM == 8u) {
        acc4 = madd(acc4, A[ar4 + k / 4u], w0, w1, w2, w3);
        acc5 = madd(acc5, A[ar5 + k / 4u], w0, w1, w2, w3);
        acc6 = madd(acc6, A[ar6 + k / 4u], w0, w1, w2, w3);
        acc7 = madd(acc7, A[ar7 + k / 4u], w0, w1, w2, w3);
      }
    }
  }
  // Only TRANS_A without TRANS_B may leave K % 4 steps: both operands then have a word per k.
  if (TRANS_A && !TRANS_B) {
    for (var k = kMain; k < kEnd; k++) {
      let w = B[bq + k * B_ROW];
      let c = A[aq + k * A_ROW];
      acc0 += c.x * w;
      acc1 += c.y * w;
      acc2 += c.z * w;
      acc3 += c.w * w;
      if (RM == 8u) {
        let e = A[aq2 + k * A_ROW];
        acc4 += e.x * w;
        acc5 += e.y * w;
        acc6 += e.z * w;
        acc7 += e.w * w;
      }
    }
  }

  let slice = select(b, range * params.batch + b, SPLIT);
  storeRow(slice, m, n, acc0);
  storeRow(slice, m + 1u, n, acc1);
  storeRow(slice, m + 2u, n, acc2);
  storeRow(slice, m + 3u, n, acc3);
  if (RM == 8u) {
    storeRow(slice, m + 4u, n, acc4);
    storeRow(slice, m + 5u, n, acc5);
    storeRow(slice, m + 6u, n, acc6);
    storeRow(slice, m + 7u, n, acc7);
  }
}
