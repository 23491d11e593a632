// argreduce_split.wgsl (v2): index of the max (or min) over the middle axis of [outer, R, inner], as i32, for
// few outputs over long rows (argmax of a whole tensor: one output, which argreduce.wgsl gives one workgroup):
// each row is cut into `chunks` ranges of `chunk`, in two launches of this kernel:
//   PASS 0: workgroup (output, range) finds its range's best (value, index) as argreduce.wgsl does (strided
//           partials, a tree) and writes them to part_v / part_i [outputs, chunks].
//   PASS 1: workgroup per output picks the best of its ranges' candidates by the same rule (NaN wins, ties
//           go to the lower index, so the result is the one-workgroup kernel's) and writes y.
// Both passes bind (x, y, part_v, part_i): PASS 0 leaves y alone, PASS 1 only reads x's candidates in part_*.
// The auto rule (GPU rules only; the CPU rules keep v1) gives a row ranges enough for 264 workgroups.
//
// | version | idea                                                  | figure                              |
// | ------- | ----------------------------------------------------- | ----------------------------------- |
// | v1      | one workgroup per output, strided + tree (argreduce)  | not benchmarked (no bench case yet) |
// | v2      | ranges of a row across workgroups, then their best    | not benchmarked (no bench case yet) |

override OP: u32 = 0u; // 0 argmax, 1 argmin
override PASS: u32 = 0u;

struct Params { outputs: u32, reduce: u32, inner: u32, chunk: u32, chunks: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<i32>;
@group(0) @binding(2) var<storage, read_write> part_v: array<f32>;
@group(0) @binding(3) var<storage, read_write> part_i: array<u32>;
@group(0) @binding(4) var<uniform> params: Params;

const WG: u32 = 64u;
const NONE: u32 = 0xffffffffu;
var<workgroup> best_v: array<f32, 64>;
var<workgroup> best_i: array<u32, 64>;

// Is (v, i) better than (w, j)? NaN wins (PyTorch treats NaN as the maximum); ties go to the lower index.
fn better(v: f32, i: u32, w: f32, j: u32) -> bool {
  if (is_nan_(v)) { return !is_nan_(w) || i < j; }
  if (is_nan_(w)) { return false; }
  let strictly = select(v > w, v < w, OP == 1u);
  return strictly || (v == w && i < j);
}

// The workgroup's best of the (bv, bi) its threads hold, left in best_v[0], best_i[0].
fn tree(lid: u32, bv: f32, bi: u32) {
  best_v[lid] = bv;
  best_i[lid] = bi;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      let j = best_i[lid + s];
      if (j != NONE && (best_i[lid] == NONE || better(best_v[lid + s], j, best_v[lid], best_i[lid]))) {
        best_v[lid] = best_v[lid + s];
        best_i[lid] = j;
      }
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = wid.x + wid.y * nwg.x; // PASS 0: output · chunks + range; PASS 1: output
  let count = select(params.outputs, params.outputs * params.chunks, PASS == 0u);
  let inside = k < count;
  var bv = 0.0;
  var bi = NONE;
  if (inside && PASS == 0u) {
    let out = k / params.chunks;
    let begin = (k % params.chunks) * params.chunk;
    let end = min(params.reduce, begin + params.chunk);
    let base = (out / params.inner) * params.reduce * params.inner + out % params.inner;
    for (var r = begin + lid; r < end; r += WG) {
      let v = x[base + r * params.inner];
      if (bi == NONE || better(v, r, bv, bi)) { bv = v; bi = r; }
    }
  }
  if (inside && PASS == 1u) {
    for (var c = lid; c < params.chunks; c += WG) {
      let v = part_v[k * params.chunks + c];
      let r = part_i[k * params.chunks + c];
      if (r != NONE && (bi == NONE || better(v, r, bv, bi))) { bv = v; bi = r; }
    }
  }
  tree(lid, bv, bi);
  if (!inside || lid != 0u) { return; }
  if (PASS == 0u) {
    part_v[k] = best_v[0];
    part_i[k] = best_i[0];
  } else {
    y[k] = i32(best_i[0]);
  }
}
