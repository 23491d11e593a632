// conv2d_bias_grad.wgsl: the bias gradient of conv2d, db[o] = Σ_{n, oh, ow} gy[n, o, oh, ow].
// Layouts (row-major f32): gy [N, O, OH, OW] (plane = OH·OW), db [O].
// One workgroup of 64 threads per channel o (grid()): the threads stride over each of the N planes of o
// (coalesced), then combine their partials with a tree in workgroup memory. Fixed order: deterministic.
// Bench: part of the conv2d backward cases (npm run bench -- --filter conv2d).
//
// v  | idea                                         | figure | device | shape
// v1 | workgroup per channel, strided loads + tree  | (memory-bound, timed inside the backward cases) | — | —

struct Params { N: u32, O: u32, plane: u32 }

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read_write> db: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= params.O) { return; }
  var acc = 0.0;
  for (var n = 0u; n < params.N; n++) {
    let base = (n * params.O + o) * params.plane;
    for (var i = lid; i < params.plane; i += WG) { acc += gy[base + i]; }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { db[o] = partial[0]; }
}
