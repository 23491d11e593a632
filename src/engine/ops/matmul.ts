// matmul with PyTorch semantics: 1-D operands are promoted (and the added dim removed again), 2-D is a
// plain product, and higher ranks are batched with broadcast batch dims. Backward needs no transposed
// copies: the kernels take transposed operands directly.
//   dA = g · Bᵀ      dB = Aᵀ · g      (summed over broadcast batch dims)
//
// The kernel is chosen by `matmulKernels.select()`; the naive v1 is the reference every faster version is
// checked against, and the default until the tiled kernels land.

import matmulNaiveWgsl from '../../shaders/matmul_naive.wgsl?raw';
import { defineKernel } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { DTypeError, ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../launch.ts';
import { broadcastShapes, sizeOf } from '../shape.ts';
import { Tensor, checkOperand } from '../tensor.ts';
import { fillInPlace } from './creation.ts';
import { sumTo } from './reduce.ts';
import { expand, reshape } from './shape-ops.ts';

const matmulNaiveKernel = defineKernel('matmul_naive', matmulNaiveWgsl, ['read', 'read', 'write']);

/**
 * C[b] = op(A[b]) · op(B[b]) for `batch` matrices; A is [batch or 1, M, K] (or [.., K, M] when transA) and B
 * is [batch or 1, K, N] (or [.., N, K] when transB). A batch of 1 is broadcast. No autograd.
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
}

export type MatmulImpl = (p: MatmulProblem) => Tensor;

export function matmulNaive(p: MatmulProblem): Tensor {
  const out = emptyTensor([p.batch, p.M, p.N]);
  launch(matmulNaiveKernel, [p.a, p.b, out], {
    uniforms: [p.M, p.N, p.K, p.batch, p.aBatched ? p.M * p.K : 0, p.bBatched ? p.K * p.N : 0],
    constants: { TRANS_A: p.transA ? 1 : 0, TRANS_B: p.transB ? 1 : 0 },
    workgroups: [Math.ceil(p.N / 16), Math.ceil(p.M / 16), p.batch],
    label: 'matmul',
  });
  return out;
}

/** The registry the kernels issue plugs faster versions into. */
export const matmulKernels = {
  impl: matmulNaive as MatmulImpl,
};

/** Raw batched product on [batch, M, K]-style tensors (no autograd); used by matmul and its backward. */
export function bmm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const [ba, ra, ca] = [a.shape[0]!, a.shape[1]!, a.shape[2]!];
  const [bb, rb, cb] = [b.shape[0]!, b.shape[1]!, b.shape[2]!];
  const M = transA ? ca : ra;
  const K = transA ? ra : ca;
  const N = transB ? rb : cb;
  const batch = Math.max(ba, bb);
  if (sizeOf([batch, M, N]) === 0 || K === 0) {
    const out = emptyTensor([batch, M, N]);
    if (out.size > 0) fillInPlace(out, 0); // K = 0: the product is all zeros
    return out;
  }
  return matmulKernels.impl({ a, b, M, N, K, batch, transA, transB, aBatched: ba > 1, bBatched: bb > 1 });
}

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

  // Bring each operand to [batch or 1, rows, cols]; a batch shape that is only partly broadcast is expanded.
  const as3 = (t: Tensor, shape: number[], rows: number, cols: number): Tensor => {
    const own = sizeOf(shape.slice(0, -2));
    if (own === batch || own === 1) return reshape(t, [own, rows, cols]);
    const e = expand(reshape(t, shape), [...batchShape, rows, cols]);
    const r = reshape(e, [batch, rows, cols]);
    e.dispose();
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
  const out = reshape(c3, outShape);
  c3.dispose();

  const aOrig = a.shape;
  const bOrig = b.shape;
  return attach('matmul', [a, b], out, [a, b], (g, [a0, b0], needs) => {
    const g3 = reshape(g, [batch, M, N]);
    const A = as3(a0!, aShape, M, K);
    const Bm = as3(b0!, bShape, K, N);
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      const d = bmm(g3, Bm, false, true); // [batch, M, K]
      ga = reduceBatch(d, aShape, batchShape, aOrig);
    }
    if (needs[1]) {
      const d = bmm(A, g3, true, false); // [batch, K, N]
      gb = reduceBatch(d, bShape, batchShape, bOrig);
    }
    g3.dispose();
    A.dispose();
    Bm.dispose();
    return [ga, gb];
  });
}

/** Sums a [batch, r, c] gradient over the batch dims the operand was broadcast along, back to its shape. */
function reduceBatch(d: Tensor, promoted: number[], batchShape: number[], original: readonly number[]): Tensor {
  const full = reshape(d, [...batchShape, ...promoted.slice(-2)]);
  d.dispose();
  const summed = sumTo(full, promoted);
  full.dispose();
  const out = reshape(summed, original);
  summed.dispose();
  return out;
}
