// epilogue_act.wgsl: an activation in a kernel's epilogue, and where its gradient passes; prepended to the
// kernel by the engine (withActEpilogue, src/engine/ops/act-epilogue.ts): the conv2d and depthwise forward
// kernels (conv2d_fwd_*, depthwise_fwd_*), conv2d_bias_grad, nn_batchnorm_apply and nn_batchnorm_backward.
//   ACT 0 none · 1 relu · 2 relu6 (hardtanh 0..6), applied after the bias.
// A NaN output stays NaN, as in the unfused relu / relu6 ops: tested on its bits, since WGSL lets a compiler
// assume no NaN (Mesa turns `select(r, 0.0, r < 0.0)` into max(r, 0.0), which gives 0 for NaN on Dawn's OpenGL
// ES backend: npm run test:gles). The gradient passes where the OUTPUT y says the
// pre-activation v did: y > 0 ⇔ v > 0, and 0 < y < 6 ⇔ 0 < v < 6, so a kernel needs only y (the unfused
// reluGrad / relu6Grad of binary.wgsl, NaN included: a NaN y passes no gradient).

override ACT: u32 = 0u;

fn activate(v: f32) -> f32 {
  var r = v;
  if (ACT >= 1u) { r = select(r, 0.0, r < 0.0); }
  if (ACT == 2u) { r = select(r, 6.0, r > 6.0); }
  return select(r, v, (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u);
}

/** The gradient g through the activation whose output is y. */
fn activationGrad(g: f32, y: f32) -> f32 {
  if (ACT == 1u) { return select(0.0, g, y > 0.0); }
  if (ACT == 2u) { return select(0.0, g, y > 0.0 && y < 6.0); }
  return g;
}

