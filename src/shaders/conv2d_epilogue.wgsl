// conv2d_epilogue.wgsl: the activation in the epilogue of every conv2d and depthwise forward kernel
// (conv2d_fwd_*, depthwise_fwd_*), prepended to each by the engine (withEpilogue in src/engine/ops/conv-params.ts).
//   ACT 0 none · 1 relu · 2 relu6 (hardtanh 0..6), applied after the bias.
// Both clamps are selects on a comparison, which is false for NaN: a NaN output stays NaN, as in the
// unfused relu / relu6 ops (max/min could drop it).

override ACT: u32 = 0u;

fn activate(v: f32) -> f32 {
  var r = v;
  if (ACT >= 1u) { r = select(r, 0.0, r < 0.0); }
  if (ACT == 2u) { r = select(r, 6.0, r > 6.0); }
  return r;
}

