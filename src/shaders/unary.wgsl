// unary.wgsl: y[i] = f(x[i], alpha) for the elementwise unary ops and the tensor-with-scalar ops.
// Layout: x, y contiguous f32 of params.n elements. One thread per element, 256 threads per workgroup,
//   workgroups spread over x and y (index = gid.x + gid.y * 256 * num_workgroups.x).
// The op is the override constant OP, so each op compiles to its own specialized pipeline.
// Memory-bound: one read and one write per element. Figure: SwiftShader (CPU), 2^20 elements, ~1 GB/s.
// NaN and ±inf as PyTorch 1.13: NaN passes through the activations, exp, log, sqrt and clamp-style max/min
// (tested on the bit pattern, float_bits.wgsl, prepended by the engine); log(0) = -inf, log(x < 0) = NaN.

override OP: u32 = 0u;

struct Params { n: u32, alpha: f32 }

// WGSL rejects NaN and infinity in constant expressions, so their bit patterns live in private vars.
var<private> NAN_BITS: u32 = 0x7fc00000u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

const SQRT_HALF: f32 = 0.70710678118654752;

// erf_(v) comes from erf.wgsl, which the engine prepends to this kernel.

// PyTorch pow: a negative base works with an integer exponent; otherwise NaN.
fn pow_(b: f32, e: f32) -> f32 {
  if (e == 0.0) { return 1.0; }
  if (b >= 0.0) { return pow(b, e); }
  if (e != floor(e)) { return bitcast<f32>(NAN_BITS); }
  let m = pow(-b, e);
  return select(m, -m, (abs(e) % 2.0) == 1.0);
}

fn sigmoid_(v: f32) -> f32 {
  // Split by sign so exp never overflows.
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}

fn log_(v: f32) -> f32 {
  if (v < 0.0) { return nan_(); }
  if (v == 0.0) { return neg_inf_(); }
  if (v == pos_inf_()) { return v; }
  return log(v);
}

fn sqrt_(v: f32) -> f32 {
  if (v < 0.0) { return nan_(); }
  if (v == pos_inf_()) { return v; }
  return sqrt(v);
}

// Ops whose NaN input gives NaN: the kernel returns the NaN itself before the op's formula sees it.
fn keeps_nan() -> bool {
  switch OP {
    case 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 14u, 17u, 19u: { return true; }
    default: { return false; }
  }
}

fn apply(v: f32, a: f32) -> f32 {
  switch OP {
    case 0u: { return -v; }                                   // neg
    case 1u: { return exp_nan_(v); }                          // exp
    case 2u: { return log_(v); }                              // log
    case 3u: { return sqrt_(v); }                             // sqrt
    case 4u: { return abs(v); }                               // abs
    case 5u: { return select(0.0, v, v > 0.0); }              // relu (NaN handled in main)
    case 6u: { return sigmoid_(v); }                          // sigmoid
    case 7u: { return tanh(clamp(v, -15.0, 15.0)); }          // tanh (clamped: some backends overflow)
    case 8u: { return 0.5 * v * (1.0 + erf_(v * SQRT_HALF)); } // gelu, exact (erf) form
    case 9u: { return v + a; }                                // add scalar
    case 10u: { return v * a; }                               // mul scalar
    case 11u: { return pow_(v, a); }                          // pow scalar exponent
    case 12u: { return a - v; }                               // scalar - x
    case 13u: { return a / v; }                               // scalar / x
    case 14u: { return max_nan_(v, a); }                      // maximum with scalar
    case 18u: { return pow_(a, v); }                          // scalar ** x
    case 19u: { return min_nan_(v, a); }                      // minimum with scalar
    case 20u: { return select(clamp(v, 0.0, 6.0), v, is_nan_(v)); } // relu6 (hardtanh 0..6; NaN stays NaN)
    default: { return v; }                                    // identity (copy)
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let v = x[i];
  if (keeps_nan() && is_nan_(v)) {
    y[i] = v;
    return;
  }
  y[i] = apply(v, params.alpha);
}
