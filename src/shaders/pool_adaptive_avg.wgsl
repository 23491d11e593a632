// pool_adaptive_avg.wgsl (v1): adaptive average pooling of NCHW planes [H, W] to any [OH, OW], forward and backward.
// PyTorch's bins: output row i averages input rows floor(i·H/OH) ≤ h < ceil((i+1)·H/OH) (columns alike), so
// bins may overlap or differ in size when OH does not divide H.
//   BACKWARD = false: y[p, i, j] = mean of x[p] over bin (i, j)               one thread per output element
//   BACKWARD = true:  dx[p, h, w] = Σ over the bins (i, j) that hold (h, w) of g[p, i, j] / |bin (i, j)|
//       one thread per input element, a gather over the few bins that cover it (no atomics, deterministic).
// Layout: contiguous f32, planes = N·C. The 1×1 case has its own kernels (pool_global_avg*.wgsl, v2), which
// the auto rule picks for it.
//
// v  | idea                                           | figure
// v1 | one thread per output (forward) / input (grad) | not benchmarked (heads of small nets)
// v2 | 1×1 only: pool_global_avg.wgsl / pool_global_avg_backward.wgsl | not benchmarked (no bench case yet)

override BACKWARD: bool = false;

struct Params { n: u32, h: u32, w: u32, oh: u32, ow: u32 }

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn bin_start(i: u32, size: u32, out: u32) -> u32 { return (i * size) / out; }
fn bin_end(i: u32, size: u32, out: u32) -> u32 { return ((i + 1u) * size + out - 1u) / out; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= params.n) { return; }
  let H = params.h;
  let W = params.w;
  let OH = params.oh;
  let OW = params.ow;
  if (!BACKWARD) {
    let j = t % OW;
    let i = (t / OW) % OH;
    let p = t / (OW * OH);
    let h0 = bin_start(i, H, OH);
    let h1 = bin_end(i, H, OH);
    let w0 = bin_start(j, W, OW);
    let w1 = bin_end(j, W, OW);
    var acc = 0.0;
    for (var h = h0; h < h1; h++) {
      for (var w = w0; w < w1; w++) { acc += src[(p * H + h) * W + w]; }
    }
    dst[t] = acc / f32((h1 - h0) * (w1 - w0));
    return;
  }
  let w = t % W;
  let h = (t / W) % H;
  let p = t / (W * H);
  // Bins holding row h lie between floor(h·OH/H) − 1 and floor((h+1)·OH/H); each is tested exactly.
  let i0 = select(0u, (h * OH) / H - 1u, (h * OH) / H >= 1u);
  let i1 = min(OH - 1u, ((h + 1u) * OH) / H);
  let j0 = select(0u, (w * OW) / W - 1u, (w * OW) / W >= 1u);
  let j1 = min(OW - 1u, ((w + 1u) * OW) / W);
  var acc = 0.0;
  for (var i = i0; i <= i1; i++) {
    let h0 = bin_start(i, H, OH);
    let h1 = bin_end(i, H, OH);
    if (h < h0 || h >= h1) { continue; }
    for (var j = j0; j <= j1; j++) {
      let w0 = bin_start(j, W, OW);
      let w1 = bin_end(j, W, OW);
      if (w < w0 || w >= w1) { continue; }
      acc += src[(p * OH + i) * OW + j] / f32((h1 - h0) * (w1 - w0));
    }
  }
  dst[t] = acc;
}
