// binary.wgsl: out[i] = f(a[ia], b[ib]) with PyTorch broadcasting.
// Layout: out contiguous f32 with shape params.shape (rank ≤ 8, packed in vec4s); a and b are read through
//   element strides (0 along broadcast dims, broadcast.wgsl), so neither operand is ever expanded in memory.
// BROADCAST = false is the fast path for equal shapes: a[i], b[i], no index arithmetic.
// Ops 9–13 and 15 are fused backward rules of unary ops (one kernel instead of two or three). maximum/minimum
// propagate NaN as torch.maximum does (float_bits.wgsl, prepended by the engine). mulOrZero (14) is x·y with
// 0 wherever x is 0, even for y = ±inf or NaN: crossEntropy weights log-probabilities with it, so a -inf
// logit of a class whose weight is 0 leaves the loss finite (PyTorch picks the target's log-probability).
// One thread per output element, 256 per workgroup, workgroups spread over x and y.

override OP: u32 = 0u;
override BROADCAST: bool = true;

struct Params {
  n: u32,
  rank: u32,
  shape: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
}

// WGSL rejects NaN and infinity in constant expressions, so their bit patterns live in private vars.
var<private> NAN_BITS: u32 = 0x7fc00000u;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

fn pow_(x: f32, e: f32) -> f32 {
  if (e == 0.0) { return 1.0; }
  if (x >= 0.0) { return pow(x, e); }
  if (e != floor(e)) { return bitcast<f32>(NAN_BITS); }
  let m = pow(-x, e);
  return select(m, -m, (abs(e) % 2.0) == 1.0);
}

// erf_(v) comes from erf.wgsl, which the engine prepends to this kernel.

fn apply(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u: { return x + y; }
    case 1u: { return x - y; }
    case 2u: { return x * y; }
    case 3u: { return x / y; }
    case 4u: { return pow_(x, y); }
    case 5u: { return max_nan_(x, y); }
    case 6u: { return select(0.0, 1.0, x == y); }   // eq, as 0/1
    case 8u: { return min_nan_(x, y); }
    // Fused backward rules: x is the incoming gradient g, y what the forward saved.
    case 9u: { return select(0.0, x, y > 0.0); }    // relu:    g · [input > 0]
    case 10u: { return x * y * (1.0 - y); }         // sigmoid: g · y(1 − y), y the output
    case 11u: { return x * (1.0 - y * y); }         // tanh:    g · (1 − y²), y the output
    case 12u: { return x * sign(y); }               // abs:     g · sign(input)
    case 14u: { return select(x * y, 0.0, x == 0.0); } // mulOrZero
    case 15u: { return select(0.0, x, y > 0.0 && y < 6.0); } // relu6: g · [0 < input < 6] (PyTorch's hardtanh rule)
    default: {                                      // gelu:    g · (Φ(v) + v φ(v)), y the input
      return x * (0.5 * (1.0 + erf_(y * 0.70710678118654752)) + y * 0.39894228040143268 * exp(-0.5 * y * y));
    }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  if (!BROADCAST) {
    out[i] = apply(a[i], b[i]);
    return;
  }
  let at = broadcast_offsets(i); // broadcast.wgsl, prepended by the engine
  out[i] = apply(a[at.x], b[at.y]);
}
