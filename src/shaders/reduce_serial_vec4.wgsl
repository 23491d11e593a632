// reduce_serial_vec4.wgsl (v3): reduce_serial.wgsl (v2) for a reduction over the last dim (inner = 1) whose
// length R and range `chunk` are multiples of 4: x read as vec4, four running results per thread, combined at
// the end. The CPU rules' pick for such a reduction (a sum of rows, a sum of everything).
//   y[o, c] = ⊕_{c·chunk ≤ r < min(R, (c+1)·chunk)} x[o, r]      for c < S = chunks
// A thread per (o, c), no workgroup memory, no barrier; with S > 1 reduce_serial.wgsl reduces the partials.
// Probe figures: see reduce_serial.wgsl.
//
// | version | idea                                                          | figure                                 | device      | shape       |
// | ------- | ------------------------------------------------------------- | -------------------------------------- | ----------- | ----------- |
// | v1      | a workgroup per output (or range), strided + tree (reduce)    | not benchmarked here (see reduce.wgsl) | SwiftShader | [1024,1024] |
// | v2      | a thread per output (or range), no barrier (reduce_serial)    | probe only (reduce_serial.wgsl)        | SwiftShader | [1024,1024] |
// | v3      | v2 with vec4 loads, inner = 1 (this file)                     | probe only (reduce_serial.wgsl)        | SwiftShader | [1024,1024] |
// | v4      | v3 with the row's threads interleaved, 4 words a step (reduce_strided_vec4) | see reduce-kernels.ts | SwiftShader | [1024,1024] |

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
  let c = k % params.chunks;
  let o = k / params.chunks;
  let row = o * (params.reduce / 4u);
  var p = row + c * (params.chunk / 4u);
  let end = row + min(params.reduce, (c + 1u) * params.chunk) / 4u;
  var acc = vec4<f32>(identity());
  for (; p < end; p++) {
    acc = combine4(acc, x[p]);
  }
  y[k] = combine(combine(acc.x, acc.y), combine(acc.z, acc.w));
}
