// optim_sgd.wgsl: one SGD step over a flat run of parameters (a segment of an optimizer's flat buffers),
// with PyTorch's formulas (torch.optim.SGD, single-tensor path):
//   g  = grad · clip[1]                      (CLIP: the coefficient min(1, max_norm / (‖all grads‖₂ + 1e-6))
//                                             from nn_grad_norm.wgsl; the clipped gradient is written back,
//                                             as clip_grad_norm_ does)
//   g  = −g                                  (MAXIMIZE)
//   g += weight_decay · p
//   buf = g on the parameter's first step, else momentum·buf + (1 − dampening)·g      (MOMENTUM)
//   g  = g + momentum·buf (NESTEROV)  or  g = buf
//   p -= lr · g
// Layouts: param, grad, buf are the segment's n f32 values (parameters at 256-byte aligned offsets, zeros in
// the gaps, which stay zero). clip is nn_grad_norm.wgsl's output [norm, coef] (any buffer without CLIP), so
// clipping needs no readback. chunk_owner[i / 64] is the row in `table` of the parameter element i belongs
// to (slots are 64-element aligned); table row = [active, first, 0, 0], written by the CPU each step from the
// parameter's own step count. active = 0 (no backward reached the parameter since zeroGrad()) leaves param,
// grad and buf untouched: no decay, no momentum (PyTorch's skip of parameters whose grad is None).
// One thread per element, 256 per workgroup. Group scalars come in the uniform block.
//
// | version | idea                                 | figure |
// | ------- | ------------------------------------ | ------ |
// | v1      | one thread per element, fused update | not benchmarked (no bench case yet) |

override MOMENTUM: bool = false;
override NESTEROV: bool = false;
override CLIP: bool = false;
override MAXIMIZE: bool = false;

struct Params {
  n: u32, lr: f32, weight_decay: f32, momentum: f32,
  dampening: f32,
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<storage, read> clip: array<f32>;
@group(0) @binding(4) var<storage, read> chunk_owner: array<i32>;
@group(0) @binding(5) var<storage, read> table: array<vec4<f32>>;
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let info = table[chunk_owner[i / 64u]];
  if (info.x == 0.0) { return; }
  var g = grad[i];
  if (CLIP) {
    g = g * clip[1];
    grad[i] = g;
  }
  if (MAXIMIZE) { g = -g; }
  let p = param[i];
  if (params.weight_decay != 0.0) { g = g + params.weight_decay * p; }
  if (MOMENTUM) {
    var b = g;
    if (info.y == 0.0) { b = buf[i] * params.momentum + (1.0 - params.dampening) * g; }
    buf[i] = b;
    if (NESTEROV) { g = g + params.momentum * b; } else { g = b; }
  }
  param[i] = p - params.lr * g;
}
