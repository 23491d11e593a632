// pow.wgsl: x^e as PyTorch 1.13 computes it, shared by unary_ops.wgsl (x ** s, s ** x) and binary_ops.wgsl (x ** y).
// WGSL's pow(x, e) is exp2(e · log2(x)): undefined for x < 0 and for x = 0 with e ≤ 0, and not exact for
// integer exponents (x ** 2 was off by several ulp for large x). These follow C's pow, which PyTorch calls
// (tensor ** tensor, number ** tensor), on the bit patterns of float_bits.wgsl (prepended before this file):
//   x^0 = 1 and 1^e = 1, NaN included; otherwise a NaN operand gives NaN;
//   0^e = 0 for e > 0 (−0 for −0 and an odd integer e), ±inf for e < 0 (−inf for −0 and an odd integer e);
//   (±inf)^e = inf or 0 by the sign of e, negative for −inf and an odd integer e;
//   x^(±inf) = 0, 1 or inf as |x| < 1, = 1 or > 1 (and the reverse for −inf);
//   a finite negative x with a non-integer e gives NaN;
//   an integer e (|e| ≤ 2^24) multiplies by squaring: x^2 = x·x and x^3 = x·x·x exactly as PyTorch's
//   tensor ** 2 and ** 3, x^-1 = 1/x and x^-2 = 1/(x·x).
// pow_scalar_ is tensor ** number, where PyTorch takes sqrt for 0.5 and rsqrt for −0.5 (so (−0) ** 0.5 = −0 and
// (−inf) ** 0.5 = NaN there, unlike C's pow). tests/gpu/pow-edges.test.ts holds the table, from PyTorch.

// b^n for b ≥ 0, by squaring (least significant bit first).
fn pow_int_(b: f32, n: u32) -> f32 {
  var r = 1.0;
  var s = b;
  var k = n;
  loop {
    if ((k & 1u) != 0u) { r = r * s; }
    k = k >> 1u;
    if (k == 0u) { break; }
    s = s * s;
  }
  return r;
}

// 1 / v with the infinities and zeros spelled out (a GPU's division may not take them).
fn recip_(v: f32) -> f32 {
  let neg = (bitcast<u32>(v) & 0x80000000u) != 0u;
  if (v == 0.0) { return select(pos_inf_(), neg_inf_(), neg); }
  if (is_inf_(v)) { return bitcast<f32>(select(0u, 0x80000000u, neg)); }
  return 1.0 / v;
}

fn pow_(x: f32, e: f32) -> f32 {
  if (e == 0.0 || x == 1.0) { return 1.0; }
  if (is_nan_(x) || is_nan_(e)) { return nan_(); }
  let ax = abs(x);
  if (is_inf_(e)) {
    if (ax == 1.0) { return 1.0; }
    return select(0.0, pos_inf_(), (ax > 1.0) == (e > 0.0));
  }
  let is_int = e == floor(e);
  let odd = is_int && (abs(e) % 2.0) == 1.0;
  let sign_bit = (bitcast<u32>(x) & 0x80000000u) != 0u;
  if (sign_bit && !is_int && ax != 0.0 && !is_inf_(x)) { return nan_(); }
  var m: f32; // |x|^e
  if (ax == 0.0) {
    m = select(pos_inf_(), 0.0, e > 0.0);
  } else if (is_inf_(x)) {
    m = select(0.0, pos_inf_(), e > 0.0);
  } else if (is_int && abs(e) <= 16777216.0) {
    let p = pow_int_(ax, u32(abs(e)));
    m = select(p, recip_(p), e < 0.0);
  } else {
    m = pow(ax, e);
  }
  return select(m, -m, sign_bit && odd);
}

// PyTorch's sqrt: NaN for x < 0 (−inf included), −0 stays −0, inf stays inf.
fn sqrt_(v: f32) -> f32 {
  if (is_nan_(v) || v == 0.0) { return v; }
  if (v < 0.0) { return nan_(); }
  if (is_pos_inf_(v)) { return v; }
  return sqrt(v);
}

// tensor ** number: sqrt for 0.5, rsqrt for −0.5 (rsqrt(±0) = ±inf, rsqrt(inf) = 0), C's pow otherwise.
fn pow_scalar_(x: f32, e: f32) -> f32 {
  if (e == 0.5) { return sqrt_(x); }
  if (e == -0.5) { return recip_(sqrt_(x)); }
  return pow_(x, e);
}
