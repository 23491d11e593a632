// nn_batchnorm_running.wgsl: BatchNorm's running-statistics update after a train-mode forward, in place.
//   running_mean[c] = (1 − m)·running_mean[c] + m·mean[c]
//   running_var[c]  = (1 − m)·running_var[c]  + m·var[c]·n/(n − 1)     (var is the biased batch variance;
//                                                                        the running one is unbiased)
//   num_batches_tracked += 1
// m is the momentum, or 1/(num_batches_tracked + 1) when CUMULATIVE (PyTorch's momentum=None: a plain
// average over all batches seen). One workgroup strides over the channels, so every thread reads the
// counter before thread 0 increments it (after a barrier). Layouts: mean, var, running_* are [C] f32;
// count is one i32.
//
// | version | idea                                   | figure        | device                | shape |
// | ------- | -------------------------------------- | ------------- | --------------------- | ----- |
// | v1      | one workgroup, threads stride over C   | (not timed)   | SwiftShader (2 cores) | -     |

override CUMULATIVE: bool = false;

struct Params { channels: u32, momentum: f32, unbias: f32 }

@group(0) @binding(0) var<storage, read> mean: array<f32>;
@group(0) @binding(1) var<storage, read> batch_var: array<f32>;
@group(0) @binding(2) var<storage, read_write> running_mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> running_var: array<f32>;
@group(0) @binding(4) var<storage, read_write> count: array<i32>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
  let seen = count[0];
  var m = params.momentum;
  if (CUMULATIVE) { m = 1.0 / f32(seen + 1); }
  for (var c = lid; c < params.channels; c += 64u) {
    running_mean[c] = (1.0 - m) * running_mean[c] + m * mean[c];
    running_var[c] = (1.0 - m) * running_var[c] + m * batch_var[c] * params.unbias;
  }
  storageBarrier();
  workgroupBarrier();
  if (lid == 0u) { count[0] = seen + 1; }
}
