// conv2d_dgrad_reg.wgsl (v3): the conv2d input gradient as a direct register-tiled reduction with no workgroup
// memory and no barrier, for CPU implementations of WebGPU (see matmul_reg.wgsl for why).
//   dx[n, c, ih, iw] = Σ_{o < Og, kh, kw} gy[n, g·Og + o, oh, ow] · w[g·Og + o, c, kh, kw]
//     where ih = oh·sH − pH + kh·dH and iw = ow·sW − pW + kw·dW (taps that hit no output add nothing)
// Layouts (row-major f32): gy [N, O, OH, OW], w [O, Cg, kH, kW], dx [N, C, H, W].
// Each thread computes 4 neighbouring inputs of one row (iw = 4q … 4q + 3) for 4 input channels of one
//   group: 4 vec4 accumulators, one per channel, the pixels in the lanes. For each (o, kh) row it reads the
//   gradient at the output columns its taps reach (a 3×3 stride-1 row: 6 values serve the 3 taps of the 4
//   pixels) and 4 weights per tap. Threads run the channel quad fastest.
// Every size but the batch is a literal (override constants, one pipeline per layer shape); N from params.
// Dispatch: 1-D workgroups of 64 over N·H·ceil(W/4)·groups·ceil(Cg/4) threads, spread over x/y by grid().
//
// Figures: v1 and v2 from bench/results/2026-12-02-google-swiftshader-chrome-conv2d-resnet18-layer2-128-128-28-n1.json,
// v3 from bench/results/2026-12-07-google-swiftshader-chrome-cpu-kernel-versions.json (load average ~13).
// v  | idea | figure (dgrad + wgrad) | device | shape
// v1 | one thread per input pixel, gather over taps | 6731 ms, 0.069 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v2 | implicit GEMM per stride phase, 64×64 tile | 1533 ms, 0.30 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v3 | direct, no barrier, 4 px × 4 ch per thread | 1048 ms, 0.44 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²

// The layer geometry (C_, H_, W_, O_, OH_, OW_, GROUPS, KH, KW, SH, SW, PH, PW, DH, DW_, CG, OG) is in
// conv2d_reg_geometry.wgsl, which the engine prepends to each of the three register-tiled conv kernels.

override CQ: u32 = (CG + 3u) / 4u;
override WQ: u32 = (W_ + 3u) / 4u;
override KHW: u32 = KH * KW;

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// The gradient at output column num / SW of a row (num = iw + pW − kw·dW, wrapping): 0 where no output lands.
fn gtap(rowBase: u32, rowOk: bool, num: u32) -> f32 {
  let ok = rowOk && num % SW == 0u && num / SW < OW_;
  return select(0.0, gy[select(0u, rowBase + num / SW, ok)], ok);
}

fn store(inGroup: bool, n: u32, c: u32, ih: u32, iw: u32, v: vec4<f32>) {
  if (!inGroup) { return; }
  let row = ((n * C_ + c) * H_ + ih) * W_;
  for (var j = 0u; j < 4u; j++) {
    if (W_ % 4u == 0u || iw + j < W_) { dx[row + iw + j] = v[j]; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (t >= params.N * H_ * WQ * GROUPS * CQ) { return; }
  let cq = t % CQ;
  let g = (t / CQ) % GROUPS;
  let wq = (t / (CQ * GROUPS)) % WQ;
  let ih = (t / (CQ * GROUPS * WQ)) % H_;
  let n = t / (CQ * GROUPS * WQ * H_);

  // The 4 input channels (within the group), clamped; the extra ones are dropped at the store.
  let c0 = 4u * cq;
  let wc0 = min(c0, CG - 1u) * KHW;
  let wc1 = min(c0 + 1u, CG - 1u) * KHW;
  let wc2 = min(c0 + 2u, CG - 1u) * KHW;
  let wc3 = min(c0 + 3u, CG - 1u) * KHW;
  let iw0 = 4u * wq;

  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  for (var o = 0u; o < OG; o++) {
    let oc = g * OG + o;
    let wo = oc * CG * KHW;
    for (var kh = 0u; kh < KH; kh++) {
      let numh = ih + PH - kh * DH; // wrapping u32: a negative one fails the < OH_ test
      let rowOk = numh % SH == 0u && numh / SH < OH_;
      let rowBase = ((n * O_ + oc) * OH_ + numh / SH) * OW_;
      let k = wo + kh * KW;
      if (KW == 3u && SW == 1u && DW_ == 1u) {
        // 6 gradient values serve the 3 taps of the 4 pixels: pixel j, tap kw reads r[j − kw + 2].
        let base = iw0 + PW - 2u;
        let r0 = gtap(rowBase, rowOk, base);
        let r1 = gtap(rowBase, rowOk, base + 1u);
        let r2 = gtap(rowBase, rowOk, base + 2u);
        let r3 = gtap(rowBase, rowOk, base + 3u);
        let r4 = gtap(rowBase, rowOk, base + 4u);
        let r5 = gtap(rowBase, rowOk, base + 5u);
        let v0 = vec4(r2, r3, r4, r5);
        let v1 = vec4(r1, r2, r3, r4);
        let v2 = vec4(r0, r1, r2, r3);
        acc0 += w[wc0 + k] * v0 + w[wc0 + k + 1u] * v1 + w[wc0 + k + 2u] * v2;
        acc1 += w[wc1 + k] * v0 + w[wc1 + k + 1u] * v1 + w[wc1 + k + 2u] * v2;
        acc2 += w[wc2 + k] * v0 + w[wc2 + k + 1u] * v1 + w[wc2 + k + 2u] * v2;
        acc3 += w[wc3 + k] * v0 + w[wc3 + k + 1u] * v1 + w[wc3 + k + 2u] * v2;
      } else {
        for (var kw = 0u; kw < KW; kw++) {
          let num = iw0 + PW - kw * DW_;
          let v = vec4(gtap(rowBase, rowOk, num), gtap(rowBase, rowOk, num + 1u), gtap(rowBase, rowOk, num + 2u), gtap(rowBase, rowOk, num + 3u));
          acc0 += w[wc0 + k + kw] * v;
          acc1 += w[wc1 + k + kw] * v;
          acc2 += w[wc2 + k + kw] * v;
          acc3 += w[wc3 + k + kw] * v;
        }
      }
    }
  }
  let cBase = g * CG + c0;
  store(c0 < CG, n, cBase, ih, iw0, acc0);
  store(c0 + 1u < CG, n, cBase + 1u, ih, iw0, acc1);
  store(c0 + 2u < CG, n, cBase + 2u, ih, iw0, acc2);
  store(c0 + 3u < CG, n, cBase + 3u, ih, iw0, acc3);
}
