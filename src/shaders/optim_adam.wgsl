// optim_adam.wgsl: one Adam or AdamW step over a flat run of parameters (a segment of an optimizer's flat
// buffers), with PyTorch's formulas (torch.optim.Adam / AdamW, single-tensor path):
//   g  = grad · clip[1]                       (CLIP, as in optim_sgd.wgsl; the clipped grad is written back)
//   g  = −g                                   (MAXIMIZE)
//   p *= 1 − lr·weight_decay                  (DECOUPLED, AdamW)   or   g += weight_decay·p   (Adam, L2)
//   m  = β1·m + (1 − β1)·g
//   v  = β2·v + (1 − β2)·g²
//   p −= step_size · m / (sqrt(v) / sqrt(bc2) + eps),   step_size = lr / bc1,   bc_k = 1 − β_k^t
// t is the parameter's own step count; bc1, bc2 and the other scalars are computed in double precision on the
// CPU (as PyTorch does in Python) and passed as f32. Layouts: param, grad, m, v are the segment's n f32
// values; clip as in optim_sgd.wgsl. chunk_owner[i / 64] is the `table` row of element i's parameter:
// [active, step_size, bc2_sqrt, 0], written each step; active = 0 (no gradient since zeroGrad()) leaves
// param, m and v untouched (no decoupled decay either). One thread per element, 256 per workgroup.
//
// | version | idea                                 | figure |
// | ------- | ------------------------------------ | ------ |
// | v1      | one thread per element, fused update | not benchmarked (no bench case yet) |

override DECOUPLED: bool = false;
override CLIP: bool = false;
override MAXIMIZE: bool = false;

struct Params {
  n: u32, beta1: f32, beta2: f32, one_minus_beta1: f32,
  one_minus_beta2: f32, eps: f32, weight_decay: f32, decay: f32,
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(3) var<storage, read_write> exp_avg_sq: array<f32>;
@group(0) @binding(4) var<storage, read> clip: array<f32>;
@group(0) @binding(5) var<storage, read> chunk_owner: array<i32>;
@group(0) @binding(6) var<storage, read> table: array<vec4<f32>>;
@group(0) @binding(7) var<uniform> params: Params;

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
  var p = param[i];
  if (DECOUPLED) {
    p = p * params.decay;
  } else if (params.weight_decay != 0.0) {
    g = g + params.weight_decay * p;
  }
  let m = exp_avg[i] * params.beta1 + params.one_minus_beta1 * g;
  let v = exp_avg_sq[i] * params.beta2 + params.one_minus_beta2 * (g * g);
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  let denom = sqrt(v) / info.z + params.eps;
  param[i] = p - info.y * (m / denom);
}
