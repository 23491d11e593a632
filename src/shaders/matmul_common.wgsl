// matmul_common.wgsl: the bounds-checked operand loads and the epilogue of every matmul version
// (matmul_naive.wgsl v1, matmul_tiled.wgsl v2, matmul_tiled_large.wgsl v3). WGSL has no include: the engine
// prepends this file (after erf.wgsl) to those kernels' code (see their defineKernel calls in
// src/engine/ops/matmul.ts), so every version reads its operands and finishes its outputs the same way. It uses what each kernel declares: the A, B and
// bias bindings, `params` (M, N, K), and the TRANS_A, TRANS_B, BIAS and ACT overrides.
// Epilogue: BIAS 1 adds bias[n] (one value per column), 2 adds bias[m] (per row); then ACT 0 none, 1 relu,
// 2 gelu (exact erf form).

const SQRT_HALF: f32 = 0.70710678118654752;

fn epilogue(v: f32, m: u32, n: u32) -> f32 {
  var r = v;
  if (BIAS == 1u) { r += bias[n]; }
  if (BIAS == 2u) { r += bias[m]; }
  if (ACT == 1u) { r = select(r, 0.0, r < 0.0); } // relu; keeps NaN (max may drop it)
  if (ACT == 2u) { r = 0.5 * r * (1.0 + erf_(r * SQRT_HALF)); }
  return r;
}

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
