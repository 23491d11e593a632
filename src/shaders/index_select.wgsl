// index_select.wgsl: torch.index_select over one dim, and its deterministic backward.
//
// The input is viewed as [outer, D, inner] around the selected dim, the index as i32 [K], the output as
// [outer, K, inner] (row-major, contiguous); `n` is the number of threads' elements (output, dx, or src).
//   BACKWARD = 0 (gather):  y[o, k, j] = x[o, index[k], j]                 one thread per output element
//   BACKWARD = 1 (scatter-add): dx[o, d, j] = Σ_{k : index[k] = d} g[o, k, j]   one thread per input element,
//       looping over all K indices in order: no atomics, so repeated indices sum in a fixed order and the
//       result is bit-identical from run to run (O(D·K) work per slice; fine for batch-sized K).
//   BACKWARD = 2 (row copy, in place): dst[o, index[k], j] = src[o, k, j]   one thread per src element; the
//       indices must be distinct (the caller guarantees it), so no two threads write one element.
// An index outside [0, D) reads 0 in the gather and trips the device-side index check (report_bad_index,
// from index_check.wgsl, prepended by the engine): the next readback throws an IndexError naming the op.
//
// | version | idea                                   | figure |
// | ------- | -------------------------------------- | ------ |
// | v1      | one thread per element, loop for grads | not benchmarked (feature-cache batches) |

struct Params { n: u32, dim: u32, k: u32, inner: u32, check_id: u32 }

override BACKWARD: u32 = 0u; // the mode: 0 gather, 1 scatter-add, 2 row copy

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> index: array<i32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read_write> err: array<atomic<u32>, 4>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let j = i % params.inner;
  if (BACKWARD == 0u) {
    let k = (i / params.inner) % params.k;
    let o = i / (params.inner * params.k);
    let d = index[k];
    var v = 0.0;
    if (d >= 0 && u32(d) < params.dim) {
      v = src[(o * params.dim + u32(d)) * params.inner + j];
    } else if (o == 0u && j == 0u) {
      report_bad_index(d); // once per index position, not once per element
    }
    dst[i] = v;
  } else if (BACKWARD == 2u) {
    let k = (i / params.inner) % params.k;
    let o = i / (params.inner * params.k);
    let d = index[k];
    if (d >= 0 && u32(d) < params.dim) { dst[(o * params.dim + u32(d)) * params.inner + j] = src[i]; }
  } else {
    let d = i32((i / params.inner) % params.dim);
    let o = i / (params.inner * params.dim);
    var acc = 0.0;
    for (var k = 0u; k < params.k; k++) {
      if (index[k] == d) { acc += src[(o * params.k + k) * params.inner + j]; }
    }
    dst[i] = acc;
  }
}
