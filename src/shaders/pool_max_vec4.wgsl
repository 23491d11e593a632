// pool_max_vec4.wgsl (v3): max pooling forward for CPU adapters: each thread makes four adjacent outputs of a row,
// y[p, oh, 4q .. 4q+3] (and their argmax, WITH_INDEX), and reads each input row they need once, as vec4 words.
//   y[p, oh, ow] = max over the in-input taps x[p, oh·SH − PH + kh·DH, ow·SW − PW + kw·DW]
// Same values and indices as v1 / v2 bit for bit: the first of equal values stays (+0 before −0 keeps +0), a NaN
// wins, a window with no tap gives −inf (and −1); RELU as v1 (without the argmax, a window with no tap is refused
// under RELU by the engine). The argmax scan also checks each tap's column (padding words read −inf, but the first
// in-input tap is taken even when it is −inf).
// The four outputs' columns span 3·SW + (KW − 1)·DW + 1 input columns from 4q·SW − PW; since 4q·SW is a multiple of
// 4, that span starts at the fixed column OFF of word q·SW − WSKIP (WSKIP = ⌈PW / 4⌉, OFF = 4·WSKIP − PW), so a row
// is WORDS ≤ 4 vec4 words and every tap a fixed component of them: the taps are written out (KW ≤ 3) and indexed
// by override constants, so no tap is a computed load. SwiftShader turns each load at a computed index into a
// bounds clamp and a masked gather; a vec4 word pays that once for four values (the ResNet stem's 3×3/2 p1 pool:
// 9 word loads per 4 outputs, against v2's 36 scalar loads). Words outside the row read as −inf (a skipped tap).
// Needs W % 4 = 0 (rows start on a word), KW ≤ 3 and OFF + span ≤ 16; the engine refuses other shapes.
// Bench (GPU timestamps, SwiftShader, 2 cores shared, load 7–14: direction only), `npm run bench -- --full --no-tfjs
// --no-jaxjs --no-save --versions --filter maxPool`: [1,64,112,112] v1 85.1, v2 56.2, v3 12.1 (milliseconds; a later
// run v2 23.1, v3 6.55); [16,64,112,112] v1 1067, v2 981, v3 162 (later v2 440, v3 116). With the argmax (training),
// the MNIST CNN's relu pool 2×2 of [64,32,28,28] (a local bench row): v2 63.1, v3 28.3. Quiet committed quick run
// (bench/results/2026-12-08-google-swiftshader-chrome-jaxjs.json): [1,64,112,112] v3 3.51 ms (v2: 27.5 milliseconds in the run before).
// Layouts: x [planes, H, W] f32 read as vec4, y and idx [planes, OH, OW] f32 / i32 (idx a dummy without WITH_INDEX).
// float_bits.wgsl is prepended.
// One thread per (plane, oh, q) with q < OWQ = ⌈OW / 4⌉, 64 per workgroup, grid().
//
// v  | idea                                                    | figure                        | device
// v1 | one thread per output, writes the argmax                | see pool_max                  | SwiftShader (CPU, 2 cores)
// v2 | v1 with the sizes as override constants (pool_max_fixed)| see pool_max_fixed            | SwiftShader (CPU, 2 cores)
// v3 | 4 outputs per thread from vec4 row words (here)         | 4.6× v2 (above)               | SwiftShader (CPU, 2 cores)
// v4 | v3 for any width, the row span read as scalars (pool_max_row) | see pool_max_row | SwiftShader (CPU, 2 cores)

override WITH_INDEX: bool = false;
override RELU: bool = false;
override PLANES: u32 = 1u;
override H: u32 = 1u;
override W4: u32 = 1u;
override OH: u32 = 1u;
override OW: u32 = 1u;
override OWQ: u32 = 1u;
override KH: u32 = 1u;
override KW: u32 = 1u;
override SH: u32 = 1u;
override SW: u32 = 1u;
override PH: u32 = 0u;
override DH: u32 = 1u;
override DW: u32 = 1u;
override PW: u32 = 0u;
override WSKIP: u32 = 0u;
override OFF: u32 = 0u;
override WORDS: u32 = 1u;

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> idx: array<i32>;

/** Word w of the row starting at word `row`; w wraps below zero, and a word outside the row reads as −inf. */
fn word(row: u32, w: u32) -> vec4<f32> {
  return select(vec4<f32>(neg_inf_()), x[row + w], w < W4);
}

/** One tap: the first of equal values stays, the first NaN wins and stays (v2's scan). */
fn tap(best: f32, v: f32) -> f32 {
  return select(best, v, !is_nan_(best) & ((v > best) | is_nan_(v)));
}

/** One output's window in a row, taps t0, t1, t2 in order (KW ≤ 3 of them). */
fn window(best: f32, t0: f32, t1: f32, t2: f32) -> f32 {
  var b = tap(best, t0);
  if (KW > 1u) { b = tap(b, t1); }
  if (KW > 2u) { b = tap(b, t2); }
  return b;
}

/** With the argmax (WITH_INDEX): the running maximum and its flat index ih·W + iw in the plane, −1 before any tap. */
struct Best { v: f32, i: i32 }

/** As tap, for an in-input column only, and the first in-input tap always taken (v1's scan: arg < 0). */
fn tap_i(b: Best, v: f32, col: u32, flat: u32) -> Best {
  let take = (col < W4 * 4u) & ((b.i < 0) | (!is_nan_(b.v) & ((v > b.v) | is_nan_(v))));
  return Best(select(b.v, v, take), select(b.i, i32(flat), take));
}

/** window with the argmax: taps at columns col + kw·DW (col wraps below zero) of the row starting at flat index `row`. */
fn window_i(b: Best, t0: f32, t1: f32, t2: f32, col: u32, row: u32) -> Best {
  var r = tap_i(b, t0, col, row + col);
  if (KW > 1u) { r = tap_i(r, t1, col + DW, row + col + DW); }
  if (KW > 2u) { r = tap_i(r, t2, col + 2u * DW, row + col + 2u * DW); }
  return r;
}

/** RELU with the argmax, as v1: a tapped window whose maximum is not positive gives 0 (NaN stays) and index −1. */
fn relu_i(b: Best) -> Best {
  if (b.i >= 0 && !(b.v > 0.0)) { return Best(select(0.0, b.v, is_nan_(b.v)), -1); }
  return b;
}

fn relu_(v: f32) -> f32 {
  return select(0.0, v, (v > 0.0) | is_nan_(v));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.x + gid.y * nwg.x * 64u;
  if (index >= PLANES * OH * OWQ) { return; }
  let q = index % OWQ;
  let oh = (index / OWQ) % OH;
  let plane = index / (OWQ * OH);
  let w0 = q * SW - WSKIP; // wraps below zero
  let ninf = vec4<f32>(neg_inf_());
  var b = ninf;
  let c0 = q * 4u * SW - PW; // the first output's first tap column (wraps below zero)
  var m0 = Best(ninf.x, -1);
  var m1 = m0;
  var m2 = m0;
  var m3 = m0;
  for (var kh = 0u; kh < KH; kh++) {
    let ih = oh * SH + kh * DH - PH; // wraps below zero
    if (ih < H) {
      let row = (plane * H + ih) * W4;
      let a0 = word(row, w0);
      var a1 = ninf;
      var a2 = ninf;
      var a3 = ninf;
      if (WORDS > 1u) { a1 = word(row, w0 + 1u); }
      if (WORDS > 2u) { a2 = word(row, w0 + 2u); }
      if (WORDS > 3u) { a3 = word(row, w0 + 3u); }
      let r = array<f32, 16>(a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w, a2.x, a2.y, a2.z, a2.w, a3.x, a3.y, a3.z, a3.w);
      // Output j's taps are r[OFF + j·SW + kw·DW]: every index an override expression (a constant once the
      // pipeline is made), clamped to the array so that a shape's unused taps stay valid WGSL.
      if (WITH_INDEX) {
        let fl = ih * W4 * 4u;
        m0 = window_i(m0, r[min(OFF, 15u)], r[min(OFF + DW, 15u)], r[min(OFF + 2u * DW, 15u)], c0, fl);
        m1 = window_i(m1, r[min(OFF + SW, 15u)], r[min(OFF + SW + DW, 15u)], r[min(OFF + SW + 2u * DW, 15u)], c0 + SW, fl);
        m2 = window_i(m2, r[min(OFF + 2u * SW, 15u)], r[min(OFF + 2u * SW + DW, 15u)], r[min(OFF + 2u * SW + 2u * DW, 15u)], c0 + 2u * SW, fl);
        m3 = window_i(m3, r[min(OFF + 3u * SW, 15u)], r[min(OFF + 3u * SW + DW, 15u)], r[min(OFF + 3u * SW + 2u * DW, 15u)], c0 + 3u * SW, fl);
      } else {
        b.x = window(b.x, r[min(OFF, 15u)], r[min(OFF + DW, 15u)], r[min(OFF + 2u * DW, 15u)]);
        b.y = window(b.y, r[min(OFF + SW, 15u)], r[min(OFF + SW + DW, 15u)], r[min(OFF + SW + 2u * DW, 15u)]);
        b.z = window(b.z, r[min(OFF + 2u * SW, 15u)], r[min(OFF + 2u * SW + DW, 15u)], r[min(OFF + 2u * SW + 2u * DW, 15u)]);
        b.w = window(b.w, r[min(OFF + 3u * SW, 15u)], r[min(OFF + 3u * SW + DW, 15u)], r[min(OFF + 3u * SW + 2u * DW, 15u)]);
      }
    }
  }
  let ow = q * 4u;
  let out = (plane * OH + oh) * OW + ow;
  if (WITH_INDEX) {
    if (RELU) {
      m0 = relu_i(m0);
      m1 = relu_i(m1);
      m2 = relu_i(m2);
      m3 = relu_i(m3);
    }
    y[out] = m0.v;
    idx[out] = m0.i;
    if (ow + 1u < OW) { y[out + 1u] = m1.v; idx[out + 1u] = m1.i; }
    if (ow + 2u < OW) { y[out + 2u] = m2.v; idx[out + 2u] = m2.i; }
    if (ow + 3u < OW) { y[out + 3u] = m3.v; idx[out + 3u] = m3.i; }
    return;
  }
  if (RELU) { b = vec4<f32>(relu_(b.x), relu_(b.y), relu_(b.z), relu_(b.w)); }
  y[out] = b.x;
  if (ow + 1u < OW) { y[out + 1u] = b.y; }
  if (ow + 2u < OW) { y[out + 2u] = b.z; }
  if (ow + 3u < OW) { y[out + 3u] = b.w; }
}
