// pool_avg.wgsl (v1): average pooling forward.
//   y[p, oh, ow] = (Σ_{kh, kw in the input} x[p, oh·sH − pH + kh, ow·sW − pW + kw]) / divisor
//   divisor = kH·kW when COUNT_INCLUDE_PAD (PyTorch's default: padding counts as zeros), else the number of
//   taps inside the input. (Without ceil mode no window reaches past the padding, so kH·kW is exact.)
// Layouts: x [planes = N·C, H, W] f32, y [planes, OH, OW] f32. One thread per output, 64 per workgroup, grid().
// Bench: none yet (no bench case times pooling); a figure goes here with the case that reproduces it.
//
// v  | idea                  | figure
// v1 | one thread per output | not benchmarked (no bench case yet)

override COUNT_INCLUDE_PAD: bool = true;

struct Params {
  planes: u32, H: u32, W: u32, OH: u32, OW: u32,
  kH: u32, kW: u32, sH: u32, sW: u32, pH: u32, pW: u32, dH: u32, dW: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

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
  var acc = 0.0;
  var count = 0u;
  for (var kh = 0u; kh < p.kH; kh++) {
    let ih = oh * p.sH + kh - p.pH; // wraps below zero
    if (ih >= p.H) { continue; }
    for (var kw = 0u; kw < p.kW; kw++) {
      let iw = ow * p.sW + kw - p.pW;
      if (iw >= p.W) { continue; }
      acc += x[base + ih * p.W + iw];
      count++;
    }
  }
  if (COUNT_INCLUDE_PAD) { count = p.kH * p.kW; }
  y[index] = acc / f32(count);
}
