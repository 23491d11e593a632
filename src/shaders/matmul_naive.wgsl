// matmul_naive.wgsl (v1): C[b] = act(op(A[b]) · op(B[b]) + bias), one thread per output element, no tiling.
// Layouts (row-major f32): A is [batch?, M, K], or [batch?, K, M] when TRANS_A; B is [batch?, K, N], or
//   [batch?, N, K] when TRANS_B; C is [batch, M, N]. Batch strides of 0 broadcast one matrix over the batch.
//   bias: BIAS = 1 adds bias[n] (one value per column, Linear's bias), BIAS = 2 adds bias[m] (per row);
//   with BIAS = 0 the binding holds any read buffer and is never read. ACT: 0 none, 1 relu, 2 gelu (erf).
// The correctness reference for the tiled kernels: every size works, nothing is assumed about tiles.
// Workgroup 16×16 over (n, m); z is the batch (params.batch_base offsets a chunk of batches).
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
override BIAS: u32 = 0u;
override ACT: u32 = 0u;

struct Params { M: u32, N: u32, K: u32, batch: u32, a_batch_stride: u32, b_batch_stride: u32, batch_base: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// epilogue() comes from matmul_common.wgsl, loadA() and loadB() from matmul_loads.wgsl, and erf_() from
// erf.wgsl: the engine prepends all three to this kernel.

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  let m = gid.y;
  let b = gid.z + params.batch_base;
  if (m >= params.M || n >= params.N || b >= params.batch) { return; }
  let a0 = b * params.a_batch_stride;
  let b0 = b * params.b_batch_stride;
  var acc = 0.0;
  for (var k = 0u; k < params.K; k++) {
    acc += loadA(a0, m, k) * loadB(b0, k, n);
  }
  C[(b * params.M + m) * params.N + n] = epilogue(acc, m, n);
}
