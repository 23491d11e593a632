// one_hot.wgsl: y[r, c] = (targets[r] == c) ? on : off, for integer class targets.
// Layout: targets i32 [rows]; y f32 [rows, classes] row-major. A target outside [0, classes) gives a row of
// `off` values and, unless it is `ignore_index` (when `has_ignore` is 1: its row is all zeros, so it adds no
// loss and no gradient), trips the device-side index check:
// the first bad target writes [check_id, value] into `err` (see src/engine/index-checks.ts), and the next
// readback throws an IndexError naming the op, the value and the range.

struct Params { n: u32, classes: u32, on: f32, off: f32, check_id: u32, has_ignore: u32, ignore_index: i32 }

@group(0) @binding(0) var<storage, read> targets: array<i32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> err: array<atomic<u32>, 4>;
@group(0) @binding(3) var<uniform> params: Params;

// report_bad_index(t) comes from index_check.wgsl, which the engine prepends.

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let row = i / params.classes;
  let col = i32(i % params.classes);
  let t = targets[row];
  let ignored = params.has_ignore == 1u && t == params.ignore_index;
  y[i] = select(select(params.off, params.on, t == col), 0.0, ignored);
  if (col == 0 && (t < 0 || t >= i32(params.classes)) && !ignored) { report_bad_index(t); }
}
