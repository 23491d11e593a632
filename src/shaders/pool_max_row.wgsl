// pool_max_row.wgsl (v4): pool_max_vec4.wgsl (v3) for any input width: each thread makes four adjacent outputs of
// a row, y[p, oh, 4q .. 4q+3] (and their argmax, WITH_INDEX), and reads each input column they need once, as
// scalars: the row span of 3·SW + (KW − 1)·DW + 1 ≤ 16 columns from 4q·SW − PW, each a fixed element of a private
// array (the taps written out, KW ≤ 3, indexed by override constants), columns outside the row read as −inf.
// Same values and indices as v1 bit for bit (v3's scan). Where v3 binds rows as vec4 words (W % 4 = 0), this one
// takes the rest (the MNIST CNN's 14² and 7² pools); per four outputs it pays one thread's index arithmetic and loop.
// Layouts as v3, x [planes, H, W] f32 read as scalars. float_bits.wgsl is prepended. One thread per (plane, oh, q),
// q < OWQ = ⌈OW / 4⌉, 64 per workgroup, grid(). Bench: see pool.ts.
//
// v  | idea                                                    | figure                        | device
// v1 | one thread per output, writes the argmax                | see pool_max                  | SwiftShader (CPU, 2 cores)
// v2 | v1 with the sizes as override constants (pool_max_fixed)| see pool_max_fixed            | SwiftShader (CPU, 2 cores)
// v3 | 4 outputs per thread from vec4 row words (pool_max_vec4)| see pool_max_vec4             | SwiftShader (CPU, 2 cores)
// v4 | v3 for any width, the row span read as scalars (here)   | see pool.ts                   | SwiftShader (CPU, 2 cores)

override WITH_INDEX: bool = false;
override RELU: bool = false;
override PLANES: u32 = 1u;
override H: u32 = 1u;
override W: u32 = 1u;
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
override SPAN: u32 = 1u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> idx: array<i32>;

/** Column c of the row starting at element `row`; c wraps below zero, and a column outside the row reads as −inf. */
fn column(row: u32, c: u32) -> f32 {
  return select(neg_inf_(), x[row + c], c < W);
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
  let take = (col < W) & ((b.i < 0) | (!is_nan_(b.v) & ((v > b.v) | is_nan_(v))));
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
      let row = (plane * H + ih) * W;
      var r = array<f32, 16>(ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x, ninf.x);
      { r[0] = column(row, c0 + 0u); }
      if (SPAN > 1u) { r[1] = column(row, c0 + 1u); }
      if (SPAN > 2u) { r[2] = column(row, c0 + 2u); }
      if (SPAN > 3u) { r[3] = column(row, c0 + 3u); }
      if (SPAN > 4u) { r[4] = column(row, c0 + 4u); }
      if (SPAN > 5u) { r[5] = column(row, c0 + 5u); }
      if (SPAN > 6u) { r[6] = column(row, c0 + 6u); }
      if (SPAN > 7u) { r[7] = column(row, c0 + 7u); }
      if (SPAN > 8u) { r[8] = column(row, c0 + 8u); }
      if (SPAN > 9u) { r[9] = column(row, c0 + 9u); }
      if (SPAN > 10u) { r[10] = column(row, c0 + 10u); }
      if (SPAN > 11u) { r[11] = column(row, c0 + 11u); }
      if (SPAN > 12u) { r[12] = column(row, c0 + 12u); }
      if (SPAN > 13u) { r[13] = column(row, c0 + 13u); }
      if (SPAN > 14u) { r[14] = column(row, c0 + 14u); }
      if (SPAN > 15u) { r[15] = column(row, c0 + 15u); }
      // Output j's taps are r[j·SW + kw·DW]: every index an override expression (a constant once the pipeline is
      // made), clamped to the array so that a shape's unused taps stay valid WGSL.
      if (WITH_INDEX) {
        let fl = ih * W;
        m0 = window_i(m0, r[0], r[min(DW, 15u)], r[min(2u * DW, 15u)], c0, fl);
        m1 = window_i(m1, r[min(SW, 15u)], r[min(SW + DW, 15u)], r[min(SW + 2u * DW, 15u)], c0 + SW, fl);
        m2 = window_i(m2, r[min(2u * SW, 15u)], r[min(2u * SW + DW, 15u)], r[min(2u * SW + 2u * DW, 15u)], c0 + 2u * SW, fl);
        m3 = window_i(m3, r[min(3u * SW, 15u)], r[min(3u * SW + DW, 15u)], r[min(3u * SW + 2u * DW, 15u)], c0 + 3u * SW, fl);
      } else {
        b.x = window(b.x, r[0], r[min(DW, 15u)], r[min(2u * DW, 15u)]);
        b.y = window(b.y, r[min(SW, 15u)], r[min(SW + DW, 15u)], r[min(SW + 2u * DW, 15u)]);
        b.z = window(b.z, r[min(2u * SW, 15u)], r[min(2u * SW + DW, 15u)], r[min(2u * SW + 2u * DW, 15u)]);
        b.w = window(b.w, r[min(3u * SW, 15u)], r[min(3u * SW + DW, 15u)], r[min(3u * SW + 2u * DW, 15u)]);
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
