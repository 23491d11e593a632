// reduce_serial.wgsl (v2): sum / max / min over the middle axis of [outer, R, inner], a thread per output
// and no workgroup memory, no barrier: the CPU rules' reduction. SwiftShader runs a workgroup with a barrier
// as coroutines that spill at every barrier, so reduce.wgsl's tree (7 barriers) costs more than the sums.
//   y[o, c, i] = ⊕_{c·chunk ≤ r < min(R, (c+1)·chunk)} x[o, r, i]      for c < S = chunks = ⌈R / chunk⌉
// Thread k is (o, c, i), i fastest: neighbouring threads read neighbouring elements when inner > 1 (a sum
// over a leading dim). With S > 1 (few outputs over long rows: a sum of everything) a second launch of this
// kernel (S = 1) reduces the [outer, S, inner] partials. reduce_serial_vec4.wgsl (v3) is this kernel with
// vec4 loads for inner = 1 (a sum over the last dim), the CPU rules' pick when R is a multiple of 4.
// Probe (bench/probe/reduce-probe.ts, wall time with a read-back, headless Chromium on SwiftShader, load 14):
// the rows of [1024,1024] 101 → 8 (this kernel) → 6 (v3) milliseconds; all of it 12.3 → 7.5 → 6.6;
// the columns (a leading dim) 85 → 9.
//
// | version | idea                                                          | figure                                 | device      | shape       |
// | ------- | ------------------------------------------------------------- | -------------------------------------- | ----------- | ----------- |
// | v1      | a workgroup per output (or range), strided + tree (reduce)    | not benchmarked here (see reduce.wgsl) | SwiftShader | [1024,1024] |
// | v2      | a thread per output (or range), no barrier (this file)        | probe only (above)                     | SwiftShader | [1024,1024] |
// | v3      | v2 with vec4 loads, inner = 1 (reduce_serial_vec4)            | probe only (above)                     | SwiftShader | [1024,1024] |
// | v4      | v3 with the row's threads interleaved, 4 words a step (reduce_strided_vec4) | see reduce-kernels.ts | SwiftShader | [1024,1024] |

override OP: u32 = 0u; // 0 sum, 1 max, 2 min

struct Params { outputs: u32, reduce: u32, inner: u32, chunk: u32, chunks: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

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
  let k = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (k >= params.outputs) { return; }
  let inner = params.inner;
  let i = k % inner;
  let c = (k / inner) % params.chunks;
  let o = k / (inner * params.chunks);
  let row = o * params.reduce * inner + i;
  var p = row + c * params.chunk * inner;
  let end = row + min(params.reduce, (c + 1u) * params.chunk) * inner;
  var acc = identity();
  for (; p < end; p += inner) {
    acc = combine(acc, x[p]);
  }
  y[k] = acc;
}
