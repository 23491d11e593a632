// argmax / argmin in the kernel registry (argReduce): v1 a workgroup per output (argreduce.wgsl, launched by
// reduce-kernels.ts), v2 a row's ranges across workgroups (argreduce_split.wgsl). reduce.ts's argmax and argmin
// run it through runArgReduce (an app that never calls them bundles none of it).

import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import argreduceSplitWgsl from '../../shaders/argreduce_split.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import { OP_CODE, argReduceV1, splitCount, type ArgReduceProblem } from './reduce-kernels.ts';

const argreduceSplitKernel = defineKernel('argreduce_split', floatBitsWgsl + argreduceSplitWgsl, ['read', 'write', 'write', 'write'], {
  outputs: 'u32', reduce: 'u32', inner: 'u32', chunk: 'u32', chunks: 'u32',
});

type ArgReduceSizes = Pick<ArgReduceProblem, 'outer' | 'reduce' | 'inner'>;

/** v2's ranges per row: the sum's split rule on the GPU rules, or the tuning knob `splits`. */
function argSplitPlan({ outer, reduce, inner }: ArgReduceSizes, rules: RulesProfile): LaunchPlan & { chunks: number; chunk: number } {
  const outputs = outer * inner;
  const wanted = argReduceVersions.tuning.splits ?? splitCount(outputs, reduce, rules);
  const chunk = Math.max(1, Math.ceil(reduce / wanted));
  const chunks = Math.max(1, Math.ceil(reduce / chunk));
  return { chunks, chunk, workgroups: outputs * chunks, loop: Math.ceil(chunk / 64) };
}

function argSplit({ x, out, op, outer, reduce, inner }: ArgReduceProblem): void {
  const { chunks, chunk } = argSplitPlan({ outer, reduce, inner }, currentRules());
  const outputs = outer * inner;
  const partV = emptyTensor([outputs, chunks]);
  const partI = emptyTensor([outputs, chunks], 'int32');
  const params = { outputs, reduce, inner, chunk, chunks };
  launch(argreduceSplitKernel, [x, out, partV, partI], { params, constants: { OP: OP_CODE[op], PASS: 0 }, workgroups: grid(outputs * chunks), label: op });
  launch(argreduceSplitKernel, [x, out, partV, partI], { params, constants: { OP: OP_CODE[op], PASS: 1 }, workgroups: grid(outputs), label: `${op}.combine` });
  partV.dispose();
  partI.dispose();
}

/**
 * argmax / argmin in the kernel registry: v1 a workgroup per output (argreduce.wgsl), v2 the rows split into
 * ranges across workgroups (argreduce_split.wgsl), which the GPU rules pick when the sum's rule would split
 * (few outputs over long rows: the argmax of a whole tensor); the CPU rules keep v1.
 */
export const argReduceVersions = defineKernelVersions<ArgReduceProblem, void, 'v1' | 'v2', { splits: number | null }, ArgReduceSizes>('argReduce', {
  versions: {
    v1: {
      summary: 'argreduce: one workgroup per output, strided partials + tree',
      run: argReduceV1,
      plan: ({ outer, reduce, inner }) => ({ workgroups: outer * inner, loop: Math.ceil(reduce / 64) }),
    },
    v2: { summary: 'argreduce_split: ranges of a row across workgroups, then their best', run: argSplit, plan: argSplitPlan },
  },
  default: 'v1',
  auto: (p, rules) => (rules === 'gpu' && splitCount(p.outer * p.inner, p.reduce, rules) > 1 ? 'v2' : 'v1'),
  tuning: { splits: null },
});


/** argmax / argmin through the registered pass (the rules' choice, or a forced version). */
export function runArgReduce(p: ArgReduceProblem): void {
  argReduceVersions.run(p);
}
