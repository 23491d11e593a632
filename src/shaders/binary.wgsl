// binary.wgsl: out[i] = f(a[ia], b[ib]) with PyTorch broadcasting (f: apply(), binary_ops.wgsl, prepended by
// the engine with broadcast.wgsl).
// Layout: out contiguous f32 with shape params.shape (RANK ≤ 8 dims after coalescing, packed in vec4s); a and b
//   are read through element strides (0 along broadcast dims, broadcast.wgsl), so neither operand is ever
//   expanded in memory.
// BROADCAST = false is the fast path for equal shapes: a[i], b[i], no index arithmetic. The engine runs
//   binary_vec4.wgsl instead where every operand is a whole number of vec4 words; this kernel takes the rest.
// One thread per PER_THREAD (1 or 4) output elements, 256 per workgroup, workgroups spread over x and y.
// Bench: the elementwise rows (bench/cases/elementwise.ts) run binary_vec4.wgsl; this kernel takes the shapes
// that are not whole words, and has no row of its own yet.

override BROADCAST: bool = true;
// Outputs per thread: 4 when the innermost (coalesced) dim is a multiple of 4 (broadcastLaunch), so the
// broadcast index arithmetic, and on a CPU adapter the per-invocation cost, is paid once per 4 outputs.
override PER_THREAD: u32 = 1u;

struct Params {
  n: u32,
  shape: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = (gid.x + gid.y * nwg.x * 256u) * PER_THREAD;
  if (i >= params.n) { return; }
  if (!BROADCAST) {
    for (var k = 0u; k < PER_THREAD; k++) { out[i + k] = apply(a[i + k], b[i + k]); }
    return;
  }
  let at = broadcast_offsets(i); // broadcast.wgsl, prepended by the engine
  if (PER_THREAD == 1u) {
    out[i] = apply(a[at.x], b[at.y]);
    return;
  }
  // The PER_THREAD outputs lie in one row of the innermost dim: step each operand by its stride there.
  let inner = max(RANK, 1u) - 1u; // RANK ≥ 1 here; max() keeps the override expression valid for RANK 0
  let sa = params.a_strides[inner / 4u][inner % 4u];
  let sb = params.b_strides[inner / 4u][inner % 4u];
  for (var k = 0u; k < PER_THREAD; k++) { out[i + k] = apply(a[at.x + k * sa], b[at.y + k * sb]); }
}
