// reduce_strided_vec4.wgsl (v4): reduce_serial_vec4.wgsl (v3) with a row's S = chunks threads interleaved
// instead of each walking its own range: thread c of row o reads the vec4 words c, c + S, c + 2S, … of the row,
// four words per loop step into four running results. A reduction over the last dim (inner = 1), R % 4 = 0.
//   y[o, c] = ⊕_{r ≡ c (mod S), r < R/4} word r of x[o, :]      for c < S
// Neighbouring threads (a SwiftShader 4-lane group) read neighbouring words, so each component load of the group
// touches one cache line instead of four, and the unrolled step pays the loop's mask test once per four words.
// With S > 1 a second launch reduces the [outer, S] partials: this kernel with S = 1 when S is a multiple of 4, else
// reduce_serial.wgsl. No workgroup memory, no barrier.
//
// Quick run (GPU timestamps, quiet machine, the auto choice of the sum rows / sum all rows): bench/results/2026-12-08-google-swiftshader-chrome-jaxjs.json.
// | version | idea                                                          | figure                                 | device      | shape       |
// | ------- | ------------------------------------------------------------- | -------------------------------------- | ----------- | ----------- |
// | v1      | a workgroup per output (or range), strided + tree (reduce)    | not benchmarked here (see reduce.wgsl) | SwiftShader | [1024,1024] |
// | v2      | a thread per output (or range), no barrier (reduce_serial)    | probe only (reduce_serial.wgsl)        | SwiftShader | [1024,1024] |
// | v3      | v2 with vec4 loads, inner = 1 (reduce_serial_vec4)            | probe only (reduce_serial.wgsl)        | SwiftShader | [1024,1024] |
// | v4      | v3 with the row's threads interleaved, 4 words a step (here)  | rows 0.98 ms, all 0.98 ms (quick run)  | SwiftShader | [1024,1024] |

override OP: u32 = 0u; // 0 sum, 1 max, 2 min

struct Params { outputs: u32, reduce: u32, inner: u32, chunk: u32, chunks: u32 }

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
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

fn combine4(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  if (OP == 0u) { return a + b; }
  return vec4<f32>(combine(a.x, b.x), combine(a.y, b.y), combine(a.z, b.z), combine(a.w, b.w));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (k >= params.outputs) { return; }
  let s = params.chunks;
  let c = k % s;
  let o = k / s;
  let words = params.reduce / 4u;
  let end = (o + 1u) * words;
  var p = o * words + c;
  var a0 = vec4<f32>(identity());
  var a1 = a0;
  var a2 = a0;
  var a3 = a0;
  // Four words a step while four remain, then one at a time (the reduction order does not change max / min).
  for (; p + 3u * s < end; p += 4u * s) {
    a0 = combine4(a0, x[p]);
    a1 = combine4(a1, x[p + s]);
    a2 = combine4(a2, x[p + 2u * s]);
    a3 = combine4(a3, x[p + 3u * s]);
  }
  for (; p < end; p += s) {
    a0 = combine4(a0, x[p]);
  }
  let acc = combine4(combine4(a0, a1), combine4(a2, a3));
  y[k] = combine(combine(acc.x, acc.y), combine(acc.z, acc.w));
}
