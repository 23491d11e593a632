// accumulate.wgsl: dst[i] += alpha · src[i], in place. Gradient accumulation into a leaf's .grad (which may
// be a view into a flat gradient buffer), and axpy-style updates. One thread per element, 256 per workgroup.

struct Params { n: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  dst[i] = dst[i] + params.alpha * src[i];
}
