// pool_max_fixed.wgsl (v2): max pooling forward as pool_max.wgsl (v1), with every size an override constant, for
// CPU adapters. Same result bit for bit: y[p, oh, ow] = max over the in-input taps of the window, the first
// maximum's flat index ih·W + iw in idx (when WITH_INDEX), a NaN wins and stops the scan, a window with no tap
// gives −inf, −1; RELU as v1.
// Without WITH_INDEX (inference) the scan keeps no argmax and has no early exit (same values).
// The pipeline is specialised per shape (as jax-js writes every shape as a literal): the divisions that find
// (plane, oh, ow) become multiply-shifts, the kH × kW loops have constant bounds the compiler unrolls, and the
// uniform buffer is gone. SwiftShader pays per instruction per 4-lane group, and v1's index arithmetic on
// uniform values cost more than the 9 loads of a 3×3 window. One thread per output, 64 per workgroup, grid().
// Layouts as v1: x [planes, H, W] f32, y [planes, OH, OW] f32, idx [planes, OH, OW] i32 (a dummy without
// WITH_INDEX). float_bits.wgsl is prepended.
// Bench: `npm run bench -- --quick --no-tfjs --filter "maxPool,relu 1M" --versions --rounds 5` (bench/cases/pool.ts),
// result bench/results/2026-12-07-google-swiftshader-chrome-cpu-unary-pool.json (SwiftShader, 2 cores shared, load ~20, so
// noisy: the auto row, v2, took 32.1 ms in the same run): the ResNet stem's pool [1,64,112,112] in inference, v1
// 120 ms, v2 108 ms; with a read back per run ours (v2) 1.63× faster than jax-js.
//
// v  | idea                                            | figure                        | device
// v1 | one thread per output, writes the argmax        | 120 ms (see pool_max)         | SwiftShader (CPU, 2 cores)
// v2 | v1 with the sizes as override constants (here)  | 108 ms (auto row: 32.1 ms)    | SwiftShader (CPU, 2 cores)
// v3 | 4 outputs per thread from vec4 row words (pool_max_vec4) | see pool_max_vec4 | SwiftShader (CPU, 2 cores)
// v4 | v3 for any width, the row span read as scalars (pool_max_row) | see pool_max_row | SwiftShader (CPU, 2 cores)

override WITH_INDEX: bool = true;
override RELU: bool = false;
override PLANES: u32 = 1u;
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

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> idx: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.x + gid.y * nwg.x * 64u;
  if (index >= PLANES * OH * OW) { return; }
  let ow = index % OW;
  let oh = (index / OW) % OH;
  let base = (index / (OW * OH)) * H * W;
  var best = neg_inf_();
  if (!WITH_INDEX) {
    // Inference: the NaN-propagating max of the in-input taps, no argmax to track and no early exit.
    var taps = false;
    for (var kh = 0u; kh < KH; kh++) {
      let ih = oh * SH + kh * DH - PH;
      if (ih < H) {
        for (var kw = 0u; kw < KW; kw++) {
          let iw = ow * SW + kw * DW - PW;
          if (iw < W) {
            let v = x[base + ih * W + iw];
            // As v1: the first of equal values stays (+0 before −0 keeps +0), the first NaN wins.
            if (!is_nan_(best) && (v > best || is_nan_(v))) { best = v; }
            taps = true;
          }
        }
      }
    }
    if (RELU && taps && !(best > 0.0) && !is_nan_(best)) { best = 0.0; }
    y[index] = best;
    return;
  }
  var arg = -1;
  for (var kh = 0u; kh < KH; kh++) {
    let ih = oh * SH + kh * DH - PH; // wraps below zero
    if (ih >= H) { continue; }
    var found_nan = false;
    for (var kw = 0u; kw < KW; kw++) {
      let iw = ow * SW + kw * DW - PW;
      if (iw >= W) { continue; }
      let v = x[base + ih * W + iw];
      if (arg < 0 || v > best || is_nan_(v)) {
        best = v;
        arg = i32(ih * W + iw);
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
