// reduce.wgsl: sum / max / min over the middle axis of a tensor viewed as [outer, R, inner].
//   y[o, i] = ⊕_{r < R} x[o, r, i]
// Any reduction over a contiguous run of dims has this form without moving data; other dim sets are
// permuted to the end first (by the engine). One workgroup of 64 threads per output element: the threads
// stride over r, then combine their partials in workgroup memory with a tree.
// Figure: SwiftShader (CPU), [256, 1024] → [256], ~0.3 GB/s (only a regression guard).

override OP: u32 = 0u; // 0 sum, 1 max, 2 min

struct Params { outputs: u32, reduce: u32, inner: u32 }

// WGSL rejects NaN and infinity in constant expressions, so their bit patterns live in private vars.
var<private> NEG_INF_BITS: u32 = 0xff800000u;
var<private> POS_INF_BITS: u32 = 0x7f800000u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

fn identity() -> f32 {
  switch OP {
    case 1u: { return bitcast<f32>(NEG_INF_BITS); } // -inf
    case 2u: { return bitcast<f32>(POS_INF_BITS); } // +inf
    default: { return 0.0; }
  }
}

fn combine(a: f32, b: f32) -> f32 {
  if (OP == 0u) { return a + b; }
  if (a != a) { return a; } // NaN propagates through max and min, as in PyTorch (best effort: WGSL
  if (b != b) { return b; } // lets an implementation assume no NaNs)
  return select(max(a, b), min(a, b), OP == 2u);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = wid.x + wid.y * nwg.x;
  let inside = k < params.outputs;
  var acc = identity();
  if (inside) {
    let o = k / params.inner;
    let i = k % params.inner;
    let base = o * params.reduce * params.inner + i;
    for (var r = lid; r < params.reduce; r += WG) {
      let v = x[base + r * params.inner];
      acc = combine(acc, v);
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] = combine(partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  if (inside && lid == 0u) { y[k] = partial[0]; }
}
