// pool_avg_backward.wgsl (v1): average pooling backward, gather form:
//   dx[p, h, w] = Σ_{(oh, ow) whose window holds (h, w)} gy[p, oh, ow] / divisor(oh, ow)
// with the forward's divisor (kH·kW when COUNT_INCLUDE_PAD, else the window's in-input tap count). Each input
// pixel visits the windows that cover it (oh in [⌈(h + pH − kH + 1)/sH⌉, ⌊(h + pH)/sH⌋]): no scatter.
// Layouts: gy [planes, OH, OW] f32, dx [planes, H, W] f32. One thread per input pixel, 64 per workgroup, grid().
// Bench: none yet (no bench case times pooling); a figure goes here with the case that reproduces it.
//
// v  | idea                                 | figure
// v1 | one thread per input, gather windows | not benchmarked (no bench case yet)

override COUNT_INCLUDE_PAD: bool = true;

struct Params {
  planes: u32, H: u32, W: u32, OH: u32, OW: u32,
  kH: u32, kW: u32, sH: u32, sW: u32, pH: u32, pW: u32, dH: u32, dW: u32,
}

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// Taps of window o along one axis that lie inside [0, size).
fn inside(o: u32, s: u32, pad: u32, k: u32, size: u32) -> u32 {
  let start = i32(o * s) - i32(pad);
  let lo = max(start, 0);
  let hi = min(start + i32(k), i32(size));
  return u32(hi - lo);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= p.planes * p.H * p.W) { return; }
  let iw = index % p.W;
  let ih = (index / p.W) % p.H;
  let plane = index / (p.W * p.H);
  let th = ih + p.pH;
  let tw = iw + p.pW;
  var ohLo = 0u;
  if (th + 1u > p.kH) { ohLo = (th + 1u - p.kH + p.sH - 1u) / p.sH; }
  var owLo = 0u;
  if (tw + 1u > p.kW) { owLo = (tw + 1u - p.kW + p.sW - 1u) / p.sW; }
  let ohHi = min(th / p.sH, p.OH - 1u);
  let owHi = min(tw / p.sW, p.OW - 1u);
  let base = plane * p.OH * p.OW;
  var acc = 0.0;
  for (var oh = ohLo; oh <= ohHi; oh++) {
    for (var ow = owLo; ow <= owHi; ow++) {
      var divisor = p.kH * p.kW;
      if (!COUNT_INCLUDE_PAD) { divisor = inside(oh, p.sH, p.pH, p.kH, p.H) * inside(ow, p.sW, p.pW, p.kW, p.W); }
      acc += gy[base + oh * p.OW + ow] / f32(divisor);
    }
  }
  dx[index] = acc;
}
