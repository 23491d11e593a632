// softmax and logSoftmax over one dim on the [outer, R, inner] view, as the registered pass 'softmax' (issue 20):
// v1 (softmax.wgsl) runs ROW_THREADS threads per row, at most a workgroup per row; v2 (softmax_split.wgsl) cuts
// each row into ranges across workgroups (per-range max and Σ exp, combined in the normalize pass), so that few
// long rows ([1, 1000] logits, a 50,000-word vocabulary) fill a GPU and no thread walks more than 4,096
// elements. The auto rule: v1 on the CPU rules (unchanged); on the GPU rules v2 for fewer than 264 rows of at
// least 512, or any row over 64 · 4,096, else v1.
// Backward rules (y = output, g = incoming gradient, sums over the softmax dim):
//   softmax:     dx = y ⊙ (g − Σ g⊙y)
//   logSoftmax:  dx = g − exp(y) ⊙ Σ g

import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import softmaxWgsl from '../../shaders/softmax.wgsl?raw';
import softmaxSplitWgsl from '../../shaders/softmax_split.wgsl?raw';
import { defineKernel, grid, MAX_WORKGROUPS_PER_DIM } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { GPU_RULES, currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import { normalizeDim, sizeOf } from '../shape.ts';
import { Tensor, checkFloat, checkOperand } from '../tensor.ts';
import { binaryRaw, unaryRaw } from './elementwise-kernels.ts';
import { sum } from './reduce.ts';

const softmaxKernel = defineKernel('softmax', floatBitsWgsl + softmaxWgsl, ['read', 'write'], { rows: 'u32', reduce: 'u32', inner: 'u32' });
const splitKernel = defineKernel('softmax_split', floatBitsWgsl + softmaxSplitWgsl, ['read', 'write', 'write'], {
  rows: 'u32', reduce: 'u32', inner: 'u32', chunks: 'u32', chunk: 'u32',
});

/** The sizes the rules read: x viewed as [outer, reduce, inner], the softmax over `reduce`. */
export interface SoftmaxSizes { outer: number; reduce: number; inner: number }
export interface SoftmaxProblem extends SoftmaxSizes { x: Tensor; log: boolean }

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

/** Fewest elements a v2 range walks (64 threads × 4 each), so that the partials stay a small extra cost. */
const MIN_CHUNK = 256;

/**
 * v2's ranges of each row: on the GPU rules enough for GPU_RULES.MIN_WORKGROUPS workgroups (rows · chunks), none
 * under MIN_CHUNK unless forced, and never more than 4,096 elements per thread; the tuning `chunks` forces the count.
 */
export function softmaxSplitPlan({ outer, reduce, inner }: SoftmaxSizes, rules: RulesProfile): LaunchPlan & { chunks: number; chunk: number } {
  const rows = outer * inner;
  const fill = rules === 'gpu' ? Math.ceil(GPU_RULES.MIN_WORKGROUPS / Math.max(rows, 1)) : 1;
  const forced = softmaxVersions.tuning.chunks;
  const wanted = forced ?? Math.max(Math.ceil(reduce / (64 * GPU_RULES.MAX_SERIAL_LOOP)), Math.min(fill, Math.floor(reduce / MIN_CHUNK)), 1);
  // Rounded down, so that there are at least as many ranges as wanted (at most half the grid's y limit).
  const chunk = Math.max(1, Math.floor(reduce / Math.min(wanted, MAX_WORKGROUPS_PER_DIM >> 1)));
  const chunks = Math.max(1, Math.ceil(reduce / chunk));
  return { chunks, chunk, workgroups: rows * chunks, loop: Math.ceil(chunk / 64) };
}

function softmaxV1({ x, outer, reduce, inner, log }: SoftmaxProblem): Tensor {
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

function softmaxV2(p: SoftmaxProblem): Tensor {
  const { x, outer, reduce, inner, log } = p;
  const rows = outer * inner;
  if (rows * reduce === 0) return softmaxV1(p); // nothing to split (an empty grid dimension is not a launch)
  const { chunks, chunk } = softmaxSplitPlan(p, currentRules());
  const out = emptyTensor(x.shape);
  const part = emptyTensor([rows, chunks, 2]);
  const params = { rows, reduce, inner, chunks, chunk };
  const label = log ? 'logSoftmax' : 'softmax';
  launch(splitKernel, [x, part, out], { params, constants: { PASS: 0, LOG: log ? 1 : 0 }, workgroups: [rows, chunks, 1], label: `${label}.ranges` });
  launch(splitKernel, [x, part, out], { params, constants: { PASS: 1, LOG: log ? 1 : 0 }, workgroups: [rows, chunks, 1], label });
  part.dispose();
  return out;
}

function splitRejects({ outer, inner }: SoftmaxSizes): string | null {
  const rows = outer * inner;
  return rows > MAX_WORKGROUPS_PER_DIM ? `${rows} rows exceed one grid dimension (${MAX_WORKGROUPS_PER_DIM}); v2 is for few long rows` : null;
}

/** v2 on the GPU rules for few rows of at least 2·MIN_CHUNK, or for rows too long for v1's threads; else v1. */
function chooseSoftmax({ outer, reduce, inner }: SoftmaxSizes, rules: RulesProfile): 'v1' | 'v2' {
  if (rules === 'cpu') return 'v1';
  const rows = outer * inner;
  if (rows === 0 || rows > MAX_WORKGROUPS_PER_DIM) return 'v1';
  const few = rows < GPU_RULES.MIN_WORKGROUPS && reduce >= 2 * MIN_CHUNK;
  return few || reduce > 64 * GPU_RULES.MAX_SERIAL_LOOP ? 'v2' : 'v1';
}

/** The softmax pass: kernelVersions.force('softmax', 'v2') forces the split one, tune('softmax', { chunks }) its ranges. */
type SoftmaxTuning = { chunks: number | null };
export const softmaxVersions = defineKernelVersions<SoftmaxProblem, Tensor, 'v1' | 'v2', SoftmaxTuning, SoftmaxSizes>('softmax', {
  versions: {
    v1: {
      summary: 'softmax: ROW_THREADS threads per row, a workgroup per row',
      run: softmaxV1,
      plan: ({ outer, reduce, inner }, rules) => {
        const t = softmaxRowThreads(reduce, rules);
        return { workgroups: Math.ceil((outer * inner) / (64 / t)), loop: Math.ceil(reduce / t) };
      },
    },
    v2: { summary: 'softmax_split: ranges of a row across workgroups, max/sum combined', rejects: splitRejects, run: softmaxV2, plan: softmaxSplitPlan },
  },
  default: 'v1',
  auto: chooseSoftmax,
  tuning: { chunks: null },
});

function softmaxRaw(x: Tensor, d: number, log: boolean): Tensor {
  const outer = sizeOf(x.shape.slice(0, d));
  const reduce = x.shape[d] ?? 1;
  const inner = sizeOf(x.shape.slice(d + 1));
  return softmaxVersions.run({ x, outer, reduce, inner, log });
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
