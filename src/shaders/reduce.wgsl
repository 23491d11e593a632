// reduce.wgsl (v1): sum / max / min over the middle axis of a tensor viewed as [outer, R, inner].
//   y[o, c, i] = ⊕_{c·chunk ≤ r < min(R, (c+1)·chunk)} x[o, r, i]      for c < S = ⌈R / chunk⌉
// Any reduction over a contiguous run of dims has this form without moving data; other dim sets are
// permuted to the end first (by the engine). One workgroup of 64 threads per (o, c, i): the threads stride
// over their chunk of r, then combine their partials in workgroup memory with a tree.
// With S = 1 (chunk ≥ R) one launch gives the result. When there are few outputs and long rows (a loss
// mean, BatchNorm statistics), the engine splits the rows into S chunks so that many workgroups share the
// work, then reduces the [outer, S, inner] partials with a second launch.
// Bench: `npm run bench -- --filter "elementwise,reduce,pool"` (bench/cases/reduce.ts), result
// bench/results/2026-12-02-google-swiftshader-chrome-elementwise-reduce-pool-grid.json (SwiftShader, 2 cores): the rows of
// [1024,1024] 38.7 ms (TF.js 44.6 ms); all of it, split rows then the partials, 6.24 ms (TF.js 14.4 ms; with 16
// chunks on a CPU adapter, where the 512 of a GPU took 17.5 ms in the earlier run,
// bench/results/2026-12-02-google-swiftshader-chrome-elementwise-reduce-pool.json). No GPU figure yet.
// The registered pass 'reduce' (src/engine/ops/reduce-kernels.ts) keeps this kernel as v1, the GPU rules'
// choice; the CPU rules run v2 / v3, a thread per output with no barrier (SwiftShader pays for each one).
//
// | version | idea                                                          | figure                                 | device      | shape       |
// | ------- | ------------------------------------------------------------- | -------------------------------------- | ----------- | ----------- |
// | v1      | a workgroup per output (or range), strided + tree (this file) | rows 38.7 ms, all 6.24 ms               | SwiftShader | [1024,1024] |
// | v2      | a thread per output (or range), no barrier (reduce_serial)    | see reduce_serial.wgsl                 | SwiftShader | [1024,1024] |
// | v3      | v2 with vec4 loads, inner = 1 (reduce_serial_vec4)            | see reduce_serial.wgsl                 | SwiftShader | [1024,1024] |
// | v4      | v3 with the row's threads interleaved, 4 words a step (reduce_strided_vec4) | see reduce-kernels.ts | SwiftShader | [1024,1024] |

override OP: u32 = 0u; // 0 sum, 1 max, 2 min

struct Params { outputs: u32, reduce: u32, inner: u32, chunk: u32 }

// WGSL rejects NaN and infinity in constant expressions, so their bit patterns live in private vars.

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

const WG: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

fn identity() -> f32 {
  switch OP {
    case 1u: { return neg_inf_(); }
    case 2u: { return pos_inf_(); }
    default: { return 0.0; }
  }
}

fn combine(a: f32, b: f32) -> f32 {
  if (OP == 0u) { return a + b; }
  // NaN propagates through max and min, as in PyTorch (tested on the bits: float_bits.wgsl).
  return select(max_nan_(a, b), min_nan_(a, b), OP == 2u);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = wid.x + wid.y * nwg.x;
  let inside = k < params.outputs;
  var acc = identity();
  if (inside) {
    let chunks = max(1u, (params.reduce + params.chunk - 1u) / params.chunk);
    let i = k % params.inner;
    let c = (k / params.inner) % chunks;
    let o = k / (params.inner * chunks);
    let base = o * params.reduce * params.inner + i;
    let end = min(params.reduce, (c + 1u) * params.chunk);
    for (var r = c * params.chunk + lid; r < end; r += WG) {
      acc = combine(acc, x[base + r * params.inner]);
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] = combine(partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  if (inside && lid == 0u) { y[k] = partial[0]; }
}
