// matmul_common.wgsl: the epilogue of every matmul version (v1–v7) and of matmul_splitk_reduce.wgsl. WGSL has
// no include: the engine prepends this file (after erf.wgsl) to those kernels' code (see their defineKernel
// calls in src/engine/ops/matmul.ts), so every version finishes its outputs the same way. It uses what each
// kernel declares: the bias binding and the BIAS and ACT overrides. The bounds-checked operand loads of the
// versions that read A and B as f32 words are in matmul_loads.wgsl.
// Epilogue: BIAS 1 adds bias[n] (one value per column), 2 adds bias[m] (per row); then ACT 0 none, 1 relu,
// 2 gelu (exact erf form), 3 relu6 (conv2d's matmul path, conv-matmul.ts).

const SQRT_HALF: f32 = 0.70710678118654752;

fn epilogue(v: f32, m: u32, n: u32) -> f32 {
  var r = v;
  if (BIAS == 1u) { r += bias[n]; }
  if (BIAS == 2u) { r += bias[m]; }
  if (ACT == 2u) { r = 0.5 * r * (1.0 + erf_(r * SQRT_HALF)); }
  if (ACT == 1u || ACT == 3u) { // relu, relu6 as epilogue_act.wgsl's: a NaN stays NaN, tested on its bits, since
    var a = select(r, 0.0, r < 0.0); // Mesa turns this select into max(r, 0.0), which drops NaN (npm run test:gles)
    if (ACT == 3u) { a = select(a, 6.0, r > 6.0); }
    r = select(a, r, (bitcast<u32>(r) & 0x7fffffffu) > 0x7f800000u);
  }
  return r;
}
