// softmax and logSoftmax over one dim: one kernel launch on the [outer, R, inner] view.
// Backward rules (y = output, g = incoming gradient, sums over the softmax dim):
//   softmax:     dx = y ⊙ (g − Σ g⊙y)
//   logSoftmax:  dx = g − exp(y) ⊙ Σ g

import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import softmaxWgsl from '../../shaders/softmax.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { currentRules, type RulesProfile } from '../runtime/rules.ts';
import { normalizeDim, sizeOf } from '../shape.ts';
import { Tensor, checkFloat, checkOperand } from '../tensor.ts';
import { binaryRaw, unaryRaw } from './elementwise-kernels.ts';
import { sum } from './reduce.ts';

const softmaxKernel = defineKernel('softmax', floatBitsWgsl + softmaxWgsl, ['read', 'write'], { rows: 'u32', reduce: 'u32', inner: 'u32' });

/**
 * Threads per row (ROW_THREADS of softmax.wgsl): 64 on the CPU rules (a workgroup per row, as tuned on
 * SwiftShader); on the GPU rules a short row's length rounded up to a power of two (at least 4), so that several
 * rows share a 64-thread workgroup instead of leaving most of it idle.
 */
export function softmaxRowThreads(reduce: number, rules: RulesProfile): number {
  if (rules === 'cpu' || reduce >= 64) return 64;
  let t = 4;
  while (t < reduce) t *= 2;
  return t;
}

function softmaxRaw(x: Tensor, d: number, log: boolean): Tensor {
  const outer = sizeOf(x.shape.slice(0, d));
  const reduce = x.shape[d] ?? 1;
  const inner = sizeOf(x.shape.slice(d + 1));
  const out = emptyTensor(x.shape);
  const rowThreads = softmaxRowThreads(reduce, currentRules());
  launch(softmaxKernel, [x, out], {
    params: { rows: outer * inner, reduce, inner },
    constants: { LOG: log ? 1 : 0, ROW_THREADS: rowThreads },
    workgroups: grid(Math.ceil((outer * inner) / (64 / rowThreads))),
    label: log ? 'logSoftmax' : 'softmax',
  });
  return out;
}

export function softmax(x: Tensor, dim = -1): Tensor {
  checkOperand('softmax', x);
  checkFloat('softmax', x);
  const d = normalizeDim('softmax', dim, x.rank);
  const y = softmaxRaw(x, d, false);
  return attach('softmax', [x], y, [y], (g, [y0]) => {
    const gy = binaryRaw('mul', g, y0!, g.shape);
    const s = sum(gy, d, true);
    gy.dispose();
    const diff = binaryRaw('sub', g, s, g.shape);
    s.dispose();
    const gx = binaryRaw('mul', y0!, diff, g.shape);
    diff.dispose();
    return [gx];
  });
}

export function logSoftmax(x: Tensor, dim = -1): Tensor {
  checkOperand('logSoftmax', x);
  checkFloat('logSoftmax', x);
  const d = normalizeDim('logSoftmax', dim, x.rank);
  const y = softmaxRaw(x, d, true);
  return attach('logSoftmax', [x], y, [y], (g, [y0]) => {
    const s = sum(g, d, true);
    const p = unaryRaw('exp', y0!);
    const ps = binaryRaw('mul', p, s, g.shape);
    p.dispose();
    s.dispose();
    const gx = binaryRaw('sub', g, ps, g.shape);
    ps.dispose();
    return [gx];
  });
}
