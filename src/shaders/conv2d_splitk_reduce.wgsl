// conv2d_splitk_reduce.wgsl: the second launch of the split-K conv2d forward and input-gradient passes
// (conv2d_fwd_gemm.wgsl, conv2d_dgrad_gemm.wgsl with SPLIT):
//   out[i] = act(Σ_{s < splits} part[s · size + i] + bias[(i / plane) % channels])
// summing the K ranges' partial sums in range order (deterministic), then the bias (HAS_BIAS, the forward's)
// and the activation (ACT, epilogue_act.wgsl, which the engine prepends; 0 for the input gradient).
// Layouts (row-major f32): part [splits, size], out [size] = [N, channels, plane]. One thread per output, 64
// per workgroup, grid(); reads are coalesced across threads.

override HAS_BIAS: bool = false;

struct Params { size: u32, splits: u32, plane: u32, channels: u32 }

@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  let p = params;
  if (i >= p.size) { return; }
  var acc = 0.0;
  for (var s = 0u; s < p.splits; s++) { acc += part[s * p.size + i]; }
  if (HAS_BIAS) { acc += bias[(i / p.plane) % p.channels]; }
  out[i] = activate(acc);
}
