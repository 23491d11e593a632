// conv2d's forward as a matrix product, the CPU rules' choice for dense convs (groups = 1): y[n] = w · cols[n],
// with w viewed as [O, C·kH·kW] and cols[n] the input patches [C·kH·kW, OH·OW] (conv2d_im2col.wgsl; a 1×1
// conv with stride 1 and no padding reads x[n] as [C, H·W] itself). The product runs through the matmul
// versions' auto rule (on a CPU adapter v7, or v6 where a row is not a whole number of vec4 words), with the
// bias per output channel and the activation (relu, relu6) in its epilogue, written straight into y.
// Why: on SwiftShader the register-tiled matmul reads its operands as words and keeps an 8 × 4 block per
// thread, where conv2d_fwd_reg (v3) gathers single values per tap; the patches cost one memory-bound pass. In one
// `--versions` run (bench/results/2026-12-07-google-swiftshader-chrome-cpu-kernel-versions.json, GPU timestamps,
// load average ~13): resnet18 layer2 128→128 28² N1 220 ms against v3's 431; untuned 17→40 13²/2 N3 2.89 against
// 8.98 ms; mnist conv2 32→64 14² N4 40.7 against 42.6 ms.
// The patches of the whole batch are one buffer; a layer whose patches would pass COLS_MAX_BYTES stays on v3.

import im2colWgsl from '../../shaders/conv2d_im2col.wgsl?raw';
import regGeometryWgsl from '../../shaders/conv2d_reg_geometry.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { rawView, type Tensor } from '../tensor.ts';
import type { Conv2dForwardProblem, Conv2dGeometry, ConvShape } from './conv-geometry.ts';
import { CONV_PARAMS, convParams, regShape } from './conv-params.ts';
import { matmulVersions } from './matmul.ts';

export const im2colKernel = defineKernel('conv2d_im2col', regGeometryWgsl + im2colWgsl, ['read', 'write'], CONV_PARAMS);

/** The most bytes of patches the matmul path writes (the whole batch at once). */
export const COLS_MAX_BYTES = 64 * 1024 * 1024;

/** A 1×1 conv with stride 1 and no padding: its patches are the input itself. */
export const isPointwise = (d: Conv2dGeometry): boolean => d.kH === 1 && d.kW === 1 && d.sH === 1 && d.sW === 1 && d.pH === 0 && d.pW === 0;

/**
 * The CPU rules' forward choice for a dense layer the matmul path can take: v3 (direct) for a stride-1 layer
 * with a kernel wider than 1×1 and either a reduction C·kH·kW under 32 (a 1- or 3-channel stem) or at most 32
 * output channels; the product otherwise. Such a product is a thin sliver (N = O ≤ 32 columns, or K < 32) whose
 * patches cost more than v3's direct sum. GPU timestamps on SwiftShader, `--versions`, load ~2 (2026-12-08):
 * small-ResNet layer1 16→16 32² N4 v3 7.70 vs product 14.2 ms, layer2 32→32 16² N4 7.35 vs 9.28; at load ~14
 * (direction only): MNIST conv1 1→32 28² N2 1.17 vs 1.67, N16 17.2 vs 20.9, small-ResNet conv1 3→16 4.41 vs
 * 8.79. Stride-2 and 1×1 layers and wider outputs stay on the product: 16→32 32²/2 4.95 vs 6.79 (product),
 * MNIST conv2 32→64 14² N16 113 vs 176.
 */
export function forwardDirectOnCpu(d: Conv2dGeometry): boolean {
  if (d.sH !== 1 || d.sW !== 1 || d.kH * d.kW === 1) return false;
  return d.C * d.kH * d.kW < 32 || d.O <= 32;
}

/** Why the matmul path cannot take a layer: grouped, or patches past COLS_MAX_BYTES. */
export function convMatmulRejects({ d }: ConvShape): string | null {
  if (d.groups !== 1) return `runs dense convs only (groups 1), got groups ${d.groups}`;
  const bytes = 4 * d.N * d.C * d.kH * d.kW * d.OH * d.OW;
  if (!isPointwise(d) && bytes > COLS_MAX_BYTES) return `its patches would take ${bytes} bytes, more than ${COLS_MAX_BYTES}`;
  return null;
}

export function forwardMatmul({ x, w, b, d, out, activation }: Conv2dForwardProblem): void {
  const K = d.C * d.kH * d.kW;
  const P = d.OH * d.OW;
  let cols: Tensor;
  if (isPointwise(d)) {
    cols = rawView(x, [d.N, K, P], false);
  } else {
    // Labelled `im2col`, not conv2d.*: traces that tell the conv's backward kernels by their conv2d. prefix (a
    // multi-task trunk's) see the forward's product as conv2d.forward and this pass apart.
    cols = emptyTensor([d.N, K, P], 'float32', 'im2col');
    launch(im2colKernel, [x, cols], {
      params: convParams(d), constants: regShape(d), workgroups: grid(Math.ceil(cols.size / 256)), label: 'im2col',
    });
  }
  const a = rawView(w, [1, d.O, K], false);
  const y = rawView(out, [d.N, d.O, P], false);
  try {
    matmulVersions.run({
      a, b: cols, M: d.O, N: P, K, batch: d.N, transA: false, transB: false, aBatched: false, bBatched: true,
      bias: b, biasAlong: 'm', activation, out: y, label: 'conv2d.forward',
    });
  } finally {
    a.dispose();
    y.dispose();
    cols.dispose();
  }
}
