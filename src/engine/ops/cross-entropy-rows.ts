// crossEntropy's fused kernels as registered passes with per-profile rules (issue 20): v1 the forward in one
// workgroup and the backward a thread per row (nn_cross_entropy.wgsl, nn_cross_entropy_backward.wgsl), v2 a
// workgroup per row (nn_cross_entropy_rows.wgsl, nn_cross_entropy_backward_rows.wgsl), v3 each row's classes cut
// into ranges across workgroups (nn_cross_entropy_split.wgsl, nn_cross_entropy_backward_split.wgsl: per-range max
// and Σ exp combined, as softmax v2), for few long rows. The auto rules: v1 on the CPU rules (unchanged); on the
// GPU rules v3 for fewer than 264 rows of at least 512 classes (or rows over 64 · 4,096), else v2.
// cross-entropy.ts's fusedCrossEntropy(a) runs crossEntropyByRules(a); the kernel trace shows crossEntropy
// (+ crossEntropy.sum_rows on v2, crossEntropy.ranges and crossEntropy.sum_rows on v3).

import crossEntropyRowWgsl from '../../shaders/cross_entropy_row.wgsl?raw';
import crossEntropyTargetWgsl from '../../shaders/cross_entropy_target.wgsl?raw';
import crossEntropyTreeWgsl from '../../shaders/cross_entropy_tree.wgsl?raw';
import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import indexCheckWgsl from '../../shaders/index_check.wgsl?raw';
import forwardWgsl from '../../shaders/nn_cross_entropy.wgsl?raw';
import backwardWgsl from '../../shaders/nn_cross_entropy_backward.wgsl?raw';
import forwardRowsWgsl from '../../shaders/nn_cross_entropy_rows.wgsl?raw';
import backwardRowsWgsl from '../../shaders/nn_cross_entropy_backward_rows.wgsl?raw';
import forwardSplitWgsl from '../../shaders/nn_cross_entropy_split.wgsl?raw';
import backwardSplitWgsl from '../../shaders/nn_cross_entropy_backward_split.wgsl?raw';
import { defineKernel, grid, MAX_WORKGROUPS_PER_DIM, type ParamsValues } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { errorWordsRange, indexCheck } from '../runtime/index-checks.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { GPU_RULES, currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import type { Tensor } from '../tensor.ts';
import { channelRangesPlan } from './batchnorm-stats.ts';

const PARAMS = {
  rows: 'u32', classes: 'u32', on: 'f32', off: 'f32', check_id: 'u32', has_ignore: 'u32', ignore_index: 'i32', per_sample: 'u32',
} as const;
type CeParams = ParamsValues<typeof PARAMS>;

const FORWARD_BINDINGS = ['read', 'read', 'read', 'write', 'write', 'write'] as const; // logits, targets, weights, loss, denom, err
const BACKWARD_BINDINGS = ['read', 'read', 'read', 'read', 'read', 'write'] as const; // logits, targets, weights, denom, grad, dx
// Every kernel gets float_bits.wgsl and the target helpers; the forward ones the index check; v2 and v3 the tree.
const TARGET = floatBitsWgsl + crossEntropyTargetWgsl;
const CHECKED = floatBitsWgsl + indexCheckWgsl + crossEntropyTargetWgsl;
const SPLIT_PARAMS = { ...PARAMS, chunks: 'u32', chunk: 'u32' } as const;
const forwardKernel = defineKernel('nn_cross_entropy', CHECKED + crossEntropyRowWgsl + forwardWgsl, FORWARD_BINDINGS, PARAMS);
const backwardKernel = defineKernel('nn_cross_entropy_backward', TARGET + crossEntropyRowWgsl + backwardWgsl, BACKWARD_BINDINGS, PARAMS);
const forwardRowsKernel = defineKernel('nn_cross_entropy_rows', CHECKED + crossEntropyTreeWgsl + forwardRowsWgsl, [...FORWARD_BINDINGS, 'write'], PARAMS);
const backwardRowsKernel = defineKernel('nn_cross_entropy_backward_rows', TARGET + backwardRowsWgsl, BACKWARD_BINDINGS, PARAMS);
const forwardSplitKernel = defineKernel(
  'nn_cross_entropy_split', CHECKED + crossEntropyTreeWgsl + forwardSplitWgsl, [...FORWARD_BINDINGS, 'write'], SPLIT_PARAMS,
);
const backwardSplitKernel = defineKernel(
  'nn_cross_entropy_backward_split', TARGET + crossEntropyTreeWgsl + backwardSplitWgsl, [...BACKWARD_BINDINGS, 'write'], SPLIT_PARAMS,
);

/** The fused loss's arguments. */
export interface CrossEntropyRowsArgs {
  /** [N, C] float32 logits. */
  logits: Tensor;
  /** [N] int32 targets. */
  targets: Tensor;
  mean: boolean;
  /** ε of label smoothing. */
  labelSmoothing: number;
  ignoreIndex: number;
  /** Per-sample weights [N] (the label mask as 0/1 floats), or null. */
  sampleWeight: Tensor | null;
  op: string;
}

interface ForwardProblem { rows: number; classes: number; a: CrossEntropyRowsArgs; params: CeParams; weights: Tensor; loss: Tensor; denom: Tensor }
interface BackwardProblem {
  rows: number; classes: number; params: CeParams; hasMask: boolean; op: string;
  x: Tensor; t: Tensor; w: Tensor; d: Tensor; g: Tensor; dx: Tensor;
}
type Sizes = { rows: number; classes: number };
type SplitTuning = { chunks: number | null };

/** v3's ranges of each row's classes (batchnorm's channel ranges with a row as a channel); `forced` sets their count. */
export function crossEntropySplitPlan({ rows, classes }: Sizes, rules: RulesProfile, forced: number | null): LaunchPlan & { chunks: number; chunk: number } {
  return channelRangesPlan({ N: 1, C: rows, HW: classes }, rules, forced);
}

function splitRejects({ rows, classes }: Sizes): string | null {
  if (rows === 0 || classes === 0) return 'no classes to cut into ranges (an empty grid dimension is not a launch)';
  return rows > MAX_WORKGROUPS_PER_DIM ? `${rows} rows exceed one grid dimension (${MAX_WORKGROUPS_PER_DIM}); v3 is for few long rows` : null;
}

/** v1 on the CPU rules; on the GPU rules v3 for few rows of at least 512 classes or rows too long for v2's threads, else v2. */
function chooseRows({ rows, classes }: Sizes, rules: RulesProfile): 'v1' | 'v2' | 'v3' {
  if (rules === 'cpu') return 'v1';
  if (rows === 0 || classes === 0 || rows > MAX_WORKGROUPS_PER_DIM) return 'v2';
  const few = rows < GPU_RULES.MIN_WORKGROUPS && classes >= 512;
  return few || classes > 64 * GPU_RULES.MAX_SERIAL_LOOP ? 'v3' : 'v2';
}

function forwardV3(p: ForwardProblem): void {
  const { rows, classes, a, weights, loss, denom } = p;
  const { chunks, chunk } = crossEntropySplitPlan(p, currentRules(), crossEntropyVersions.forward.tuning.chunks);
  const part = emptyTensor([rows, chunks, 4], 'float32', a.op);
  const bind = [a.logits, a.targets, weights, loss, denom, errorWordsRange(), part] as const;
  const params = { ...p.params, chunks, chunk };
  const constants = { HAS_MASK: a.sampleWeight ? 1 : 0, MEAN: a.mean ? 1 : 0 };
  const wg: [number, number, number] = [rows, chunks, 1];
  launch(forwardSplitKernel, [...bind], { params, constants: { ...constants, PASS: 0 }, workgroups: wg, label: `${a.op}.ranges` });
  launch(forwardSplitKernel, [...bind], { params, constants: { ...constants, PASS: 1 }, workgroups: wg, label: a.op });
  launch(forwardSplitKernel, [...bind], { params, constants: { ...constants, PASS: 2 }, workgroups: [1, 1, 1], label: `${a.op}.sum_rows` });
  part.dispose();
}

function backwardV3(p: BackwardProblem): void {
  const { rows, hasMask, x, t, w, d, g, dx, op } = p;
  const { chunks, chunk } = crossEntropySplitPlan(p, currentRules(), crossEntropyVersions.backward.tuning.chunks);
  const part = emptyTensor([rows, chunks, 3], 'float32', op);
  const params = { ...p.params, chunks, chunk };
  const wg: [number, number, number] = [rows, chunks, 1];
  for (const pass of [0, 1]) {
    launch(backwardSplitKernel, [x, t, w, d, g, dx, part], {
      params, constants: { HAS_MASK: hasMask ? 1 : 0, PASS: pass }, workgroups: wg, label: pass === 0 ? `${op}.backward_ranges` : `${op}.backward`,
    });
  }
  part.dispose();
}

/** v3's plan: the ranges' launch, and the single workgroup's walk over the rows' ranges when it sums them. */
function forwardV3Plan(s: Sizes, rules: RulesProfile): LaunchPlan {
  const p = crossEntropySplitPlan(s, rules, crossEntropyVersions.forward.tuning.chunks);
  return { workgroups: p.workgroups, loop: Math.max(p.loop, Math.ceil(s.rows / 64) * p.chunks) };
}

export const crossEntropyVersions = {
  forward: defineKernelVersions<ForwardProblem, void, 'v1' | 'v2' | 'v3', SplitTuning, Sizes>('crossEntropy.forward', {
    versions: {
      v1: {
        summary: 'nn_cross_entropy: one workgroup for the loss, a thread per row',
        run: ({ a, params, weights, loss, denom }) =>
          launch(forwardKernel, [a.logits, a.targets, weights, loss, denom, errorWordsRange()], {
            params, constants: { HAS_MASK: a.sampleWeight ? 1 : 0, MEAN: a.mean ? 1 : 0 }, workgroups: [1, 1, 1], label: a.op,
          }),
        plan: ({ rows, classes }): LaunchPlan => ({ workgroups: 1, loop: Math.ceil(rows / 256) * classes }),
      },
      v2: {
        summary: 'nn_cross_entropy_rows: a workgroup per row, trees over classes, then a sum of rows',
        run: ({ rows, a, params, weights, loss, denom }) => {
          const part = emptyTensor([rows, 2], 'float32', a.op);
          const bind = [a.logits, a.targets, weights, loss, denom, errorWordsRange(), part] as const;
          const constants = { HAS_MASK: a.sampleWeight ? 1 : 0, MEAN: a.mean ? 1 : 0 };
          launch(forwardRowsKernel, [...bind], { params, constants: { ...constants, PASS: 0 }, workgroups: grid(rows), label: a.op });
          launch(forwardRowsKernel, [...bind], { params, constants: { ...constants, PASS: 1 }, workgroups: [1, 1, 1], label: `${a.op}.sum_rows` });
          part.dispose();
        },
        plan: ({ rows, classes }): LaunchPlan => ({ workgroups: rows, loop: Math.max(Math.ceil(classes / 64), Math.ceil(rows / 64)) }),
      },
      v3: {
        summary: "nn_cross_entropy_split: ranges of a row's classes across workgroups",
        rejects: splitRejects,
        run: forwardV3,
        plan: forwardV3Plan,
      },
    },
    default: 'v1',
    auto: chooseRows,
    tuning: { chunks: null },
  }),
  backward: defineKernelVersions<BackwardProblem, void, 'v1' | 'v2' | 'v3', SplitTuning, Sizes>('crossEntropy.backward', {
    versions: {
      v1: {
        summary: 'nn_cross_entropy_backward: a thread per row',
        run: ({ rows, params, hasMask, x, t, w, d, g, dx, op }) =>
          launch(backwardKernel, [x, t, w, d, g, dx], {
            params, constants: { HAS_MASK: hasMask ? 1 : 0 }, workgroups: grid(Math.ceil(rows / 64)), label: `${op}.backward`,
          }),
        plan: ({ rows, classes }): LaunchPlan => ({ workgroups: Math.ceil(rows / 64), loop: 3 * classes }),
      },
      v2: {
        summary: 'nn_cross_entropy_backward_rows: a workgroup per row, coalesced classes, trees',
        run: ({ rows, params, hasMask, x, t, w, d, g, dx, op }) =>
          launch(backwardRowsKernel, [x, t, w, d, g, dx], {
            params, constants: { HAS_MASK: hasMask ? 1 : 0 }, workgroups: grid(rows), label: `${op}.backward`,
          }),
        plan: ({ rows, classes }): LaunchPlan => ({ workgroups: rows, loop: 3 * Math.ceil(classes / 64) }),
      },
      v3: {
        summary: "nn_cross_entropy_backward_split: ranges of a row's classes across workgroups",
        rejects: splitRejects,
        run: backwardV3,
        plan: (s, rules): LaunchPlan => {
          const p = crossEntropySplitPlan(s, rules, crossEntropyVersions.backward.tuning.chunks);
          return { workgroups: p.workgroups, loop: 2 * p.loop };
        },
      },
    },
    default: 'v1',
    auto: chooseRows,
    tuning: { chunks: null },
  }),
};

/** The reduced loss, a 0-d tensor with its backward rule, each pass by the registry's rules. Operands are validated by the caller. */
export function crossEntropyByRules(a: CrossEntropyRowsArgs): Tensor {
  const [rows, classes] = a.logits.shape as [number, number];
  const eps = a.labelSmoothing;
  const params: CeParams = {
    rows, classes, on: 1 - eps + eps / classes, off: eps / classes,
    check_id: indexCheck(a.op, classes, a.ignoreIndex), has_ignore: 1, ignore_index: a.ignoreIndex, per_sample: 1,
  };
  const hasMask = a.sampleWeight !== null;
  const weights = a.sampleWeight ?? a.targets; // never read without a mask
  const loss = emptyTensor([], 'float32', a.op);
  const denom = emptyTensor([1], 'float32', a.op);
  crossEntropyVersions.forward.run({ rows, classes, a, params, weights, loss, denom });
  const out = attach(a.op, [a.logits], loss, [a.logits, a.targets, weights, denom], (g, [x, t, w, d]) => {
    const dx = emptyTensor(x!.shape, 'float32', `${a.op} backward`);
    crossEntropyVersions.backward.run({ rows, classes, params, hasMask, x: x!, t: t!, w: w!, d: d!, g, dx, op: a.op });
    return [dx];
  });
  denom.dispose();
  return out;
}
