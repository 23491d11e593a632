// pool_max_fixed.wgsl (v2): pool_max.wgsl (v1) with the window's geometry as override constants and a
// branch-free scan: the CPU rules' max pooling. With the sizes literal the compiler unrolls the taps and
// strength-reduces the index arithmetic; each tap is a select, not a branch, so SIMD lanes never diverge (a CPU
// implementation of WebGPU runs both sides of a divergent branch). Same results as v1, bit for bit:
//   y[p, oh, ow] = max_{kh, kw} x[p, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]     over in-input taps only
//   idx = ih·W + iw of the first maximum in (kh, kw) row-major order; a NaN wins and later taps cannot replace
//   it (v1 stops its scan there); a window entirely in the padding gives −inf, −1. RELU as in v1.
// Layouts as v1: x [planes, H, W], y and idx [planes, OH, OW] (idx a 1-element dummy when WITH_INDEX is false).
// One thread per output, 64 per workgroup, grid(); `planes` stays in the uniform block, the rest is constant.
//
// v  | idea                                                   | figure                  | device
// v1 | one thread per output, writes the argmax (pool_max)    | see pool_max.wgsl       | SwiftShader (CPU, 2 cores)
// v2 | v1 with the geometry constant, branch-free (this file) | probe only (pool.ts)    | SwiftShader (CPU, 2 cores)

override WITH_INDEX: bool = true;
override RELU: bool = false;
override H: u32 = 1u;
override W: u32 = 1u;
override OH: u32 = 1u;
override OW: u32 = 1u;
override KH: u32 = 1u;
override KW: u32 = 1u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override PH: u32 = 0u;
override PW: u32 = 0u;
override DH: u32 = 1u;
override DW: u32 = 1u;

struct Params { planes: u32 }

// WGSL rejects infinities in constant expressions.
var<private> NEG_INF_BITS: u32 = 0xff800000u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> idx: array<i32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= params.planes * OH * OW) { return; }
  let ow = index % OW;
  let oh = (index / OW) % OH;
  let base = (index / (OW * OH)) * H * W;
  var best = bitcast<f32>(NEG_INF_BITS);
  var arg = -1;
  for (var kh = 0u; kh < KH; kh++) {
    let ih = oh * SH + kh * DH - PH; // wraps below zero
    for (var kw = 0u; kw < KW; kw++) {
      let iw = ow * SW + kw * DW - PW;
      let inside = ih < H && iw < W;
      let v = x[base + select(0u, ih * W + iw, inside)];
      // v1's rule without its branches: the first tap wins ties and all -inf windows, a NaN wins and stays.
      let take = inside && !is_nan_(best) && (arg < 0 || v > best || is_nan_(v));
      best = select(best, v, take);
      arg = select(arg, i32(ih * W + iw), take);
    }
  }
  if (RELU && arg >= 0 && !(best > 0.0)) {
    if (!is_nan_(best)) { best = 0.0; }
    arg = -1;
  }
  y[index] = best;
  if (WITH_INDEX) { idx[index] = arg; }
}
