// pool_global_avg.wgsl (v2): global average pooling forward (adaptiveAvgPool2d to 1×1).
//   y[p] = (Σ_{i < H·W} x[p, i]) / (H·W)
// Layouts: x [planes = N·C, H·W] f32, y [planes] f32. 64 threads per workgroup, grid().
// Two modes (override WG_PER_PLANE, chosen by the engine from the plane size):
//   false: one thread per plane, a plain loop: small planes (a ResNet's 7×7 = 49) leave most of a workgroup
//          idle otherwise, and on SwiftShader the tree's barriers cost more than the sums.
//   true:  one workgroup per plane: coalesced strided loads, then a tree in workgroup memory (large planes).
// Bench: none yet (no bench case times pooling); a figure goes here with the case that reproduces it.
//
// v  | idea                                                   | figure
// v1 | pool_adaptive_avg.wgsl: the general kernel, one thread per output / input | not benchmarked (no bench case yet)
// v2 | thread per plane (H·W < 256), else workgroup per plane | not benchmarked (no bench case yet)

override WG_PER_PLANE: bool = false;

struct Params { planes: u32, plane: u32, inv: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  if (!WG_PER_PLANE) {
    let k = w * WG + lid;
    if (k < params.planes) { // no early return: the barriers below must stay in uniform control flow
      var acc = 0.0;
      for (var i = 0u; i < params.plane; i++) { acc += x[k * params.plane + i]; }
      y[k] = acc * params.inv;
    }
    return;
  }
  if (w >= params.planes) { return; }
  let base = w * params.plane;
  var acc = 0.0;
  for (var i = lid; i < params.plane; i += WG) { acc += x[base + i]; }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { y[w] = partial[0] * params.inv; }
}
