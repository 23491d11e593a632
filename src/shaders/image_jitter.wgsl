// image_jitter.wgsl: colour jitter, then the final gray / normalize step, for a batch resized by
// image_resize.wgsl (finish = 0): x float32 [N, 3, H, W] in [0, 1] (changed in place) → y float32 [N, C, H, W].
// Image n's row of 16 words in `table` (src/engine/ops/image-prep.ts) gives, in word 11, up to three steps in
// the order they were drawn (4 bits each from bit 4: 0 none, 1 brightness, 2 contrast, 3 saturation) and in
// words 12–14 their factors (f32 bits). torchvision's formulas on float images, each clamped to [0, 1]:
//   brightness f: v·f                 (a blend with black)
//   contrast   f: v·f + (1 − f)·m     m = the mean of the image's gray (0.2989 r + 0.587 g + 0.114 b)
//   saturation f: v·f + (1 − f)·gray  (per pixel)
// then, as image_resize.wgsl's finish: gray when C = 1, (v − mean[c]) / std[c].
//
// Idea (v1, the only version): one workgroup of 256 threads per image; thread t owns pixels t, t + 256, …,
// so the pointwise steps need no barrier, and the contrast mean is a workgroup tree sum of the threads'
// partial sums. Every step computes that mean (whether it is a contrast step or not) so that the barriers
// sit in uniform control flow: the step codes come from a storage buffer, which WGSL treats as non-uniform.
// Measured: see src/engine/ops/image-prep.ts's header.

struct Params { n: u32, channels: u32, height: u32, width: u32, finish: u32, mean: vec4<f32>, inv_std: vec4<f32> }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> table: array<i32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> partial: array<f32, 256>;

const LUMA = vec3<f32>(0.2989, 0.587, 0.114);

fn load(base: u32, plane: u32, p: u32) -> vec3<f32> {
  return vec3<f32>(x[base + p], x[base + plane + p], x[base + 2u * plane + p]);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let img = wid.x + wid.y * nwg.x; // params.n is the number of images here; `finish` is unused
  if (img >= params.n) { return; }
  let plane = params.height * params.width;
  let base = img * 3u * plane;
  let row = i32(img) * 16;
  let code = u32(table[row + 11]);
  for (var k = 0u; k < 3u; k++) {
    let op = (code >> (4u + 4u * k)) & 0xfu;
    var s = 0.0;
    for (var p = lid; p < plane; p += 256u) { s += dot(load(base, plane, p), LUMA); }
    partial[lid] = s;
    workgroupBarrier();
    for (var half = 128u; half > 0u; half >>= 1u) {
      if (lid < half) { partial[lid] += partial[lid + half]; }
      workgroupBarrier();
    }
    let m = partial[0] / f32(plane);
    workgroupBarrier();
    let f = bitcast<f32>(table[row + 11 + i32(min(max(op, 1u), 3u))]);
    for (var p = lid; p < plane && op >= 1u && op <= 3u; p += 256u) {
      var v = load(base, plane, p);
      if (op == 1u) { v = v * f; }
      if (op == 2u) { v = v * f + (1.0 - f) * m; }
      if (op == 3u) { v = v * f + (1.0 - f) * dot(v, LUMA); }
      v = select(v, vec3<f32>(0.0), v < vec3<f32>(0.0)); // clamp to [0, 1] by select: the NaN rule of
      v = select(v, vec3<f32>(1.0), v > vec3<f32>(1.0)); // tests/unit/wgsl-nan-inf.test.ts (none comes here)
      x[base + p] = v.r;
      x[base + plane + p] = v.g;
      x[base + 2u * plane + p] = v.b;
    }
  }
  let out = img * params.channels * plane;
  for (var p = lid; p < plane; p += 256u) {
    let v = load(base, plane, p);
    if (params.channels == 1u) {
      y[out + p] = (dot(v, LUMA) - params.mean.x) * params.inv_std.x;
    } else {
      let w = (v - params.mean.xyz) * params.inv_std.xyz;
      y[out + p] = w.r;
      y[out + plane + p] = w.g;
      y[out + 2u * plane + p] = w.b;
    }
  }
}
