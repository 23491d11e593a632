// float_bits.wgsl: NaN tests, NaN-propagating max/min and the non-finite constants, shared by the kernels that
// must treat NaN and infinity as PyTorch does (relu, tanh, exp, log, maximum/minimum, reductions, max-pool,
// softmax). WGSL has no include: the engine prepends this file to those kernels' code, like erf.wgsl.
// WGSL lets a compiler assume no NaN (so `x != x` may fold to false and builtin max/min may drop a NaN), and
// rejects NaN and infinity in constant expressions: these helpers work on the bit pattern instead.
// (pow.wgsl, prepended after this file to the elementwise kernels, builds pow and sqrt on them.)

fn is_nan_(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
// Infinities on the bits too: a fast-math backend may fold `v == inf` to false, as it may `v != v`.
fn is_inf_(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) == 0x7f800000u; }
fn is_pos_inf_(v: f32) -> bool { return bitcast<u32>(v) == 0x7f800000u; }
fn is_neg_inf_(v: f32) -> bool { return bitcast<u32>(v) == 0xff800000u; }

fn nan_() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn pos_inf_() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }
fn neg_inf_() -> f32 { var bits = 0xff800000u; return bitcast<f32>(bits); }

// torch.maximum / torch.minimum: a NaN operand gives NaN.
fn max_nan_(a: f32, b: f32) -> f32 {
  if (is_nan_(a)) { return a; }
  if (is_nan_(b)) { return b; }
  return select(b, a, a > b);
}

fn min_nan_(a: f32, b: f32) -> f32 {
  if (is_nan_(a)) { return a; }
  if (is_nan_(b)) { return b; }
  return select(b, a, a < b);
}

// exp with exp(NaN) = NaN, exp(-inf) = 0 and exp(+inf) = +inf whatever the builtin does with them.
fn exp_nan_(v: f32) -> f32 {
  if (is_nan_(v)) { return v; }
  if (is_neg_inf_(v)) { return 0.0; }
  if (is_pos_inf_(v)) { return v; }
  return exp(v);
}
