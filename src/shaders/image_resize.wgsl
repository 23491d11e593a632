// image_resize.wgsl: a batch of uint8 RGBA images of any sizes → float32 [N, C, H, W], one thread per output pixel.
// Each image n has a row of 16 words in `table` (packed by src/engine/ops/image-prep.ts):
//   0 offset of its first pixel in `pixels`, 1 its width (row stride), 2–5 the source box top, left, height, width
//   (the whole image, or a random resized crop's box), 6–7 the size the box is resized to (rh, rw), 8–9 where
//   the output window starts in that resized grid (a centre crop's top, left; 0 otherwise), 10 flip (1: mirror
//   the output horizontally), 11–15 used by image_jitter.wgsl.
// `pixels` holds one RGBA pixel a word (R in the low byte), as the bytes of an ImageData read little-endian.
// Resampling is PyTorch's antialiased bilinear (_upsample_bilinear2d_aa, torchvision's antialias=True): along
// each axis, scale = in/out, support = max(scale, 1), the taps are [trunc(c − support + .5), trunc(c + support
// + .5)) around c = scale·(d + .5) clipped to the box, weighted by the triangle 1 − |(j − c + .5)/max(scale, 1)|
// and normalized; upscaling is plain bilinear with the edge pixel repeated. Values are scaled to [0, 1].
// With `finish` = 1 the output is final: gray (ITU-R 601-2 luma 0.2989, 0.587, 0.114) when C = 1, then
// (v − mean[c]) / std[c]; with 0 it is RGB in [0, 1] for image_jitter.wgsl.
//
// Idea (v1, the only version): the direct 2-D filter, taps_y × taps_x word reads per output pixel, weights
// computed in the thread (no weight tables). A separable two-pass kernel would read taps_y + taps_x per pixel
// when shrinking a lot; not needed at the sizes a loader feeds (images held near the trunk's input size).
// Measured: see src/engine/ops/image-prep.ts's header (SwiftShader; no GPU figure yet).

struct Params { n: u32, channels: u32, height: u32, width: u32, finish: u32, mean: vec4<f32>, inv_std: vec4<f32> }

@group(0) @binding(0) var<storage, read> pixels: array<u32>;
@group(0) @binding(1) var<storage, read> table: array<i32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

struct Taps { lo: i32, hi: i32, center: f32, inv: f32, total: f32 }

/** The taps of output index d along an axis of `size` input pixels resized to `out` (PyTorch's aa rule). */
fn taps(d: i32, size: i32, out: i32) -> Taps {
  let scale = f32(size) / f32(out);
  let support = select(1.0, scale, scale > 1.0);
  let center = scale * (f32(d) + 0.5);
  let first = i32(center - support + 0.5);
  let last = i32(center + support + 0.5);
  let lo = max(first, 0);
  let hi = min(last, size);
  let inv = 1.0 / support;
  var total = 0.0;
  for (var j = lo; j < hi; j++) { total += weight(j, center, inv); }
  return Taps(lo, hi, center, inv, total);
}

fn weight(j: i32, center: f32, inv: f32) -> f32 {
  let t = 1.0 - abs((f32(j) - center + 0.5) * inv);
  return select(0.0, t, t > 0.0);
}

fn unpack(word: u32) -> vec3<f32> {
  return vec3<f32>(f32(word & 0xffu), f32((word >> 8u) & 0xffu), f32((word >> 16u) & 0xffu));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let plane = params.height * params.width;
  let n = i / plane;
  let p = i % plane;
  let oy = i32(p / params.width);
  var ox = i32(p % params.width);
  let row = i32(n) * 16;
  if (table[row + 10] == 1) { ox = i32(params.width) - 1 - ox; }
  let ty = taps(oy + table[row + 8], table[row + 4], table[row + 6]);
  let tx = taps(ox + table[row + 9], table[row + 5], table[row + 7]);
  let base = table[row] + table[row + 2] * table[row + 1] + table[row + 3];
  let stride = table[row + 1];
  var acc = vec3<f32>(0.0);
  for (var sy = ty.lo; sy < ty.hi; sy++) {
    var line = vec3<f32>(0.0);
    for (var sx = tx.lo; sx < tx.hi; sx++) {
      line += weight(sx, tx.center, tx.inv) * unpack(pixels[u32(base + sy * stride + sx)]);
    }
    acc += weight(sy, ty.center, ty.inv) * line;
  }
  var rgb = acc / (ty.total * tx.total * 255.0);
  let out = n * params.channels * plane + p;
  if (params.finish == 0u) {
    y[out] = rgb.r;
    y[out + plane] = rgb.g;
    y[out + 2u * plane] = rgb.b;
    return;
  }
  if (params.channels == 1u) {
    y[out] = (dot(rgb, vec3<f32>(0.2989, 0.587, 0.114)) - params.mean.x) * params.inv_std.x;
    return;
  }
  rgb = (rgb - params.mean.xyz) * params.inv_std.xyz;
  y[out] = rgb.r;
  y[out + plane] = rgb.g;
  y[out + 2u * plane] = rgb.b;
}
