// conv2d_fwd_reg.wgsl (v3): conv2d forward as a direct register-tiled reduction with no workgroup memory and no
// barrier, for CPU implementations of WebGPU (SwiftShader, llvmpipe), where a workgroup with a barrier runs as
// coroutines that spill their variables at each barrier (see matmul_reg.wgsl).
//   y[n, o, oh, ow] = bias[o] + Σ_{c < Cg, kh, kw} x[n, g·Cg + c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]
//                                                · w[o, c, kh, kw]            (g = o / Og, Og = O/groups)
// Layouts (row-major f32): x [N, C, H, W], w [O, Cg, kH, kW], bias [O] (unread when HAS_BIAS is false),
//   y [N, O, OH, OW]. Taps outside the input read the zero padding.
// Each thread computes 4 neighbouring outputs of one row (ow = 4q … 4q + 3, one n and oh) for 4 output
//   channels of one group: 4 vec4 accumulators, one per channel, the 4 pixels in the lanes. Per tap it reads
//   4 inputs (masked in the padding, one row test per kh) and 4 weights, 16 multiply-adds. Threads run the
//   channel quad fastest, so the lanes of a 4-lane group read the same inputs.
// Every size but the batch is a literal (override constants C_ … DW_, one pipeline per layer shape): the loops
//   over c, kh and kw have known bounds and the addressing folds; N comes from params (one pipeline per layer
//   whatever the batch).
// Epilogue: + bias, then the activation ACT (activate(), epilogue_act.wgsl, prepended by the engine).
// Dispatch: 1-D workgroups of 64 over N·OH·ceil(OW/4)·groups·ceil(Og/4) threads, spread over x/y by grid().
//
// Figures: v1 and v2 from bench/results/2026-12-02-google-swiftshader-chrome-conv2d-resnet18-layer2-128-128-28-n1.json
// (GPU timestamps, 3 rounds, SwiftShader on 2 cores shared at load average ~20); v3 from
// bench/results/2026-12-07-google-swiftshader-chrome-cpu-kernel-versions.json (same layer, GPU timestamps, 3 rounds, load average ~13).
// v  | idea                                      | figure                 | device                     | shape
// v1 | one thread per output, direct loops       | 3861 ms, 0.060 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v2 | implicit GEMM, 64×64 tile, 4×4 per thread | 943 ms, 0.25 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v3 | direct, no barrier, 4 px × 4 ch per thread | 431 ms, 0.54 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²

override HAS_BIAS: bool = true;
// The layer geometry (C_, H_, W_, O_, OH_, OW_, GROUPS, KH, KW, SH, SW, PH, PW, DH, DW_, CG, OG) is in
// conv2d_reg_geometry.wgsl, which the engine prepends to each of the three register-tiled conv kernels.

override OQ: u32 = (OG + 3u) / 4u;      // channel quads per group
override WQ: u32 = (OW_ + 3u) / 4u;     // pixel quads per output row
override TAPS: u32 = CG * KH * KW;      // one output channel's weights

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// Input ix of a pixel row (masked: 0 outside the row or when the row itself is outside).
fn tap(rowBase: u32, rowOk: bool, iw: u32) -> f32 {
  let ok = rowOk && iw < W_;
  return select(0.0, x[select(0u, rowBase + iw, ok)], ok);
}

fn store(inGroup: bool, n: u32, o: u32, oh: u32, ow: u32, v: vec4<f32>) {
  if (!inGroup) { return; }
  var b = 0.0;
  if (HAS_BIAS) { b = bias[o]; }
  let row = ((n * O_ + o) * OH_ + oh) * OW_;
  for (var j = 0u; j < 4u; j++) {
    if (OW_ % 4u == 0u || ow + j < OW_) { y[row + ow + j] = activate(v[j] + b); }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (t >= params.N * OH_ * WQ * GROUPS * OQ) { return; }
  let oq = t % OQ;
  let g = (t / OQ) % GROUPS;
  let wq = (t / (OQ * GROUPS)) % WQ;
  let oh = (t / (OQ * GROUPS * WQ)) % OH_;
  let n = t / (OQ * GROUPS * WQ * OH_);

  // The 4 output channels, clamped into the group (the extra ones are dropped at the store).
  let o0 = g * OG + 4u * oq;
  let w0 = min(o0, g * OG + OG - 1u) * TAPS;
  let w1 = min(o0 + 1u, g * OG + OG - 1u) * TAPS;
  let w2 = min(o0 + 2u, g * OG + OG - 1u) * TAPS;
  let w3 = min(o0 + 3u, g * OG + OG - 1u) * TAPS;
  let ow = 4u * wq;
  let ih0 = oh * SH - PH; // wrapping u32: a row above the input fails the < H_ test
  let iw0 = ow * SW - PW;
  let xBase = (n * C_ + g * CG) * H_ * W_;

  var acc0 = vec4<f32>(); // channel o0 + i in acc_i, the 4 pixels in the lanes
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  var k = 0u;
  for (var c = 0u; c < CG; c++) {
    for (var kh = 0u; kh < KH; kh++) {
      let ih = ih0 + kh * DH;
      let rowOk = ih < H_;
      let rowBase = xBase + (c * H_ + ih) * W_;
      if (KW == 3u && SW == 1u && DW_ == 1u) {
        // The common 3×3 stride-1 row: 6 inputs serve the 3 taps of the 4 pixels.
        let r0 = tap(rowBase, rowOk, iw0);
        let r1 = tap(rowBase, rowOk, iw0 + 1u);
        let r2 = tap(rowBase, rowOk, iw0 + 2u);
        let r3 = tap(rowBase, rowOk, iw0 + 3u);
        let r4 = tap(rowBase, rowOk, iw0 + 4u);
        let r5 = tap(rowBase, rowOk, iw0 + 5u);
        let v0 = vec4(r0, r1, r2, r3);
        let v1 = vec4(r1, r2, r3, r4);
        let v2 = vec4(r2, r3, r4, r5);
        acc0 += w[w0 + k] * v0 + w[w0 + k + 1u] * v1 + w[w0 + k + 2u] * v2;
        acc1 += w[w1 + k] * v0 + w[w1 + k + 1u] * v1 + w[w1 + k + 2u] * v2;
        acc2 += w[w2 + k] * v0 + w[w2 + k + 1u] * v1 + w[w2 + k + 2u] * v2;
        acc3 += w[w3 + k] * v0 + w[w3 + k + 1u] * v1 + w[w3 + k + 2u] * v2;
        k += 3u;
      } else {
        for (var kw = 0u; kw < KW; kw++) {
          let iw = iw0 + kw * DW_;
          let v = vec4(tap(rowBase, rowOk, iw), tap(rowBase, rowOk, iw + SW), tap(rowBase, rowOk, iw + 2u * SW), tap(rowBase, rowOk, iw + 3u * SW));
          acc0 += w[w0 + k] * v;
          acc1 += w[w1 + k] * v;
          acc2 += w[w2 + k] * v;
          acc3 += w[w3 + k] * v;
          k++;
        }
      }
    }
  }
  store(4u * oq < OG, n, o0, oh, ow, acc0);
  store(4u * oq + 1u < OG, n, o0 + 1u, oh, ow, acc1);
  store(4u * oq + 2u < OG, n, o0 + 2u, oh, ow, acc2);
  store(4u * oq + 3u < OG, n, o0 + 3u, oh, ow, acc3);
}
