// pool_max.wgsl (v1): max pooling forward, also writing the argmax for the backward.
//   y[p, oh, ow] = max_{kh, kw} x[p, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]     over in-input taps only
//   idx[p, oh, ow] = ih·W + iw of the first maximum in (kh, kw) row-major order (PyTorch's flat index in the
//   plane); a NaN wins and stops the scan, as in PyTorch. A window entirely in the padding gives −inf, −1.
// Layouts: x [planes = N·C, H, W] f32, y [planes, OH, OW] f32, idx [planes, OH, OW] i32 (a 1-element dummy,
//   unwritten, when WITH_INDEX is false: inference does not pay for the indices).
// RELU (reluMaxPool2d, max-pool of relu(x) in one pass): y = relu(max) — max is monotone, so that is the max of
//   relu(x) — with NaN kept, and idx = −1 where y is not positive (0 or NaN), so the backward routes no
//   gradient there, as relu's gradient [x > 0] would not. A window with no tap keeps −inf, as without RELU.
// One thread per output, 64 per workgroup, grid().
// Bench: `npm run bench -- --filter "elementwise,reduce,pool"` (bench/cases/pool.ts), result
// bench/results/2026-12-02-google-swiftshader-chrome-elementwise-reduce-pool-grid.json: the ResNet stem's 3×3/2 pool of
// [1,64,112,112] in inference (no argmax), TF.js maxPool 26.9 ms in the same run. No GPU figure yet.
//
// v  | idea                                     | figure   | device
// v1 | one thread per output, writes the argmax | 26.3 ms  | SwiftShader (CPU, 2 cores)
// v2 | v1 with the sizes as override constants (pool_max_fixed) | see pool_max_fixed | SwiftShader (CPU, 2 cores)
// v3 | 4 outputs per thread from vec4 row words, no argmax (pool_max_vec4) | see pool_max_vec4 | SwiftShader (CPU, 2 cores)
// v4 | v3 for any width, the row span read as scalars (pool_max_row) | see pool_max_row | SwiftShader (CPU, 2 cores)

override WITH_INDEX: bool = true;
override RELU: bool = false;

struct Params {
  planes: u32, H: u32, W: u32, OH: u32, OW: u32,
  kH: u32, kW: u32, sH: u32, sW: u32, pH: u32, pW: u32, dH: u32, dW: u32,
}

// WGSL rejects infinities in constant expressions.
var<private> NEG_INF_BITS: u32 = 0xff800000u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> idx: array<i32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.planes * p.OH * p.OW) { return; }
  let ow = index % p.OW;
  let oh = (index / p.OW) % p.OH;
  let plane = index / (p.OW * p.OH);
  let base = plane * p.H * p.W;
  var best = bitcast<f32>(NEG_INF_BITS);
  var arg = -1;
  for (var kh = 0u; kh < p.kH; kh++) {
    let ih = oh * p.sH + kh * p.dH - p.pH; // wraps below zero
    if (ih >= p.H) { continue; }
    var found_nan = false;
    for (var kw = 0u; kw < p.kW; kw++) {
      let iw = ow * p.sW + kw * p.dW - p.pW;
      if (iw >= p.W) { continue; }
      let v = x[base + ih * p.W + iw];
      // The first element wins ties and all -inf windows (arg < 0); a NaN wins and ends the search.
      if (arg < 0 || v > best || is_nan_(v)) {
        best = v;
        arg = i32(ih * p.W + iw);
        if (is_nan_(v)) { found_nan = true; break; }
      }
    }
    if (found_nan) { break; }
  }
  if (RELU && arg >= 0 && !(best > 0.0)) {
    if (!is_nan_(best)) { best = 0.0; }
    arg = -1;
  }
  y[index] = best;
  if (WITH_INDEX) { idx[index] = arg; }
}
