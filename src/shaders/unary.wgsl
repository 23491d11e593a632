// unary.wgsl: y[i] = f(x[i], alpha) for the elementwise unary ops and the tensor-with-scalar ops.
// Layout: x, y contiguous f32 of params.n elements. One thread per PER_THREAD (1 or 4) elements, 256 threads
//   per workgroup, workgroups spread over x and y (first element (gid.x + gid.y · 256 · num_workgroups.x) · PER_THREAD).
// The op is the override constant OP, so each op compiles to its own specialized pipeline. Each op is declared
// once, here: `const OP_<NAME>` below, which the engine reads by name (OP_MUL_SCALAR is unaryRaw('mulScalar'),
// src/engine/ops/elementwise-kernels.ts), and its case in apply().
// Memory-bound: one read and one write per element. Bench: `npm run bench -- --filter "elementwise,reduce,pool"` (bench/cases/elementwise.ts), result
// bench/results/2026-12-02-google-swiftshader-chrome-elementwise-reduce-pool-grid.json (SwiftShader, 2 cores): relu of 1M
// elements 8.72 ms, TF.js 9.83 ms. No GPU figure yet.
// NaN and ±inf as PyTorch 1.13: NaN passes through the activations, exp, log, sqrt and clamp-style max/min
// (tested on the bit pattern, float_bits.wgsl, prepended by the engine); log(0) = -inf, log(x < 0) = NaN; pow as
// PyTorch's, edge cases and exact integer powers included (pow.wgsl).

override OP: u32 = 0u;
// Elements per thread: 4 when n is a multiple of 4 (the engine picks), so a CPU adapter's per-invocation cost
// is paid once per 4 elements.
override PER_THREAD: u32 = 1u;

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

struct Params { n: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

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

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i0 = (gid.x + gid.y * nwg.x * 256u) * PER_THREAD;
  if (i0 >= params.n) { return; }
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = i0 + k;
    let v = x[i];
    if (keeps_nan() && is_nan_(v)) {
      y[i] = v;
    } else {
      y[i] = apply(v, params.alpha);
    }
  }
}
