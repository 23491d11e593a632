// Every family's chosen kernel version, on the CPU and the GPU rules profile, for the bench shapes and the
// ResNet-18 / MobileNetV2 layers (tests/unit/rules/shapes.ts), against the committed snapshot
// tests/unit/rules/choices.json: a change of rule shows up as a reviewed diff of that file. Regenerate it after
// a deliberate change with `npx vitest run tests/unit/kernel-rules-snapshot.test.ts -u`. The CPU column was
// written from the rules SwiftShader was tuned with; it must not move without a benchmark that says why.

import { describe, expect, it } from 'vitest';
import { conv2dVersions } from '../../src/engine/ops/conv.ts';
import { depthwiseVersions } from '../../src/engine/ops/depthwise.ts';
import { matmulVersions } from '../../src/engine/ops/matmul.ts';
import { pool2dVersions } from '../../src/engine/ops/pool.ts';
import type { RulesProfile } from '../../src/engine/runtime/rules.ts';
import { reducePlan, reduceVersions } from '../../src/engine/ops/reduce-kernels.ts';
import { argReduceVersions } from '../../src/engine/ops/argreduce.ts';
import { softmaxRowThreads, softmaxVersions } from '../../src/engine/ops/softmax.ts';
import { layerNormForwardVersions } from '../../src/engine/ops/layer-norm-forward.ts';
import { crossEntropyVersions } from '../../src/engine/ops/cross-entropy-rows.ts';
import { batchNormStatsVersions } from '../../src/engine/ops/batchnorm-stats.ts';
import { batchNormBackwardSumsVersions } from '../../src/engine/ops/batchnorm-backward-sums.ts';
import { CONV_LAYERS, MATMULS, POOLS, REDUCTIONS, ROWS } from './rules/shapes.ts';

type Choice = Record<RulesProfile, string>;
const PROFILES: RulesProfile[] = ['cpu', 'gpu'];
const both = (choose: (rules: RulesProfile) => string): Choice => Object.fromEntries(PROFILES.map((r) => [r, choose(r)])) as Choice;

function choices(): Record<string, Record<string, Choice>> {
  const table: Record<string, Record<string, Choice>> = {};
  const put = (pass: string, label: string, c: Choice): void => {
    (table[pass] ??= {})[label] = c;
  };
  for (const m of MATMULS) put('matmul', m.label, both((r) => matmulVersions.choose(m, r)));
  for (const { label, d } of CONV_LAYERS) {
    for (const [pass, p] of Object.entries(conv2dVersions)) put(`conv2d.${pass}`, label, both((r) => p.choose({ d }, r)));
    if (d.groups === d.C && d.O === d.C && d.groups > 1) {
      for (const [pass, p] of Object.entries(depthwiseVersions)) put(`depthwise.${pass}`, label, both((r) => p.choose({ d }, r)));
    }
  }
  for (const s of POOLS) {
    // The window passes read the geometry d (maxPool2d.forward: an inference problem, no argmax), the adaptive ones the sizes.
    const d = { N: s.N, C: s.C, H: s.H, W: s.W, kH: s.k, kW: s.k, sH: s.s, sW: s.s, pH: s.p, pW: s.p, dH: 1, dW: 1, OH: s.OH, OW: s.OW };
    for (const p of Object.values(pool2dVersions)) put(p.name, s.label, both((r) => p.choose({ ...s, planes: s.N * s.C, d } as never, r)));
  }
  for (const { label, d } of CONV_LAYERS) {
    const sizes = { N: d.N, C: d.O, HW: d.OH * d.OW };
    put('batchNorm.stats', label, both((r) => batchNormStatsVersions.choose(sizes, r)));
    put('batchNorm.backwardSums', label, both((r) => batchNormBackwardSumsVersions.choose(sizes, r)));
  }
  // The reduce pass: v1's split count (chunks per row), then the version.
  for (const r of REDUCTIONS) put('reduce (splits)', r.label, both((rules) => String(reducePlan(r.outputs, r.reduce, rules).splits)));
  for (const r of REDUCTIONS) put('reduce', r.label, both((rules) => reduceVersions.choose({ outer: r.outputs, reduce: r.reduce, inner: 1 }, rules)));
  for (const r of REDUCTIONS) put('argReduce', r.label, both((rules) => argReduceVersions.choose({ outer: r.outputs, reduce: r.reduce, inner: 1 }, rules)));
  for (const N of [1, 64, 256]) {
    for (const p of [crossEntropyVersions.forward, crossEntropyVersions.backward]) {
      put(p.name, `[${N},1000]`, both((r) => p.choose({ rows: N, classes: 1000 }, r)));
    }
  }
  const rows = [['bench softmax [256,1000]', 1000], ['MNIST logits [N,10]', 10], ['attention-like rows of 49', 49], ['3 classes', 3]] as const;
  for (const [label, reduce] of rows) {
    put('softmax (threads per row)', label, both((rules) => String(softmaxRowThreads(reduce, rules))));
  }
  for (const r of ROWS) put('softmax', r.label, both((rules) => softmaxVersions.choose({ outer: r.rows, reduce: r.length, inner: 1 }, rules)));
  for (const r of ROWS) put('layerNorm.forward', r.label, both((rules) => layerNormForwardVersions.choose({ R: r.rows, D: r.length }, rules)));
  return table;
}

describe('kernel rules snapshot', () => {
  it('every chosen version, CPU and GPU profile, matches tests/unit/rules/choices.json', async () => {
    // One line per shape, so that a diff names the shape and the profile whose choice moved.
    const lines = Object.entries(choices()).map(([pass, rows]) => {
      const body = Object.entries(rows).map(([label, c]) => `  ${JSON.stringify(label)}: ${JSON.stringify(c)}`).join(',\n');
      return `${JSON.stringify(pass)}: {\n${body}\n}`;
    });
    await expect(`{\n${lines.join(',\n')}\n}\n`).toMatchFileSnapshot('./rules/choices.json');
  });
});
