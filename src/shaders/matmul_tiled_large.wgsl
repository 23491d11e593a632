// matmul_tiled_large.wgsl (v3): C[b] = act(op(A[b]) · op(B[b]) + bias), large tiles, 8×8 outputs per
// thread, double-buffered workgroup tiles with the next K step prefetched into registers.
// Layouts, bias and epilogue: as matmul_tiled.wgsl (v2). A is [batch?, M, K] or [batch?, K, M] (TRANS_A),
//   B is [batch?, K, N] or [batch?, N, K] (TRANS_B), C is [batch, M, N]; batch strides of 0 broadcast.
//   BIAS 0 none / 1 per column n / 2 per row m; ACT 0 none / 1 relu / 2 gelu (erf form).
// Tiling: WG_Y × WG_X threads (override, default 16 × 16), TILE_M = 8·WG_Y, TILE_N = 8·WG_X (default
//   128 × 128), K step TILE_K (override, default 8). Workgroup memory holds two A and two B tiles as vec4
//   (k-major: As[buf][k][m/4]), 2·(128 + 128)·8·4 B = 16 KiB by default. While the threads multiply the
//   current tile, they load the next one from global memory into registers and store it to the other
//   buffer: one barrier per K step. A thread owns rows {4·ly + r, TILE_M/2 + 4·ly + r} and columns
//   {4·lx + c, TILE_N/2 + 4·lx + c}, r, c < 4: two vec4 reads per operand per k, 16 vec4 multiply-adds.
//   Loads are bounds-checked (zero fill), so every M, N, K works. Each thread loads whole vec4 words (4
//   rows m or 4 columns n at one k) and stores each word with one whole-vector store: threads never write
//   single components of a shared vec4 (WGSL lets a component store touch the whole vector, and Metal and
//   D3D compile it as a read-modify-write, so components written by other threads would be lost;
//   tests/unit/wgsl-workgroup-stores.test.ts rejects any component store into workgroup memory).
//   Constraint (tests/unit/matmul-tiles.test.ts): TILE_M4·TILE_K and TILE_N4·TILE_K are multiples of
//   WG_X·WG_Y and at most MAX_WORDS words per thread.
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
override TILE_K: u32 = 8u;
override BIAS: u32 = 0u;
override ACT: u32 = 0u;

override TILE_M: u32 = 8u * WG_Y;
override TILE_N: u32 = 8u * WG_X;
// vec4 words per k row of a tile, and per buffer.
override TILE_M4: u32 = 2u * WG_Y;
override TILE_N4: u32 = 2u * WG_X;
override A_WORDS: u32 = 2u * TILE_M4 * TILE_K;
override B_WORDS: u32 = 2u * TILE_N4 * TILE_K;

const MAX_WORDS: u32 = 2u;

struct Params { M: u32, N: u32, K: u32, batch: u32, a_batch_stride: u32, b_batch_stride: u32, batch_base: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> As: array<vec4<f32>, A_WORDS>;
var<workgroup> Bs: array<vec4<f32>, B_WORDS>;

// SQRT_HALF and epilogue() come from matmul_common.wgsl, loadA() and loadB() from matmul_loads.wgsl, and erf_()
// from erf.wgsl: the engine prepends all three to this kernel.

// Tile coordinates of the w-th vec4 word a thread loads: (word along the tile's rows, k). Consecutive
// threads run along the operand's contiguous global dim (k, or the words of m / n when transposed).
fn aWord(w: u32) -> vec2<u32> {
  if (TRANS_A) { return vec2(w % TILE_M4, w / TILE_M4); }
  return vec2(w / TILE_K, w % TILE_K);
}

fn bWord(w: u32) -> vec2<u32> {
  if (TRANS_B) { return vec2(w / TILE_K, w % TILE_K); }
  return vec2(w % TILE_N4, w / TILE_N4);
}

// op(A)[m..m+3, k] and op(B)[k, n..n+3] as one word, zero outside the matrix.
fn loadA4(base: u32, m: u32, k: u32) -> vec4<f32> {
  return vec4(loadA(base, m, k), loadA(base, m + 1u, k), loadA(base, m + 2u, k), loadA(base, m + 3u, k));
}

fn loadB4(base: u32, k: u32, n: u32) -> vec4<f32> {
  return vec4(loadB(base, k, n), loadB(base, k, n + 1u), loadB(base, k, n + 2u), loadB(base, k, n + 3u));
}

// Row m of the thread's block: columns n_lo + c (from lo) and n_hi + c (from hi), c < 4.
fn storeRow(b: u32, m: u32, n_lo: u32, n_hi: u32, lo: vec4<f32>, hi: vec4<f32>) {
  if (m >= params.M) { return; }
  let row = (b * params.M + m) * params.N;
  for (var c = 0u; c < 4u; c++) {
    if (n_lo + c < params.N) { C[row + n_lo + c] = epilogue(lo[c], m, n_lo + c); }
    if (n_hi + c < params.N) { C[row + n_hi + c] = epilogue(hi[c], m, n_hi + c); }
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
  let a_words = TILE_M4 * TILE_K / threads;
  let b_words = TILE_N4 * TILE_K / threads;
  let tiles = (params.K + TILE_K - 1u) / TILE_K;

  var ra: array<vec4<f32>, MAX_WORDS>;
  var rb: array<vec4<f32>, MAX_WORDS>;
  // Accumulators, unrolled by hand (some compilers, e.g. SwiftShader's, keep indexed local arrays in
  // memory): c<i><h> is row i (0-3: 4·ly + i, 4-7: TILE_M/2 + 4·ly + i − 4), column half h, 4 lanes.
  var c00 = vec4<f32>(); var c01 = vec4<f32>(); var c10 = vec4<f32>(); var c11 = vec4<f32>();
  var c20 = vec4<f32>(); var c21 = vec4<f32>(); var c30 = vec4<f32>(); var c31 = vec4<f32>();
  var c40 = vec4<f32>(); var c41 = vec4<f32>(); var c50 = vec4<f32>(); var c51 = vec4<f32>();
  var c60 = vec4<f32>(); var c61 = vec4<f32>(); var c70 = vec4<f32>(); var c71 = vec4<f32>();

  // Prologue: tile 0 into buffer 0.
  for (var r = 0u; r < a_words; r++) {
    let c = aWord(li + r * threads);
    As[c.y * TILE_M4 + c.x] = loadA4(a_base, m0 + 4u * c.x, c.y);
  }
  for (var r = 0u; r < b_words; r++) {
    let c = bWord(li + r * threads);
    Bs[c.y * TILE_N4 + c.x] = loadB4(b_base, c.y, n0 + 4u * c.x);
  }
  workgroupBarrier();

  for (var t = 0u; t < tiles; t++) {
    let cur = t % 2u;
    let has_next = t + 1u < tiles;
    if (has_next) {
      let k0 = (t + 1u) * TILE_K;
      for (var r = 0u; r < a_words; r++) {
        let c = aWord(li + r * threads);
        ra[r] = loadA4(a_base, m0 + 4u * c.x, k0 + c.y);
      }
      for (var r = 0u; r < b_words; r++) {
        let c = bWord(li + r * threads);
        rb[r] = loadB4(b_base, k0 + c.y, n0 + 4u * c.x);
      }
    }

    let a_off = cur * TILE_M4 * TILE_K;
    let b_off = cur * TILE_N4 * TILE_K;
    for (var kk = 0u; kk < TILE_K; kk++) {
      let a_lo = As[a_off + kk * TILE_M4 + lid.y];
      let a_hi = As[a_off + kk * TILE_M4 + WG_Y + lid.y];
      let b_lo = Bs[b_off + kk * TILE_N4 + lid.x];
      let b_hi = Bs[b_off + kk * TILE_N4 + WG_X + lid.x];
      c00 += a_lo.x * b_lo; c01 += a_lo.x * b_hi;
      c10 += a_lo.y * b_lo; c11 += a_lo.y * b_hi;
      c20 += a_lo.z * b_lo; c21 += a_lo.z * b_hi;
      c30 += a_lo.w * b_lo; c31 += a_lo.w * b_hi;
      c40 += a_hi.x * b_lo; c41 += a_hi.x * b_hi;
      c50 += a_hi.y * b_lo; c51 += a_hi.y * b_hi;
      c60 += a_hi.z * b_lo; c61 += a_hi.z * b_hi;
      c70 += a_hi.w * b_lo; c71 += a_hi.w * b_hi;
    }

    if (has_next) {
      let nxt = 1u - cur;
      for (var r = 0u; r < a_words; r++) {
        let c = aWord(li + r * threads);
        As[nxt * TILE_M4 * TILE_K + c.y * TILE_M4 + c.x] = ra[r];
      }
      for (var r = 0u; r < b_words; r++) {
        let c = bWord(li + r * threads);
        Bs[nxt * TILE_N4 * TILE_K + c.y * TILE_N4 + c.x] = rb[r];
      }
    }
    workgroupBarrier();
  }

  let m_lo = m0 + 4u * lid.y;
  let m_hi = m_lo + TILE_M / 2u;
  let n_lo = n0 + 4u * lid.x;
  let n_hi = n_lo + TILE_N / 2u;
  storeRow(b, m_lo, n_lo, n_hi, c00, c01);
  storeRow(b, m_lo + 1u, n_lo, n_hi, c10, c11);
  storeRow(b, m_lo + 2u, n_lo, n_hi, c20, c21);
  storeRow(b, m_lo + 3u, n_lo, n_hi, c30, c31);
  storeRow(b, m_hi, n_lo, n_hi, c40, c41);
  storeRow(b, m_hi + 1u, n_lo, n_hi, c50, c51);
  storeRow(b, m_hi + 2u, n_lo, n_hi, c60, c61);
  storeRow(b, m_hi + 3u, n_lo, n_hi, c70, c71);
}
