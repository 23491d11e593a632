// erf.wgsl: erf(v) for GELU, shared by the kernels that need it (unary, binary, the matmul epilogues).
// WGSL has no include: the engine prepends this file to those kernels' code (see their defineKernel calls),
// so the one fit lives in one place and forward and backward GELU always agree.
// Numerical Recipes' erfc Chebyshev fit, |error| < 1.2e-7: enough for f32.

fn erf_(v: f32) -> f32 {
  let z = abs(v);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
          t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
          t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, v >= 0.0);
}
