// conv2d_bias_grad.wgsl (v1): the gradient through conv2d's fused activation and its bias, one pass:
//   gm[n, o, oh, ow] = gy · act'(y)          (activationGrad of epilogue_act.wgsl, prepended by the engine: ACT 1
//                                            relu [y > 0], 2 relu6 [0 < y < 6]; 0 none: gm = gy, unwritten)
//   db[o] = Σ_{n, oh, ow} gm[n, o, oh, ow]   (HAS_BIAS)
// y is the forward's output: y > 0 exactly where the pre-activation is (and 0 < y < 6 for relu6), so these
// are the unfused relu / relu6 backward rules (reluGrad, relu6Grad in binary.wgsl), NaN included (a NaN y
// passes no gradient). The weight gradient takes db along when it runs (conv2d_wgrad_*), so ACT 0 runs only
// for a bias whose weight needs no gradient, or for a version without the fold (depthwise).
// Layouts (row-major f32): gy, y, gm [N, O, OH, OW] (plane = OH·OW), db [O]. An unused y binding gets gy, an
// unused output a 1-element spare buffer (never written).
// One workgroup of 64 threads per channel o and range r of its N·plane elements (x = o, y = r): the threads
// stride over the range (coalesced within each plane), then combine their partials with a tree in workgroup
// memory. With one range (params.splits = 1, the CPU rules) db[o] is written here; with more (the GPU rules:
// enough workgroups for a GPU, no thread walking more than 4,096 elements) db holds [splits, O] partials,
// which conv2d_wgrad_reduce.wgsl sums in range order. Fixed order: deterministic.
// Bench: part of the conv2d backward cases (npm run bench -- --filter conv2d).
//
// v  | idea                                                       | figure | device | shape
// v1 | workgroup per channel × range, strided loads + tree (+ reduce) | (memory-bound, timed inside the backward cases) | — | —

override HAS_BIAS: bool = true;

struct Params { N: u32, O: u32, plane: u32, splits: u32, chunk: u32 }

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> gm: array<f32>;
@group(0) @binding(3) var<storage, read_write> db: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let o = wid.x;
  let r = wid.y;
  if (o >= params.O) { return; }
  let begin = r * params.chunk;
  let end = min(params.N * params.plane, begin + params.chunk);
  var acc = 0.0;
  for (var j = begin + lid; j < end; j += WG) {
    let at = ((j / params.plane) * params.O + o) * params.plane + j % params.plane;
    var v = gy[at];
    if (ACT != 0u) { v = activationGrad(v, y[at]); }
    if (ACT != 0u) { gm[at] = v; }
    acc += v;
  }
  if (!HAS_BIAS) { return; }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { db[r * params.O + o] = partial[0]; }
}
