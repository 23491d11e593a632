// matmul with PyTorch semantics: 1-D operands are promoted (and the added dim removed again), 2-D is a
// plain product, and higher ranks are batched with broadcast batch dims. Backward needs no transposed
// copies: the kernels take transposed operands directly.
//   dA = g · Bᵀ      dB = Aᵀ · g      (summed over broadcast batch dims)
// When B is one matrix shared by a batched A, dB = Σ_b A_bᵀ g_b is a single product on [batch·M, K] and
// [batch·M, N] views, Aᵀ · g, with no reduction. linear (ops/linear.ts) is built on bmm, with the bias and
// activation in the kernels' epilogue. This module imports no elementwise or reduction op (and of the shape
// ops only the strided copy, for batch dims that are only partly broadcast), so an app that only multiplies
// bundles little more than the matmul kernels (README, "Size"); the other broadcast batch gradients are
// summed by autograd's sumToForBackward (engine/autograd.ts), which the main entry wires up.
//
// Kernel versions (src/shaders/matmul_*.wgsl), all kept and all supporting the full problem (transposes,
// broadcast batch, bias + activation epilogue):
//   v1 naive     one thread per output                                   (matmul_naive.wgsl)
//   v2 tiled     64×64 workgroup tile, 4×4 outputs per thread, K step 16  (matmul_tiled.wgsl)
//   v3 large     128×128 tile, 8×8 per thread, double-buffered, K step 8 (matmul_tiled_large.wgsl)
// `matmulVersions` (src/engine/runtime/kernel-registry.ts) registers them with v2 the default and `chooseMatmulVersion`
// the auto rule; tests and benchmarks force one with `kernelVersions.force('matmul', 'v1')`.

import matmulNaiveWgsl from '../../shaders/matmul_naive.wgsl?raw';
import matmulTiledLargeWgsl from '../../shaders/matmul_tiled_large.wgsl?raw';
import matmulTiledWgsl from '../../shaders/matmul_tiled.wgsl?raw';
import erfWgsl from '../../shaders/erf.wgsl?raw';
import matmulCommonWgsl from '../../shaders/matmul_common.wgsl?raw';
import { MAX_WORKGROUPS_PER_DIM, defineKernel, type Kernel, type ParamsFields } from '../../shaders/kernel.ts';
import { attach, sumToForBackward } from '../autograd.ts';
import { defineKernelVersions, type Tuning } from '../runtime/kernel-registry.ts';
import { DTypeError, ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { broadcastShapes, sizeOf, stridesOf } from '../shape.ts';
import { Tensor, checkOperand, rawView } from '../tensor.ts';
import { tensor } from './creation.ts';
import { gatherStrided } from './shape-ops.ts';

// ------------------------------------------------------------------ kernels

const BINDINGS = ['read', 'read', 'read', 'write'] as const; // A, B, bias, C
/** The `struct Params` of every matmul version; strides 0 broadcast a batch of 1, batch_base offsets a launch. */
const MATMUL_PARAMS = {
  M: 'u32', N: 'u32', K: 'u32', batch: 'u32', a_batch_stride: 'u32', b_batch_stride: 'u32', batch_base: 'u32',
} as const satisfies ParamsFields;
const naiveKernel = defineKernel('matmul_naive', erfWgsl + matmulCommonWgsl + matmulNaiveWgsl, BINDINGS, MATMUL_PARAMS);
const tiledKernel = defineKernel('matmul_tiled', erfWgsl + matmulCommonWgsl + matmulTiledWgsl, BINDINGS, MATMUL_PARAMS);
const tiledLargeKernel = defineKernel('matmul_tiled_large', erfWgsl + matmulCommonWgsl + matmulTiledLargeWgsl, BINDINGS, MATMUL_PARAMS);

export type Activation = 'none' | 'relu' | 'gelu';
/** The kernels' ACT override per activation. */
export const ACT_CODE: Record<Activation, number> = { none: 0, relu: 1, gelu: 2 };

/**
 * C[b] = act(op(A[b]) · op(B[b]) + bias) for `batch` matrices; A is [batch or 1, M, K] (or [.., K, M] when
 * transA) and B is [batch or 1, K, N] (or [.., N, K] when transB). A batch of 1 is broadcast. No autograd.
 * K ≥ 1 and M, N, batch ≥ 1 (bmm handles the empty cases).
 */
export interface MatmulProblem {
  a: Tensor;
  b: Tensor;
  M: number;
  N: number;
  K: number;
  batch: number;
  transA: boolean;
  transB: boolean;
  aBatched: boolean;
  bBatched: boolean;
  /** Added after the product: N values (biasAlong 'n', the default) or M values ('m'), shared by the batch. */
  bias?: Tensor | null;
  biasAlong?: 'n' | 'm';
  /** Applied last (after the bias). */
  activation?: Activation;
  /** Name for traceKernels (default 'matmul'). */
  label?: string;
}

/** What the auto rule and the launch plans read: the sizes. */
export type MatmulSizes = Pick<MatmulProblem, 'M' | 'N' | 'K' | 'batch'>;

interface TileGeometry {
  tileM: number;
  tileN: number;
  constants: Record<string, number>;
}

function launchMatmul(kernel: Kernel<typeof MATMUL_PARAMS>, p: MatmulProblem, g: TileGeometry): Tensor {
  const gx = Math.ceil(p.N / g.tileN);
  const gy = Math.ceil(p.M / g.tileM);
  if (gx > MAX_WORKGROUPS_PER_DIM || gy > MAX_WORKGROUPS_PER_DIM) {
    throw new ShapeError(`matmul: [${p.M}, ${p.K}] @ [${p.K}, ${p.N}] needs more than ${MAX_WORKGROUPS_PER_DIM} workgroups along a dim`);
  }
  const out = emptyTensor([p.batch, p.M, p.N], 'float32', p.label ?? 'matmul'); // after the checks: a throw leaks nothing
  const bias = p.bias ?? null;
  const constants: Record<string, number> = {
    ...g.constants,
    TRANS_A: p.transA ? 1 : 0,
    TRANS_B: p.transB ? 1 : 0,
    BIAS: bias ? (p.biasAlong === 'm' ? 2 : 1) : 0,
    ACT: ACT_CODE[p.activation ?? 'none'],
  };
  // Without a bias the binding still needs a buffer: A is bound there again (read-only twice is allowed).
  const tensors = [p.a, p.b, bias ?? p.a, out];
  for (let base = 0; base < p.batch; base += MAX_WORKGROUPS_PER_DIM) {
    const chunk = Math.min(MAX_WORKGROUPS_PER_DIM, p.batch - base);
    launch(kernel, tensors, {
      params: { M: p.M, N: p.N, K: p.K, batch: p.batch, a_batch_stride: p.aBatched ? p.M * p.K : 0, b_batch_stride: p.bBatched ? p.K * p.N : 0, batch_base: base },
      constants,
      workgroups: [gx, gy, chunk],
      label: p.label ?? 'matmul',
    });
  }
  return out;
}

/** v1: one thread per output element. The reference the faster versions are checked against. */
function matmulNaive(p: MatmulProblem): Tensor {
  return launchMatmul(naiveKernel, p, { tileM: 16, tileN: 16, constants: {} });
}

/** v2 tile geometry: WG_Y × WG_X threads, 4 × 4 outputs each, K step TILE_K. */
export const V2_TILES = { WG_X: 16, WG_Y: 16, TILE_K: 16 };

/** v2: workgroup tiles in shared memory, a 4×4 register block per thread. */
function matmulTiled(p: MatmulProblem): Tensor {
  const t = V2_TILES;
  return launchMatmul(tiledKernel, p, { tileM: 4 * t.WG_Y, tileN: 4 * t.WG_X, constants: { ...t } });
}

/**
 * v3 tile geometry: WG_Y × WG_X threads, 8 × 8 outputs each, K step TILE_K. Each thread prefetches a whole
 * number, at most MAX_LOADS (8), of each operand's tile elements (tests/unit/matmul-tiles.test.ts checks it).
 */
export const V3_TILES = { WG_X: 16, WG_Y: 16, TILE_K: 8 };

/** v3: 128×128 tiles, 8×8 per thread, double-buffered shared tiles with register prefetch. */
function matmulTiledLarge(p: MatmulProblem): Tensor {
  const t = V3_TILES;
  return launchMatmul(tiledLargeKernel, p, { tileM: 8 * t.WG_Y, tileN: 8 * t.WG_X, constants: { ...t } });
}

// ------------------------------------------------------------------ dispatch

/**
 * The size rule of the default dispatch. Tiny products (≤ 32³ multiply-adds per matrix, or a side under 8,
 * where a 64-wide tile would mostly idle) stay on v1; products with enough 128×128 tiles to fill a large
 * GPU (≥ 256 workgroups) use v3; the rest the default, v2.
 */
export function chooseMatmulVersion(p: Pick<MatmulProblem, 'M' | 'N' | 'K' | 'batch'>): 'v1' | 'v2' | 'v3' {
  if (p.M * p.N * p.K <= 32 * 32 * 32 || Math.min(p.M, p.N) < 8) return 'v1';
  if (Math.ceil(p.M / 128) * Math.ceil(p.N / 128) * p.batch >= 256) return 'v3';
  return 'v2';
}

/** Every matmul kernel version, naive first; `matmulVersions.run` runs every product the engine computes. */
export const matmulVersions = defineKernelVersions<MatmulProblem, Tensor, 'v1' | 'v2' | 'v3', Tuning, MatmulSizes>('matmul', {
  versions: {
    v1: { summary: 'matmul_naive: one thread per output', run: matmulNaive },
    v2: { summary: 'matmul_tiled: 64×64 tile, 4×4 outputs per thread, K step 16', run: matmulTiled },
    v3: { summary: 'matmul_tiled_large: 128×128 tile, 8×8 per thread, double-buffered, K step 8', run: matmulTiledLarge },
  },
  default: 'v2',
  auto: chooseMatmulVersion,
});

// ------------------------------------------------------------------ raw products

export interface BmmOptions {
  bias?: Tensor | null;
  biasAlong?: 'n' | 'm';
  activation?: Activation;
  label?: string;
}

/** Raw batched product on [batch, M, K]-style tensors (no autograd); used by matmul, linear and their backward. */
export function bmm(a: Tensor, b: Tensor, transA: boolean, transB: boolean, options: BmmOptions = {}): Tensor {
  const [ba, ra, ca] = [a.shape[0]!, a.shape[1]!, a.shape[2]!];
  const [bb, rb, cb] = [b.shape[0]!, b.shape[1]!, b.shape[2]!];
  const M = transA ? ca : ra;
  const K = transA ? ra : ca;
  const N = transB ? rb : cb;
  const batch = Math.max(ba, bb);
  if (sizeOf([batch, M, N]) === 0) return emptyTensor([batch, M, N]);
  if (K === 0) {
    // The product is all zeros: run it as a K = 1 product of zeros ([M, 1] · [1, N], one buffer for both),
    // so the bias and activation come from the same epilogue as every other product.
    const zeros = tensor(new Float32Array(Math.max(M, N)));
    const out = matmulVersions.run({ a: zeros, b: zeros, M, N, K: 1, batch, transA: false, transB: false, aBatched: false, bBatched: false, ...options });
    zeros.dispose();
    return out;
  }
  return matmulVersions.run({ a, b, M, N, K, batch, transA, transB, aBatched: ba > 1, bBatched: bb > 1, ...options });
}

// ------------------------------------------------------------------ matmul

export function matmul(a: Tensor, b: Tensor): Tensor {
  checkOperand('matmul', a, 'first operand');
  checkOperand('matmul', b, 'second operand');
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new DTypeError(`matmul: expected float32, got ${a.dtype} and ${b.dtype}`);
  if (a.rank === 0 || b.rank === 0) throw new ShapeError(`matmul: both operands need at least 1 dim, got ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  const aShape = a.rank === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bShape = b.rank === 1 ? [b.shape[0]!, 1] : [...b.shape];
  const M = aShape[aShape.length - 2]!;
  const K = aShape[aShape.length - 1]!;
  const K2 = bShape[bShape.length - 2]!;
  const N = bShape[bShape.length - 1]!;
  if (K !== K2) throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${K} vs ${K2})`);
  const batchShape = broadcastShapes('matmul', aShape.slice(0, -2), bShape.slice(0, -2));
  const batch = sizeOf(batchShape);

  // Each operand as [batch or 1, rows, cols]: a view, or a copy where its batch dims are only partly broadcast.
  const as3 = (t: Tensor, shape: number[], rows: number, cols: number): Tensor => {
    const own = shape.slice(0, -2);
    const ownBatch = sizeOf(own);
    if (ownBatch === batch || ownBatch === 1) return rawView(t, [ownBatch, rows, cols], false);
    const pad = batchShape.length - own.length;
    const strides = stridesOf(shape);
    const full = gatherStrided(t, [...batchShape, rows, cols], [...batchShape.map((_, i) => (i < pad || own[i - pad] === 1 ? 0 : strides[i - pad]!)), cols, 1], 0, 'matmul');
    const r = rawView(full, [batch, rows, cols], false);
    full.dispose();
    return r;
  };
  const a3 = as3(a, aShape, M, K);
  const b3 = as3(b, bShape, K, N);
  const c3 = bmm(a3, b3, false, false);
  a3.dispose();
  b3.dispose();
  let outShape = [...batchShape, M, N];
  if (a.rank === 1) outShape = [...batchShape, N];
  if (b.rank === 1) outShape = a.rank === 1 ? [...batchShape] : [...batchShape, M];
  const out = rawView(c3, outShape);
  c3.dispose();

  const aOrig = a.shape;
  const bOrig = b.shape;
  const bShared = batch > 1 && sizeOf(bShape.slice(0, -2)) === 1;
  return attach('matmul', [a, b], out, [a, b], (g, [a0, b0], needs) => {
    const g3 = rawView(g, [batch, M, N], false);
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      const Bm = as3(b0!, bShape, K, N);
      const d = bmm(g3, Bm, false, true, { label: 'matmul.grad_a' }); // [batch, M, K]
      Bm.dispose();
      ga = batchGradTo(d, aShape, batchShape, aOrig);
    }
    if (needs[1]) {
      const A = as3(a0!, aShape, M, K);
      if (bShared) {
        // Σ_b A_bᵀ g_b = A'ᵀ g' with A' = [batch·M, K] and g' = [batch·M, N]: one product, no reduction.
        const A2 = rawView(A, [1, batch * M, K], false);
        const g2 = rawView(g3, [1, batch * M, N], false);
        const d = bmm(A2, g2, true, false, { label: 'matmul.grad_b' }); // [1, K, N]
        A2.dispose();
        g2.dispose();
        gb = rawView(d, bOrig);
        d.dispose();
      } else {
        const d = bmm(A, g3, true, false, { label: 'matmul.grad_b' }); // [batch, K, N]
        gb = batchGradTo(d, bShape, batchShape, bOrig);
      }
      A.dispose();
    }
    g3.dispose();
    return [ga, gb];
  });
}

/** A [batch, r, c] gradient summed over the batch dims the operand was broadcast along, in its own shape. Consumes `d`. */
function batchGradTo(d: Tensor, promoted: number[], batchShape: number[], original: readonly number[]): Tensor {
  let summed = d;
  if (sizeOf(promoted.slice(0, -2)) !== sizeOf(batchShape)) {
    const full = rawView(d, [...batchShape, ...promoted.slice(-2)], false);
    d.dispose();
    summed = sumToForBackward(full, promoted);
    full.dispose();
  }
  const out = rawView(summed, original);
  summed.dispose();
  return out;
}
