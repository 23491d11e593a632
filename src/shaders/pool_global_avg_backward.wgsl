// pool_global_avg_backward.wgsl (v2): global average pooling backward, dx[p, i] = gy[p] / (H·W).
// Layouts: gy [planes] f32, dx [planes, H·W] f32. One thread per input element, 64 per workgroup, grid().
// Bench: none yet (no bench case times pooling); a figure goes here with the case that reproduces it.
//
// v  | idea                         | figure
// v1 | pool_adaptive_avg.wgsl: the general kernel, one thread per output / input | not benchmarked (no bench case yet)
// v2 | one thread per input element | not benchmarked (no bench case yet)

struct Params { size: u32, plane: u32, inv: f32 }

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= params.size) { return; }
  dx[i] = gy[i / params.plane] * params.inv;
}
