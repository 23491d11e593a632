// conv2d's backward as matrix products, the CPU rules' choice for dense convs where it wins (conv.ts, the
// `matmul` version of conv2d.dgrad and conv2d.wgrad), the way conv-matmul.ts runs the forward. With K = C·kH·kW
// taps, P = OH·OW output pixels and the weight viewed as w [O, K]:
//   dgrad  dcols[n] = wᵀ · gy[n]  ([K, O] · [O, P], w read transposed, no copy), then dx = col2im(dcols)
//          (conv2d_col2im.wgsl: each input element gathers the patch entries that read it); a 1×1 conv with
//          stride 1 and no padding writes wᵀ · gy[n] straight into dx[n] [C, H·W].
//   wgrad  dw = gy' · colsᵀ  ([O, N·P] · [N·P, K]): cols [K, N·P] is im2col with the images side by side
//          (BATCH_COLS), gy' [O, N·P] the gradient with its batch and channel dims swapped (the same kernel
//          with a 1×1 geometry; at N = 1 gy itself), so the reduction over the batch is the product's K, one
//          launch and no partial sums. A 1×1 stride-1 unpadded conv at N = 1 reads x [C, H·W] as cols.
//          db, when asked, is its own conv2d_bias_grad pass (v3 folds it into the weight gradient).
// The products run through the matmul versions' auto rule (on a CPU adapter v7, or v6 where a row is not a whole
// number of vec4 words). dcols and cols are as large as the forward's patches, bounded by COLS_MAX_BYTES
// (convMatmulRejects); gy' is the size of gy.

import col2imWgsl from '../../shaders/conv2d_col2im.wgsl?raw';
import regGeometryWgsl from '../../shaders/conv2d_reg_geometry.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { rawView, type Tensor } from '../tensor.ts';
import type { Conv2dGeometry, Conv2dInputGradProblem, Conv2dWeightGradProblem } from './conv-geometry.ts';
import { biasGradPass } from './conv-bias-grad.ts';
import { convMatmulRejects, im2colKernel, isPointwise } from './conv-matmul.ts';
import { CONV_PARAMS, convParams, regShape } from './conv-params.ts';
import { matmulVersions } from './matmul.ts';

const col2imKernel = defineKernel('conv2d_col2im', regGeometryWgsl + col2imWgsl, ['read', 'write'], CONV_PARAMS);

/** Runs conv2d_im2col on `src` [N, C, H, W] of geometry `d` into a new [K, N·P] tensor (BATCH_COLS). */
function batchCols(src: Tensor, d: Conv2dGeometry, label: string): Tensor {
  const cols = emptyTensor([d.C * d.kH * d.kW, d.N * d.OH * d.OW], 'float32', label);
  launch(im2colKernel, [src, cols], {
    params: convParams(d), constants: { ...regShape(d), BATCH_COLS: 1 }, workgroups: grid(Math.ceil(cols.size / 256)), label,
  });
  return cols;
}

/** The 1×1 geometry that makes im2col (BATCH_COLS) permute gy [N, O, OH, OW] into [O, N·OH·OW]. */
const gradientAsInput = (d: Conv2dGeometry): Conv2dGeometry => ({
  ...d, C: d.O, Cg: d.O, H: d.OH, W: d.OW, kH: 1, kW: 1, sH: 1, sW: 1, pH: 0, pW: 0, dH: 1, dW: 1, groups: 1,
});

/** dx = col2im(wᵀ · gy) (dense convs; for a 1×1 stride-1 unpadded conv the product is dx). */
export function dgradMatmul({ g, w, d }: Conv2dInputGradProblem): Tensor {
  const K = d.C * d.kH * d.kW;
  const P = d.OH * d.OW;
  const dx = emptyTensor([d.N, d.C, d.H, d.W]);
  const pointwise = isPointwise(d);
  // Labelled apart from conv2d.*, as the forward's im2col: the product and the gather are the dgrad's work.
  const dcols = pointwise ? rawView(dx, [d.N, K, P], false) : emptyTensor([d.N, K, P], 'float32', 'col2im.cols');
  const a = rawView(w, [1, d.O, K], false);
  const b = rawView(g, [d.N, d.O, P], false);
  try {
    matmulVersions.run({
      a, b, M: K, N: P, K: d.O, batch: d.N, transA: true, transB: false, aBatched: false, bBatched: true, out: dcols, label: 'conv2d.dgrad',
    });
    if (!pointwise) {
      launch(col2imKernel, [dcols, dx], {
        params: convParams(d), constants: regShape(d), workgroups: grid(Math.ceil(dx.size / 256)), label: 'conv2d.dgrad_col2im',
      });
    }
  } catch (e) {
    dx.dispose();
    throw e;
  } finally {
    a.dispose();
    b.dispose();
    dcols.dispose();
  }
  return dx;
}

/** dw = gy' · colsᵀ over the whole batch (one product); db, when given, by its own pass. */
export function wgradMatmul({ g, x, d, db }: Conv2dWeightGradProblem): Tensor {
  const K = d.C * d.kH * d.kW;
  const NP = d.N * d.OH * d.OW;
  const single = d.N === 1;
  const gy = single ? rawView(g, [d.O, NP], false) : batchCols(g, gradientAsInput(d), 'im2col.gradient');
  const cols = single && isPointwise(d) ? rawView(x, [K, NP], false) : batchCols(x, d, 'im2col');
  const dw = emptyTensor([d.O, d.C, d.kH, d.kW]);
  const a = rawView(gy, [1, d.O, NP], false);
  const b = rawView(cols, [1, K, NP], false);
  const out = rawView(dw, [1, d.O, K], false);
  try {
    matmulVersions.run({
      a, b, M: d.O, N: K, K: NP, batch: 1, transA: false, transB: true, aBatched: false, bBatched: false, out, label: 'conv2d.wgrad',
    });
    if (db) biasGradPass(g, null, d, 'none', db);
  } catch (e) {
    dw.dispose();
    throw e;
  } finally {
    for (const t of [a, b, out, gy, cols]) t.dispose();
  }
  return dw;
}

/**
 * The CPU rules' backward choice for a dense conv, by pass. dgrad: `matmul` unless convMatmulRejects it (its
 * patches past COLS_MAX_BYTES), else v3. wgrad: the same, except v3 for a layer with fewer than
 * WGRAD_MATMUL_MIN_TAPS taps C·kH·kW (a 1- or 3-channel stem, a thin 1×1), where the product is a sliver whose
 * patches and permuted gradient cost more than v3's direct sum. From `--versions` runs of the bench's backward
 * rows on SwiftShader (2 cores shared, load 11–22, so only the large differences count; the report of the
 * convbwd branch has the figures): wgrad as a product lost at 9 taps (MNIST conv1, N2 and N16), 16 and 24 taps
 * (1×1 downsample 16→32, MobileNet expand 24→144), tied at 27 (3→16 3×3), won from 144 taps up (ResNet
 * 128→128 and 256→512/2, MobileNet project 144→24, MNIST conv2); dgrad as a product won or tied on every row,
 * by 2–10× on the stride-2 layers.
 */
export function backwardAuto(d: Conv2dGeometry, pass: 'dgrad' | 'wgrad'): 'matmul' | 'v3' {
  if (convMatmulRejects({ d }) !== null) return 'v3';
  if (pass === 'wgrad' && d.C * d.kH * d.kW < WGRAD_MATMUL_MIN_TAPS) return 'v3';
  return 'matmul';
}

/** The fewest taps (C·kH·kW) for which the CPU rules run the weight gradient as a product. */
const WGRAD_MATMUL_MIN_TAPS = 32;
