// conv2d_im2col.wgsl: the input patches of a conv2d as a matrix, for the forward that runs as a matrix product
// on CPU adapters (src/engine/ops/conv-matmul.ts): cols[n, (c, kh, kw), (oh, ow)] =
//   x[n, c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW], 0 in the padding (groups = 1).
// Layouts (row-major f32): x [N, C, H, W], cols [N, C·kH·kW, OH·OW]; then y[n] = w [O, C·kH·kW] · cols[n].
// BATCH_COLS (the weight gradient's layout, conv-matmul-grad.ts): cols [C·kH·kW, N·OH·OW], the images side by
//   side along the columns, so dw = gy' [O, N·OH·OW] · colsᵀ is one product whose K runs over the whole batch.
//   With a 1×1 geometry (C_ = O, H_ = OH, W_ = OW) the same kernel permutes gy [N, O, P] into gy' [O, N, P].
// Every size but the batch is an override literal (conv2d_reg_geometry.wgsl, prepended by the engine), so the
// divisions that split an index fold; N comes from params. One thread per element of cols, 256 per workgroup,
// workgroups spread over x and y by grid() (kernel.ts).

override TAPS: u32 = C_ * KH * KW;   // rows of cols per image
override PIX: u32 = OH_ * OW_;       // columns of cols
override BATCH_COLS: bool = false;   // cols [TAPS, N·PIX] instead of [N, TAPS, PIX]

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32, groups: u32,
  kH: u32, kW: u32, sH: u32, sW: u32,
  pH: u32, pW: u32, dH: u32, dW: u32,
  splits: u32, chunk: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> cols: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (t >= params.N * TAPS * PIX) { return; }
  let p = t % PIX;
  let r = (t / PIX) % TAPS;
  let n = t / (PIX * TAPS);
  let kw = r % KW;
  let kh = (r / KW) % KH;
  let c = r / (KW * KH);
  let ih = (p / OW_) * SH + kh * DH - PH; // wrapping u32: a row above the input fails the < H_ test
  let iw = (p % OW_) * SW + kw * DW_ - PW;
  let ok = ih < H_ && iw < W_;
  // Threads walk the source order (n, r, p) either way; BATCH_COLS only moves each run of PIX values.
  let dst = select(t, (r * params.N + n) * PIX + p, BATCH_COLS);
  cols[dst] = select(0.0, x[select(0u, ((n * C_ + c) * H_ + ih) * W_ + iw, ok)], ok);
}
