// matmul_vec.wgsl (v5): C[b] = act(op(A[b]) · op(B[b]) + bias) for a few rows (M = 1: a batch-1 Linear, a
// matrix–vector product), where a 64 × 64 tile would compute one useful row in 64. A 256-thread workgroup
// computes COLS outputs of one row m; each output's LANES threads walk interleaved k (k ≡ lane mod LANES) and
// sum their partials in a tree in workgroup memory. With TRANS_B (Linear's weight [N, K]) an output's lanes
// are 64 consecutive threads reading 64 consecutive k of its weight row; without, the 64 consecutive
// threads are 64 columns reading one row of B [K, N], and 4 lanes split K.
// Layouts as matmul_naive.wgsl (v1); batch strides of 0 broadcast. Output: with SPLIT, P [splits, batch, M, N]
//   of raw partial sums over K ranges of params.k_chunk (matmul_splitk_reduce.wgsl finishes them); without,
//   C [batch, M, N] with the bias and activation.
// Grid: x = ceil(N / COLS), y = M, z = batches of this launch × splits (z = local batch · splits + range).
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
override BIAS: u32 = 0u;
override ACT: u32 = 0u;
override SPLIT: bool = false;

const THREADS: u32 = 256u;
override LANES: u32 = select(4u, 64u, TRANS_B);
override COLS: u32 = THREADS / LANES;

struct Params { M: u32, N: u32, K: u32, batch: u32, a_batch_stride: u32, b_batch_stride: u32, batch_base: u32, k_chunk: u32, splits: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> partial: array<f32, THREADS>;

// SQRT_HALF and epilogue() come from matmul_common.wgsl, loadA() and loadB() from matmul_loads.wgsl, and erf_()
// from erf.wgsl.

// Where (col, lane) keeps its partial: an output's lanes are contiguous with TRANS_B, strided by 64 without.
fn slot(col: u32, lane: u32) -> u32 {
  if (TRANS_B) { return col * LANES + lane; }
  return lane * COLS + col;
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  var lane: u32;
  var col: u32;
  if (TRANS_B) { lane = li % LANES; col = li / LANES; } else { col = li % COLS; lane = li / COLS; }
  let b = wid.z / params.splits + params.batch_base;
  let s = wid.z % params.splits;
  let m = wid.y;
  let n = wid.x * COLS + col;
  let a_base = b * params.a_batch_stride;
  let b_base = b * params.b_batch_stride;
  let k_end = min(params.K, (s + 1u) * params.k_chunk);

  var acc = 0.0;
  for (var k = s * params.k_chunk + lane; k < k_end; k += LANES) {
    acc += loadA(a_base, m, k) * loadB(b_base, k, n); // loadB is 0 past column N
  }
  partial[slot(col, lane)] = acc;
  workgroupBarrier();
  for (var half = LANES / 2u; half > 0u; half /= 2u) {
    if (lane < half) { partial[slot(col, lane)] += partial[slot(col, lane + half)]; }
    workgroupBarrier();
  }
  if (lane != 0u || n >= params.N) { return; }
  let v = partial[slot(col, 0u)];
  let at = (b * params.M + m) * params.N + n;
  if (SPLIT) { C[s * params.batch * params.M * params.N + at] = v; } else { C[at] = epilogue(v, m, n); }
}
