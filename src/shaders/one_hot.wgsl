// one_hot.wgsl: y[r, c] = (targets[r] == c) ? on : off, for integer class targets.
// Layout: targets i32 [rows]; y f32 [rows, classes] row-major. A target outside [0, classes) gives a row of
// `off` values (the GPU cannot throw; the caller validates targets it reads from the CPU).
// IGNORE: a target equal to ignore_index gives a row of zeros (crossEntropy's ignoreIndex: no loss, no grad).

override IGNORE: bool = false;

struct Params { n: u32, classes: u32, on: f32, off: f32, ignore_index: i32 }

@group(0) @binding(0) var<storage, read> targets: array<i32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let row = i / params.classes;
  let col = i32(i % params.classes);
  let t = targets[row];
  y[i] = select(select(params.off, params.on, t == col), 0.0, IGNORE && t == params.ignore_index);
}
