// conv2d_col2im.wgsl: the input gradient of a dense conv2d from the gradient of its patches, for the backward
// that runs as matrix products on CPU adapters (src/engine/ops/conv-matmul-grad.ts). The product
// dcols[n] = wᵀ [C·kH·kW, O] · gy[n] [O, OH·OW] gives each patch entry's gradient; this pass adds up, for every
// input element, the entries that read it (a gather: no atomics, no scatter):
//   dx[n, c, ih, iw] = Σ_{kh, kw} dcols[n, (c, kh, kw), (oh, ow)]
//     over the taps with ih + pH − kh·dH = oh·sH and iw + pW − kw·dW = ow·sW, 0 ≤ oh < OH, 0 ≤ ow < OW.
// Layouts (row-major f32): dcols [N, C·kH·kW, OH·OW], dx [N, C, H, W] (groups = 1).
// Every size but the batch is an override literal (conv2d_reg_geometry.wgsl, prepended by the engine), so the
// divisions fold; N comes from params. One thread per element of dx, 256 per workgroup, spread over x and y by
// grid() (kernel.ts). Threads of a row read neighbouring columns of dcols for each tap.
//
// Bench: `npm run bench -- --filter bwd --versions` (bench/cases/conv.ts), the `matmul` variant of the backward
// rows: dgrad as this pass after the product, wgrad as im2col (BATCH_COLS) times the permuted gradient.
// v      | idea                                                     | figure          | device                              | shape
// matmul | wᵀ·gy by matmul v7 / v6, then this gather (col2im)       | no committed run yet | SwiftShader, Chrome, 2 shared cores | bench bwd rows

override TAPS: u32 = C_ * KH * KW;   // rows of dcols per image
override PIX: u32 = OH_ * OW_;       // columns of dcols

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> dcols: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (t >= params.N * C_ * H_ * W_) { return; }
  let iw = t % W_;
  let ih = (t / W_) % H_;
  let c = (t / (W_ * H_)) % C_;
  let n = t / (W_ * H_ * C_);
  let base = (n * TAPS + c * KH * KW) * PIX;
  var acc = 0.0;
  for (var kh = 0u; kh < KH; kh++) {
    // The output row this tap reads from: ih + pH − kh·dH on the stride grid and inside [0, OH).
    let numH = ih + PH;
    if (numH < kh * DH) { continue; }
    let offH = numH - kh * DH;
    let oh = offH / SH;
    if (oh * SH != offH || oh >= OH_) { continue; }
    for (var kw = 0u; kw < KW; kw++) {
      let numW = iw + PW;
      if (numW < kw * DW_) { continue; }
      let offW = numW - kw * DW_;
      let ow = offW / SW;
      if (ow * SW != offW || ow >= OW_) { continue; }
      acc += dcols[base + (kh * KW + kw) * PIX + oh * OW_ + ow];
    }
  }
  dx[t] = acc;
}
