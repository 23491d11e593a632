// nn_batchnorm_stats_split.wgsl (v2): per-channel batch statistics of x [N, C, H, W] across workgroups, for GPUs:
// the statistics kernel nn_batchnorm_stats.wgsl runs one workgroup per channel (64 workgroups for 64 channels,
// each walking all N·H·W), which leaves most of a GPU idle and, at N = 64 on 112², gives a thread 12,544
// elements. Here each channel's N·H·W elements are cut into `chunks` ranges of `chunk`:
//   PASS 0: workgroup (c, k) sums its range in two passes (the range's mean, then its centred squares, as the
//           one-workgroup kernel does for the whole channel) and writes part[(c·chunks + k)·2 + {0, 1}] =
//           (range mean, range M2 = Σ (x − range mean)²).
//   PASS 1: one thread per channel combines its ranges in order (Chan et al.'s pairwise update of count, mean
//           and M2; deterministic), then mean[c] = the mean, variance[c] = M2 / (N·H·W) (biased, as PyTorch
//           normalizes with).
// Both passes bind (x, part, mean, variance); PASS 0 leaves mean and variance alone, PASS 1 only reads part.
// Layout: x NCHW f32; part [C, chunks, 2]; mean, variance [C]. Grid: PASS 0 (C, chunks); PASS 1 grid(⌈C/64⌉).
// Prepended: float_bits.wgsl (max_nan_). layerNorm.forward v2 runs it too, its R rows of D as the channels of
// [1, R, D] (splitStatistics in src/engine/ops/batchnorm-stats.ts; nn_layernorm_split.wgsl normalizes).
//
// | version | idea                                                         | figure                              |
// | ------- | ------------------------------------------------------------ | ----------------------------------- |
// | v1      | one workgroup per channel, two-pass (nn_batchnorm_stats)     | not benchmarked (no bench case yet) |
// | v2      | ranges of N·H·W across workgroups, Chan combine (this file)  | not benchmarked (no bench case yet) |

override PASS: u32 = 0u;
const WG: u32 = 64u;

struct Params { N: u32, C: u32, HW: u32, chunks: u32, chunk: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean_out: array<f32>;
@group(0) @binding(3) var<storage, read_write> var_out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> partial: array<f32, WG>;

fn tree_sum(lid: u32) -> f32 {
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}

fn at(c: u32, j: u32) -> f32 {
  let n = j / params.HW;
  return x[(n * params.C + c) * params.HW + j % params.HW];
}

// PASS 1: channel c's ranges combined in order (Chan et al.): count, mean and M2 updated pairwise.
fn combine(c: u32, m: u32) {
  if (c >= params.C) { return; }
  var count = 0.0;
  var mean = 0.0;
  var m2 = 0.0;
  for (var k = 0u; k < params.chunks; k++) {
    let nb = f32(min(m, (k + 1u) * params.chunk) - min(m, k * params.chunk));
    if (nb == 0.0) { continue; }
    let mb = part[(c * params.chunks + k) * 2u];
    let total = count + nb;
    let delta = mb - mean;
    mean += delta * (nb / total);
    m2 += part[(c * params.chunks + k) * 2u + 1u] + delta * delta * (count * nb / total);
    count = total;
  }
  mean_out[c] = mean;
  var_out[c] = m2 / f32(m);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m = params.N * params.HW;
  if (PASS == 1u) {
    combine((wid.x + wid.y * nwg.x) * WG + lid, m);
    return; // uniform: PASS is an override
  }
  let c = wid.x;
  let k = wid.y;
  let begin = k * params.chunk;
  let end = min(m, begin + params.chunk);
  var acc = 0.0;
  for (var j = begin + lid; j < end; j += WG) { acc += at(c, j); }
  partial[lid] = acc;
  workgroupBarrier();
  let count = f32(max(end, begin) - begin);
  let mean = tree_sum(lid) / max_nan_(count, 1.0); // count is a whole number: never NaN
  // One more barrier after the mean is read, before partial[] is overwritten: Tint writes workgroupBarrier() as a
  // bare GLSL barrier(), and Mesa's llvmpipe then lets the load of partial[0] in tree_sum read a later write
  // (found by npm run test:gles; see vitest.gles.config.ts).
  workgroupBarrier();
  var sq = 0.0;
  for (var j = begin + lid; j < end; j += WG) {
    let d = at(c, j) - mean;
    sq += d * d;
  }
  partial[lid] = sq;
  workgroupBarrier();
  let m2 = tree_sum(lid);
  if (lid == 0u) {
    part[(c * params.chunks + k) * 2u] = mean;
    part[(c * params.chunks + k) * 2u + 1u] = m2;
  }
}
