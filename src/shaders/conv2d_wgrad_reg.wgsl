// conv2d_wgrad_reg.wgsl (v3): the conv2d weight gradient as a register-tiled reduction with no workgroup memory
// and no barrier, for CPU implementations of WebGPU (see matmul_reg.wgsl for why).
//   dw[o, c, kh, kw] = Σ_{n, oh, ow} gy[n, o, oh, ow] · x[n, g·Cg + c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]
// Layouts (row-major f32): gy [N, O, OH, OW], x [N, C, H, W], dw [O, Cg, kH, kW] (or, with SPLIT, raw partial
//   sums [splits, O, Cg·kH·kW] that conv2d_wgrad_reduce.wgsl adds up). With HAS_BIAS, O more threads (after the
//   weight threads) sum db[o] = Σ gy[n, o, oh, ow] over the same rows into db [O] (or partials [splits, O]).
// Each thread computes 4 output channels × 4 consecutive taps k = (c, kh, kw) of the flattened Cg·kH·kW (their
//   offsets decoded once), walking the output rows (n, oh) of its range and the columns ow of each row: per
//   position 4 gradients, 4 inputs (masked in the padding) and 16 multiply-adds. Threads run the tap quad
//   fastest, so the lanes of a 4-lane group read the same gradients.
// Split-K (SPLIT): range r of params.splits covers output rows [r·chunk, (r+1)·chunk) of the N·OH rows (the
//   engine splits when the outputs alone give a CPU's cores too few workgroups).
// Every size but the batch is a literal (override constants, one pipeline per layer shape); N from params.
// Dispatch: 1-D workgroups of 64 over groups·ceil(Og/4)·ceil(Cg·kH·kW/4) (+ O) threads per range, grid() x/y, z = range.
//
// Figures: v1 and v2 from bench/results/2026-12-02-google-swiftshader-chrome-conv2d-resnet18-layer2-128-128-28-n1.json,
// v3 from bench/results/2026-12-07-google-swiftshader-chrome-cpu-kernel-versions.json (load average ~13).
// v  | idea | figure (dgrad + wgrad) | device | shape
// v1 | one thread per weight, loops over N·OH·OW | 6731 ms, 0.069 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v2 | implicit GEMM, split-K over N·OH·OW, then reduce | 1533 ms, 0.30 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²
// v3 | direct, no barrier, 4 ch × 4 taps per thread | 1048 ms, 0.44 GFLOP/s | SwiftShader (CPU, 2 cores) | N1 128→128 3×3 p1 28²

override SPLIT: bool = false;
override HAS_BIAS: bool = false;
// The layer geometry (C_, H_, W_, O_, OH_, OW_, GROUPS, KH, KW, SH, SW, PH, PW, DH, DW_, CG, OG) is in
// conv2d_reg_geometry.wgsl, which the engine prepends to each of the three register-tiled conv kernels.

override OQ: u32 = (OG + 3u) / 4u;
override TAPS: u32 = CG * KH * KW;
override KQ: u32 = (TAPS + 3u) / 4u;

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;
@group(0) @binding(3) var<storage, read_write> db: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// Tap k of the group's input: x's channel-plane offset plus its row and column offsets (kh·dH, kw·dW).
struct Tap { off: u32, dh: u32, dw: u32 }

fn decode(k: u32) -> Tap {
  let kk = min(k, TAPS - 1u); // past the last tap: a copy of it (dropped at the store)
  let c = kk / (KH * KW);
  let kh = (kk / KW) % KH;
  let kw = kk % KW;
  return Tap(c * H_ * W_, kh * DH, kw * DW_);
}

// x at (row ih, column iw) of the tap's plane, 0 in the padding.
fn xat(plane: u32, ih: u32, iw: u32) -> f32 {
  let ok = ih < H_ && iw < W_;
  return select(0.0, x[select(0u, plane + ih * W_ + iw, ok)], ok);
}

fn store(range: u32, o: u32, ok: bool, k: u32, v: vec4<f32>) {
  if (!ok) { return; }
  let base = (range * O_ + o) * TAPS + k;
  for (var j = 0u; j < 4u; j++) {
    if (k + j < TAPS) { dw[base + j] = v[j]; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * 64u + lid;
  let range = select(0u, wid.z, SPLIT);
  let rows = params.N * OH_;
  let rBegin = select(0u, range * params.chunk, SPLIT);
  let rEnd = select(rows, min(rows, rBegin + params.chunk), SPLIT);
  if (t >= GROUPS * OQ * KQ) {
    let o = t - GROUPS * OQ * KQ;
    if (!HAS_BIAS || o >= O_) { return; }
    var sum = 0.0;
    for (var r = rBegin; r < rEnd; r++) {
      let row = ((r / OH_ * O_ + o) * OH_ + r % OH_) * OW_;
      for (var ow = 0u; ow < OW_; ow++) { sum += gy[row + ow]; }
    }
    db[range * O_ + o] = sum;
    return;
  }
  let kq = t % KQ;
  let oq = (t / KQ) % OQ;
  let g = t / (KQ * OQ);

  let k0 = 4u * kq;
  let t0 = decode(k0);
  let t1 = decode(k0 + 1u);
  let t2 = decode(k0 + 2u);
  let t3 = decode(k0 + 3u);
  let o0 = 4u * oq;
  // The 4 output channels' planes of gy (clamped into the group; the extra ones are dropped at the store).
  let oc0 = g * OG + min(o0, OG - 1u);
  let oc1 = g * OG + min(o0 + 1u, OG - 1u);
  let oc2 = g * OG + min(o0 + 2u, OG - 1u);
  let oc3 = g * OG + min(o0 + 3u, OG - 1u);

  var acc0 = vec4<f32>(); // channel o0 + i in acc_i, the 4 taps in the lanes
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  for (var r = rBegin; r < rEnd; r++) {
    let n = r / OH_;
    let oh = r % OH_;
    let xPlane = (n * C_ + g * CG) * H_ * W_;
    let ihBase = oh * SH - PH; // wrapping u32
    let g0 = ((n * O_ + oc0) * OH_ + oh) * OW_;
    let g1 = ((n * O_ + oc1) * OH_ + oh) * OW_;
    let g2 = ((n * O_ + oc2) * OH_ + oh) * OW_;
    let g3 = ((n * O_ + oc3) * OH_ + oh) * OW_;
    for (var ow = 0u; ow < OW_; ow++) {
      let iwBase = ow * SW - PW;
      let v = vec4(
        xat(xPlane + t0.off, ihBase + t0.dh, iwBase + t0.dw),
        xat(xPlane + t1.off, ihBase + t1.dh, iwBase + t1.dw),
        xat(xPlane + t2.off, ihBase + t2.dh, iwBase + t2.dw),
        xat(xPlane + t3.off, ihBase + t3.dh, iwBase + t3.dw),
      );
      acc0 += gy[g0 + ow] * v;
      acc1 += gy[g1 + ow] * v;
      acc2 += gy[g2 + ow] * v;
      acc3 += gy[g3 + ow] * v;
    }
  }
  let oBase = g * OG + o0;
  store(range, oBase, o0 < OG, k0, acc0);
  store(range, oBase + 1u, o0 + 1u < OG, k0, acc1);
  store(range, oBase + 2u, o0 + 2u < OG, k0, acc2);
  store(range, oBase + 3u, o0 + 3u < OG, k0, acc3);
}
