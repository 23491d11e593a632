// conv2d_wgrad_reduce.wgsl: second pass of the split-K weight gradient (conv2d_wgrad_gemm.wgsl):
//   dw[i] = Σ_{s < splits} part[s · size + i]          (size = O·Cg·kH·kW)
//   db[o] = Σ_{s < splits} dbPart[s · biasSize + o]    (biasSize = O, or 0 when the bias needs no gradient)
// Layouts (row-major f32): part [splits, size], dbPart [splits, biasSize], dw [size], db [biasSize]. One thread
// per weight, then one per bias, 64 per workgroup, grid(). Without a bias the engine binds part again in place
// of dbPart and a 1-element spare buffer as db, and no thread reads or writes them.
// Reads are coalesced across threads; the splits are summed in a fixed order, so results are deterministic.
// Bench: part of the conv2d backward cases (npm run bench -- --filter conv2d).
//
// v  | idea                               | figure | device | shape
// v1 | one thread per weight, loop splits | (memory-bound, timed inside the wgrad cases) | — | —

struct Params { size: u32, splits: u32, biasSize: u32 }

@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read> dbPart: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;
@group(0) @binding(3) var<storage, read_write> db: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  let p = params;
  var acc = 0.0;
  if (i < p.size) {
    for (var s = 0u; s < p.splits; s++) { acc += part[s * p.size + i]; }
    dw[i] = acc;
  } else if (i < p.size + p.biasSize) {
    let o = i - p.size;
    for (var s = 0u; s < p.splits; s++) { acc += dbPart[s * p.biasSize + o]; }
    db[o] = acc;
  }
}
