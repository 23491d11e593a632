// compare.wgsl: out[i] = f(a[ia], b[ib]) for float32 or int32 operands with PyTorch broadcasting: the
// comparisons as int32 0/1 (the engine has no bool dtype), and the gradient weights of maximum / minimum.
// Layout: a, b and out are read and written as raw 32-bit words (A_INT / B_INT say which operand holds
//   i32, the rest f32); out is contiguous with shape params.shape (RANK ≤ 8 dims after coalescing, packed in vec4s), and a, b are
//   read through element strides (0 along broadcast dims, broadcast.wgsl), as in binary.wgsl.
// Two int32 operands compare as integers; otherwise the int32 side is converted to f32 (PyTorch's type
// promotion). NaN compares unequal to everything (ne gives 1, the rest 0), tested on the bits
// (float_bits.wgsl, prepended by the engine with broadcast.wgsl) because WGSL lets a compiler assume no NaN.
// Ops 6 and 7 write f32, PyTorch's maximum / minimum backward weights for the first operand:
//   maxWeight(x, y) = 0.5 if x == y, 0 if x < y, else 1      minWeight(x, y) = 0.5 if x == y, 0 if x > y, else 1
// so a NaN operand passes the whole gradient to both sides, as torch does. One thread per output element.

override OP: u32 = 0u; // 0 eq, 1 ne, 2 lt, 3 le, 4 gt, 5 ge, 6 maxWeight, 7 minWeight
override A_INT: bool = false;
override B_INT: bool = false;

struct Params {
  n: u32,
  shape: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> a: array<u32>;
@group(0) @binding(1) var<storage, read> b: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

fn as_f32(bits: u32, is_int: bool) -> f32 {
  if (is_int) { return f32(bitcast<i32>(bits)); }
  return bitcast<f32>(bits);
}

// -1, 0 or 1 for x < y, x == y, x > y; 2 when the two are unordered (a NaN).
fn order(xa: u32, yb: u32) -> i32 {
  if (A_INT && B_INT) {
    let x = bitcast<i32>(xa);
    let y = bitcast<i32>(yb);
    return select(select(0, 1, x > y), -1, x < y);
  }
  let x = as_f32(xa, A_INT);
  let y = as_f32(yb, B_INT);
  if (is_nan_(x) || is_nan_(y)) { return 2; }
  return select(select(0, 1, x > y), -1, x < y);
}

fn apply(xa: u32, yb: u32) -> u32 {
  let o = order(xa, yb);
  switch OP {
    case 0u: { return select(0u, 1u, o == 0); }
    case 1u: { return select(0u, 1u, o != 0); }
    case 2u: { return select(0u, 1u, o == -1); }
    case 3u: { return select(0u, 1u, o == -1 || o == 0); }
    case 4u: { return select(0u, 1u, o == 1); }
    case 5u: { return select(0u, 1u, o == 1 || o == 0); }
    case 6u: { return bitcast<u32>(select(select(1.0, 0.0, o == -1), 0.5, o == 0)); }
    default: { return bitcast<u32>(select(select(1.0, 0.0, o == 1), 0.5, o == 0)); }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let at = broadcast_offsets(i); // broadcast.wgsl, prepended by the engine
  out[i] = apply(a[at.x], b[at.y]);
}
