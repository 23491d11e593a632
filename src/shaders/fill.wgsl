// fill.wgsl: y[i] = value for every 32-bit word (value passed as bits, so f32 and i32 both work).
// One thread per element, 256 per workgroup.

struct Params { n: u32, value: u32 }

@group(0) @binding(0) var<storage, read_write> y: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  y[i] = params.value;
}
