// clamp.wgsl: torch.clamp with scalar bounds, forward and backward.
//   BACKWARD = 0: y[i] = min(max(x[i], lo), hi)      (NaN stays NaN; lo > hi gives hi everywhere, as torch)
//   BACKWARD = 1: dx[i] = g[i] · [lo ≤ x[i] ≤ hi]    (inclusive at both bounds, PyTorch's rule; 0 for NaN)
// A missing bound travels as −inf / +inf. Layout: x, g and out f32, contiguous; the forward pass binds x as g.
// One thread per element.

override BACKWARD: bool = false;

struct Params { n: u32, lo: f32, hi: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let v = x[i];
  if (BACKWARD) {
    let inside = !is_nan_(v) && v >= params.lo && v <= params.hi;
    out[i] = select(0.0, g[i], inside);
    return;
  }
  if (is_nan_(v)) { out[i] = v; return; }
  out[i] = select(select(v, params.lo, v < params.lo), params.hi, v > params.hi || params.lo > params.hi);
}
