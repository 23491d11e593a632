// nn_grad_norm.wgsl: the global 2-norm of a flat gradient buffer and the clipping coefficient, in two
// dispatches, so clipping never reads anything back:
//   STAGE 0: partials[w] = Σ g[i]² over the elements workgroup w visits (P ≤ 256 workgroups of 256 threads;
//            thread (w, l) visits i = w·256 + l + k·P·256; a tree in workgroup memory combines the threads).
//   STAGE 1: one workgroup sums the P partials: out[0] = ‖g‖₂, out[1] = min(1, max_norm / (‖g‖₂ + 1e-6))
//            (PyTorch's clip_grad_norm_ coefficient). The step kernels (optim_*.wgsl) read out[1].
// Non-finite gradients as PyTorch 1.13's clip_grad_norm_ (which clamps the coefficient with torch.clamp, NaN
// kept): a NaN norm gives a NaN coefficient (every gradient becomes NaN), an infinite norm a coefficient of 0.
// The builtin min may return its other operand for a NaN (NVIDIA does: clipping would be skipped), so the
// coefficient goes through min_nan_ and the norm's infinity through is_inf_ (float_bits.wgsl, prepended).
// Bindings: src is read (gradients, or the partials in stage 1), dst is written. Deterministic (fixed order).
//
// The engine picks P so that each thread sums at least 256 elements (SwiftShader pays per workgroup barrier:
// in a scratch run 16 partials were several times faster than 256 for 2^20 values; no bench case yet).
//
// | version | idea                                                    | figure |
// | ------- | ------------------------------------------------------- | ------ |
// | v1      | partials per workgroup + a 1-workgroup finish, 2 passes | not benchmarked (no bench case yet) |

override STAGE: u32 = 0u;

struct Params { n: u32, workgroups: u32, max_norm: f32 }

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  if (STAGE == 0u) {
    let stride = params.workgroups * 256u;
    for (var i = wid.x * 256u + lid; i < params.n; i += stride) {
      let g = src[i];
      acc = acc + g * g;
    }
  } else {
    for (var i = lid; i < params.n; i += 256u) { acc = acc + src[i]; }
  }
  red[lid] = acc;
  workgroupBarrier();
  for (var k = 128u; k > 0u; k = k / 2u) {
    if (lid < k) { red[lid] = red[lid] + red[lid + k]; }
    workgroupBarrier();
  }
  if (lid != 0u) { return; }
  if (STAGE == 0u) {
    dst[wid.x] = red[0];
  } else {
    let sq = red[0];
    let norm = select(sqrt(sq), sq, is_nan_(sq) || is_inf_(sq));
    dst[0] = norm;
    let coef = select(params.max_norm / (norm + 1e-6), 0.0, is_inf_(norm));
    dst[1] = min_nan_(1.0, coef);
  }
}
