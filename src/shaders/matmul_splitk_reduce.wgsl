// matmul_splitk_reduce.wgsl: the second launch of the split matmul versions (v4 matmul_splitk, v5
// matmul_vec): C[i] = act(Σ_s P[s, i] + bias), summing the partial products of the K ranges in range order
// (deterministic) and applying the epilogue of matmul_common.wgsl (which the engine prepends, with erf.wgsl).
// Bindings follow matmul_common's names: A holds the partials P [splits, batch, M, N] (params.K = splits), B
// is unused (the engine binds P again), C [batch, M, N] the result. One thread per output; a 2-D grid of
// 64-thread workgroups (grid() in kernel.ts) past 65,535 of them.

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

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let size = params.batch * params.M * params.N;
  let i = (wid.y * groups.x + wid.x) * 64u + li;
  if (i >= size) { return; }
  var sum = 0.0;
  for (var s = 0u; s < params.K; s++) { sum += A[s * size + i]; }
  let mn = i % (params.M * params.N);
  C[i] = epilogue(sum, mn / params.N, mn % params.N);
}
