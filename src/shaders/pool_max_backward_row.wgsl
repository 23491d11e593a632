// pool_max_backward_row.wgsl (v2): max pooling backward for CPU adapters, v1's gather through the saved argmax
// with four adjacent input pixels of a row per thread and every size an override constant:
//   dx[p, h, w] = Σ_{(oh, ow) whose window can hold (h, w)} gy[p, oh, ow] · [idx[p, oh, ow] == h·W + w]
// The thread for pixels (h, 4t .. 4t+3) walks the windows that overlap any of them (the union of their ranges along
// w) and reads each window's argmax and gradient once for the four: a window's argmax lies inside it, so comparing
// it with a pixel outside the window never matches and the union gives each pixel exactly v1's sum, in v1's order.
// SwiftShader pays per instruction per 4-lane group: v1's divisions by uniform sizes and per-pixel loops cost more
// than the loads (the MNIST CNN's 2×2 pools: 2 windows of 2 loads per 4 pixels, against v1's 4 windows).
// Layouts as v1: gy [planes, OH, OW] f32, idx [planes, OH, OW] i32, dx [planes, H, W] f32.
// One thread per (plane, h, t), t < WQ = ⌈W / 4⌉, 64 per workgroup, grid(). Bench: see pool.ts.
//
// v  | idea                                                        | figure                        | device
// v1 | one thread per input, gather via argmax (pool_max_backward) | not benchmarked               | SwiftShader (CPU, 2 cores)
// v2 | 4 inputs per thread, override sizes, one read per window    | see pool.ts                   | SwiftShader (CPU, 2 cores)

override PLANES: u32 = 1u;
override H: u32 = 1u;
override W: u32 = 1u;
override WQ: u32 = 1u;
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

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

// The first output position along one axis whose window can hold input position i (as v1's windowRange).
fn first_window(i: u32, pad: u32, k: u32, s: u32, d: u32) -> u32 {
  let t = i + pad;
  let span = (k - 1u) * d;
  return select(0u, (t - span + s - 1u) / s, t > span);
}

// The last one (v1's hi), clamped to the output size.
fn last_window(i: u32, pad: u32, s: u32, out_size: u32) -> u32 {
  return min((i + pad) / s, out_size - 1u);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.x + gid.y * nwg.x * 64u;
  if (index >= PLANES * H * WQ) { return; }
  let t = index % WQ;
  let ih = (index / WQ) % H;
  let plane = index / (WQ * H);
  let iw = t * 4u;
  let me = i32(ih * W + iw);
  let oh_lo = first_window(ih, PH, KH, SH, DH);
  let oh_hi = last_window(ih, PH, SH, OH);
  let ow_lo = first_window(iw, PW, KW, SW, DW);
  let ow_hi = last_window(min(iw + 3u, W - 1u), PW, SW, OW);
  let base = plane * OH * OW;
  var acc = vec4<f32>(0.0);
  for (var oh = oh_lo; oh <= oh_hi; oh++) {
    for (var ow = ow_lo; ow <= ow_hi; ow++) {
      let o = base + oh * OW + ow;
      let a = idx[o];
      let g = gy[o];
      acc += select(vec4<f32>(0.0), vec4<f32>(g), vec4<i32>(a) == vec4<i32>(me, me + 1, me + 2, me + 3));
    }
  }
  let out = (plane * H + ih) * W + iw;
  dx[out] = acc.x;
  if (iw + 1u < W) { dx[out + 1u] = acc.y; }
  if (iw + 2u < W) { dx[out + 2u] = acc.z; }
  if (iw + 3u < W) { dx[out + 3u] = acc.w; }
}
