// binary_vec4.wgsl: out = f(a, b) with PyTorch broadcasting, four outputs per thread as one vec4 word (f:
// apply(), binary_ops.wgsl, prepended by the engine with broadcast.wgsl).
// Layout: a, b and out bound as vec4<f32> words. The engine runs this kernel only when the output's innermost
//   (coalesced) dim is a multiple of 4 and both operands hold a whole number of words (sizes divisible by 4):
//   then the 4 outputs of a word share one row of the innermost dim, and an operand either runs along it
//   (stride 1: its elements are the aligned word at offset / 4) or is broadcast along it (stride 0: one
//   element, splat).
// BROADCAST = false (equal shapes): word w of a and b, no index arithmetic. With GRID = true (a broadcast of
//   RANK ≤ 3 dims after coalescing, each within a dispatch dimension) the dispatch grid is the output's shape:
//   x the word in the innermost row, y the dim before it, z the one before that, so no division or modulo
//   finds an element (integer division is slow on GPUs and slower on a CPU adapter). Otherwise broadcast.wgsl
//   finds the word's first element once for 4 outputs.
// One thread per output word, 256 per workgroup; workgroups spread over x and y, or (GRID) x over the row's
//   words, y and z over the outer dims.
// Bench: `npm run bench -- --filter "elementwise,reduce,pool"` (bench/cases/elementwise.ts), result bench/results/2026-12-02-google-swiftshader-chrome-elementwise-reduce-pool-grid.json
// (SwiftShader, 2 cores, load ~1.5): add of 1M elements 4.60 ms (TF.js 6.40 ms); add of a [1024] row to
// [1024,1024] on the grid 6.98 ms (TF.js 6.36 ms). No GPU figure yet.

override BROADCAST: bool = true;
override GRID: bool = false;

struct Params {
  n: u32,
  shape: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> params: Params;

fn apply4(x: vec4<f32>, y: vec4<f32>) -> vec4<f32> {
  return vec4(apply(x.x, y.x), apply(x.y, y.y), apply(x.z, y.z), apply(x.w, y.w));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  if (GRID) {
    // RANK 1–3: gid.x the word in the innermost row, gid.y the index along dim RANK − 2, gid.z along dim 0.
    let inner = max(RANK, 1u) - 1u;
    let words = params.shape[inner / 4u][inner % 4u] / 4u;
    if (gid.x >= words) { return; }
    var ia = 4u * gid.x * params.a_strides[inner / 4u][inner % 4u];
    var ib = 4u * gid.x * params.b_strides[inner / 4u][inner % 4u];
    var row = gid.x;
    if (RANK >= 2u) {
      let d = max(RANK, 2u) - 2u;
      ia += gid.y * params.a_strides[0][d];
      ib += gid.y * params.b_strides[0][d];
      row += gid.y * words;
    }
    if (RANK >= 3u) {
      ia += gid.z * params.a_strides[0].x;
      ib += gid.z * params.b_strides[0].x;
      row += gid.z * params.shape[0].y * words;
    }
    var x = a[ia / 4u];
    if (params.a_strides[inner / 4u][inner % 4u] == 0u) { x = vec4(x[ia % 4u]); }
    var y = b[ib / 4u];
    if (params.b_strides[inner / 4u][inner % 4u] == 0u) { y = vec4(y[ib % 4u]); }
    out[row] = apply4(x, y);
    return;
  }
  let w = gid.x + gid.y * nwg.x * 256u;
  if (w * 4u >= params.n) { return; }
  if (!BROADCAST) {
    out[w] = apply4(a[w], b[w]);
    return;
  }
  let at = broadcast_offsets(w * 4u); // broadcast.wgsl, prepended by the engine
  let inner = max(RANK, 1u) - 1u; // RANK ≥ 1 here; max() keeps the override expression valid for RANK 0
  var x = a[at.x / 4u];
  if (params.a_strides[inner / 4u][inner % 4u] == 0u) { x = vec4(x[at.x % 4u]); }
  var y = b[at.y / 4u];
  if (params.b_strides[inner / 4u][inner % 4u] == 0u) { y = vec4(y[at.y % 4u]); }
  out[w] = apply4(x, y);
}
