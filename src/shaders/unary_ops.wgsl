// unary_ops.wgsl: the unary ops and tensor-with-scalar ops, f(v, alpha), run by unary.wgsl (v1, a float per
// element) and unary_vec4.wgsl (v2, vec4 words): the engine prepends float_bits.wgsl, pow.wgsl, erf.wgsl and
// this file to each. The op is the override constant OP, so each op compiles to its own specialized pipeline.
// Each op is declared once, here: `const OP_<NAME>` below, which the engine reads by name (OP_MUL_SCALAR is
// unaryRaw('mulScalar'), src/engine/ops/elementwise-kernels.ts), and its case in apply().
// NaN and ±inf as PyTorch 1.13: NaN passes through the activations, exp, log, sqrt and clamp-style max/min
// (tested on the bit pattern, float_bits.wgsl); log(0) = -inf, log(x < 0) = NaN; pow as PyTorch's, edge cases
// and exact integer powers included (pow.wgsl). keeps_nan() says which ops return a NaN input unchanged.

override OP: u32 = 0u;

const OP_NEG: u32 = 0u;
const OP_EXP: u32 = 1u;
const OP_LOG: u32 = 2u;
const OP_SQRT: u32 = 3u;
const OP_ABS: u32 = 4u;
const OP_RELU: u32 = 5u;
const OP_SIGMOID: u32 = 6u;
const OP_TANH: u32 = 7u;
const OP_GELU: u32 = 8u;
const OP_RELU6: u32 = 9u;
const OP_ADD_SCALAR: u32 = 10u;
const OP_MUL_SCALAR: u32 = 11u;
const OP_POW_SCALAR: u32 = 12u;
const OP_SCALAR_SUB: u32 = 13u;
const OP_SCALAR_DIV: u32 = 14u;
const OP_SCALAR_POW: u32 = 15u;
const OP_MAX_SCALAR: u32 = 16u;
const OP_MIN_SCALAR: u32 = 17u;

const SQRT_HALF: f32 = 0.70710678118654752;

// erf_(v) comes from erf.wgsl, pow_, pow_scalar_ and sqrt_ from pow.wgsl: the engine prepends both.

fn sigmoid_(v: f32) -> f32 {
  // Split by sign so exp never overflows.
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}

fn log_(v: f32) -> f32 {
  if (v < 0.0) { return nan_(); }
  if (v == 0.0) { return neg_inf_(); }
  if (is_pos_inf_(v)) { return v; }
  return log(v);
}

// Ops whose NaN input gives NaN: the kernel returns the NaN itself before the op's formula sees it.
fn keeps_nan() -> bool {
  switch OP {
    case OP_EXP, OP_LOG, OP_SQRT, OP_ABS, OP_RELU, OP_SIGMOID, OP_TANH, OP_GELU, OP_MAX_SCALAR, OP_MIN_SCALAR: { return true; }
    default: { return false; }
  }
}

fn apply(v: f32, a: f32) -> f32 {
  switch OP {
    case OP_NEG: { return -v; }
    case OP_EXP: { return exp_nan_(v); }
    case OP_LOG: { return log_(v); }
    case OP_SQRT: { return sqrt_(v); }
    case OP_ABS: { return abs(v); }
    case OP_RELU: { return select(0.0, v, v > 0.0); }                     // NaN handled in main
    case OP_SIGMOID: { return sigmoid_(v); }
    case OP_TANH: { return tanh(clamp(v, -15.0, 15.0)); }                 // clamped: some backends overflow
    case OP_GELU: { return 0.5 * v * (1.0 + erf_(v * SQRT_HALF)); }       // exact (erf) form
    case OP_RELU6: { return select(clamp(v, 0.0, 6.0), v, is_nan_(v)); }  // hardtanh 0..6; NaN stays NaN
    case OP_ADD_SCALAR: { return v + a; }
    case OP_MUL_SCALAR: { return v * a; }
    case OP_POW_SCALAR: { return pow_scalar_(v, a); }                     // x ** scalar
    case OP_SCALAR_SUB: { return a - v; }
    case OP_SCALAR_DIV: { return a / v; }
    case OP_SCALAR_POW: { return pow_(a, v); }                            // scalar ** x
    case OP_MAX_SCALAR: { return max_nan_(v, a); }
    case OP_MIN_SCALAR: { return min_nan_(v, a); }
    default: { return v; }
  }
}
