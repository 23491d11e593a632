// cast.wgsl: converts between i32 and f32 element by element.
//   TO_FLOAT = true:  y = f32(x as i32)       TO_FLOAT = false: y = i32(trunc(x as f32))
// Words travel as u32 and are bitcast, so one kernel serves both directions.

override TO_FLOAT: bool = true;

struct Params { n: u32 }

@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read_write> y: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  if (TO_FLOAT) {
    y[i] = bitcast<u32>(f32(bitcast<i32>(x[i])));
  } else {
    y[i] = bitcast<u32>(i32(trunc(bitcast<f32>(x[i]))));
  }
}
