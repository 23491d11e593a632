// conv2d_wgrad_reduce.wgsl: second pass of the split-K weight gradient (conv2d_wgrad_gemm.wgsl):
//   dw[i] = Σ_{s < splits} part[s · size + i]          (size = O·Cg·kH·kW)
// Layouts (row-major f32): part [splits, size], dw [size]. One thread per weight, 64 per workgroup, grid().
// Reads are coalesced across threads; the splits are summed in a fixed order, so results are deterministic.
// Bench: part of the conv2d backward cases (npm run bench -- --filter conv2d).
//
// v  | idea                               | figure | device | shape
// v1 | one thread per weight, loop splits | (memory-bound, timed inside the wgrad cases) | — | —

struct Params { size: u32, splits: u32 }

@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> dw: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= params.size) { return; }
  var acc = 0.0;
  for (var s = 0u; s < params.splits; s++) { acc += part[s * params.size + i]; }
  dw[i] = acc;
}
