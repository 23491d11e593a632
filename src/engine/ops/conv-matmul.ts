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
