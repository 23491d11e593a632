// pool_global_avg_backward.wgsl: global average pooling backward, dx[p, i] = gy[p] / (H·W).
// Layouts: gy [planes] f32, dx [planes, H·W] f32. One thread per input element, 64 per workgroup, grid().
// Bench: no bench row yet; figure = best of 5 wall-clock runs (E.sync): (forward + backward) − forward.
//
// v  | idea                         | figure | device | shape
// v1 | one thread per input element | 1.7 ms, 0.48 GB/s | SwiftShader (CPU, 2 cores) | N8 C512 7²

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
