// matmul_loads.wgsl: the bounds-checked operand loads of the matmul versions that read A and B as f32 words
// (matmul_naive.wgsl v1, matmul_tiled.wgsl v2, matmul_tiled_large.wgsl v3, matmul_splitk.wgsl v4,
// matmul_vec.wgsl v5). WGSL has no include: the engine prepends this file after matmul_common.wgsl. It uses
// what each kernel declares: the A and B bindings, `params` (M, N, K) and the TRANS_A, TRANS_B overrides.

// op(A)[m, k] of this batch, or 0 outside the matrix.
fn loadA(base: u32, m: u32, k: u32) -> f32 {
  if (m >= params.M || k >= params.K) { return 0.0; }
  if (TRANS_A) { return A[base + k * params.M + m]; }
  return A[base + m * params.K + k];
}

// op(B)[k, n] of this batch, or 0 outside the matrix.
fn loadB(base: u32, k: u32, n: u32) -> f32 {
  if (k >= params.K || n >= params.N) { return 0.0; }
  if (TRANS_B) { return B[base + n * params.K + k]; }
  return B[base + k * params.N + n];
}
