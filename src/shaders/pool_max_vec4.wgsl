// pool_max_vec4.wgsl (v3): max pooling forward in inference (no argmax), for CPU adapters: each thread makes four
// adjacent outputs of a row, y[p, oh, 4q .. 4q+3], and reads each input row they need once, as vec4 words.
//   y[p, oh, ow] = max over the in-input taps x[p, oh·SH − PH + kh·DH, ow·SW − PW + kw·DW]
// Same values as v1 / v2 bit for bit: the first of equal values stays (+0 before −0 keeps +0), a NaN wins, a
// window with no tap gives −inf; RELU as v2 (a window with no tap is refused under RELU by the engine).
// The four outputs' columns span 3·SW + (KW − 1)·DW + 1 input columns from 4q·SW − PW; since 4q·SW is a multiple of
// 4, that span starts at the fixed column OFF of word q·SW − WSKIP (WSKIP = ⌈PW / 4⌉, OFF = 4·WSKIP − PW), so a row
// is WORDS ≤ 4 vec4 words and every tap a fixed component of them: the taps are written out (KW ≤ 3) and indexed
// by override constants, so no tap is a computed load. SwiftShader turns each load at a computed index into a
// bounds clamp and a masked gather; a vec4 word pays that once for four values (the ResNet stem's 3×3/2 p1 pool:
// 9 word loads per 4 outputs, against v2's 36 scalar loads). Words outside the row read as −inf (a skipped tap).
// Needs W % 4 = 0 (rows start on a word), KW ≤ 3 and OFF + span ≤ 16; the engine refuses other shapes.
// Bench (GPU timestamps, SwiftShader, 2 cores shared, load 10–14: direction only), `npm run bench -- --full --no-tfjs
// --no-jaxjs --no-save --versions --filter maxPool`: [1,64,112,112] v1 85.1, v2 56.2, v3 12.1 (milliseconds);
// [16,64,112,112] v1 1067, v2 981, v3 162.
// Layouts: x [planes, H, W] f32 read as vec4, y [planes, OH, OW] f32. float_bits.wgsl is prepended.
// One thread per (plane, oh, q) with q < OWQ = ⌈OW / 4⌉, 64 per workgroup, grid().
//
// v  | idea                                                    | figure                        | device
// v1 | one thread per output, writes the argmax                | see pool_max                  | SwiftShader (CPU, 2 cores)
// v2 | v1 with the sizes as override constants (pool_max_fixed)| see pool_max_fixed            | SwiftShader (CPU, 2 cores)
// v3 | 4 outputs per thread from vec4 row words (here)         | 4.6× v2 (above)               | SwiftShader (CPU, 2 cores)

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
override WSKIP: u32 = 0u;
override OFF: u32 = 0u;
override WORDS: u32 = 1u;

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;

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
      b.x = window(b.x, r[min(OFF, 15u)], r[min(OFF + DW, 15u)], r[min(OFF + 2u * DW, 15u)]);
      b.y = window(b.y, r[min(OFF + SW, 15u)], r[min(OFF + SW + DW, 15u)], r[min(OFF + SW + 2u * DW, 15u)]);
      b.z = window(b.z, r[min(OFF + 2u * SW, 15u)], r[min(OFF + 2u * SW + DW, 15u)], r[min(OFF + 2u * SW + 2u * DW, 15u)]);
      b.w = window(b.w, r[min(OFF + 3u * SW, 15u)], r[min(OFF + 3u * SW + DW, 15u)], r[min(OFF + 3u * SW + 2u * DW, 15u)]);
    }
  }
  if (RELU) { b = vec4<f32>(relu_(b.x), relu_(b.y), relu_(b.z), relu_(b.w)); }
  let ow = q * 4u;
  let out = (plane * OH + oh) * OW + ow;
  y[out] = b.x;
  if (ow + 1u < OW) { y[out + 1u] = b.y; }
  if (ow + 2u < OW) { y[out + 2u] = b.z; }
  if (ow + 3u < OW) { y[out + 3u] = b.w; }
}
