// pool_max_backward.wgsl (v1): max pooling backward, gather form through the saved argmax:
//   dx[p, h, w] = Σ_{(oh, ow) whose window can hold (h, w)} gy[p, oh, ow] · [idx[p, oh, ow] == h·W + w]
// Each input pixel visits only the windows that overlap it (oh in [⌈(h + pH − (kH−1)·dH)/sH⌉, ⌊(h + pH)/sH⌋]),
// so there is no scatter and no atomics; overlapping windows (stride < kernel) that chose the same pixel add up.
// Layouts: gy [planes, OH, OW] f32, idx [planes, OH, OW] i32 (from pool_max.wgsl), dx [planes, H, W] f32.
// One thread per input pixel, 64 per workgroup, grid().
// Bench: none yet (no bench case times pooling); a figure goes here with the case that reproduces it.
//
// v  | idea                                    | figure
// v1 | one thread per input, gather via argmax | not benchmarked (no bench case yet)
// v2 | 4 inputs per thread, override sizes, one read per window (pool_max_backward_row) | see pool.ts

struct Params {
  planes: u32, H: u32, W: u32, OH: u32, OW: u32,
  kH: u32, kW: u32, sH: u32, sW: u32, pH: u32, pW: u32, dH: u32, dW: u32,
}

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// The output positions along one axis whose windows overlap input position `i`: [lo, hi] (empty if lo > hi).
fn windowRange(i: u32, pad: u32, k: u32, s: u32, d: u32, outSize: u32) -> vec2<u32> {
  let t = i + pad;
  let span = (k - 1u) * d;
  var lo = 0u;
  if (t > span) { lo = (t - span + s - 1u) / s; }
  let hi = min(t / s, outSize - 1u);
  return vec2<u32>(lo, hi);
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
  let me = i32(ih * p.W + iw);
  let rh = windowRange(ih, p.pH, p.kH, p.sH, p.dH, p.OH);
  let rw = windowRange(iw, p.pW, p.kW, p.sW, p.dW, p.OW);
  let base = plane * p.OH * p.OW;
  var acc = 0.0;
  for (var oh = rh.x; oh <= rh.y; oh++) {
    for (var ow = rw.x; ow <= rw.y; ow++) {
      let o = base + oh * p.OW + ow;
      if (idx[o] == me) { acc += gy[o]; }
    }
  }
  dx[index] = acc;
}
