// The GPU profile's choices, checked without a GPU: for the bench shapes and every ResNet-18 and MobileNetV2
// layer at batch 1, 16 and 64 (tests/unit/rules/shapes.ts), each pass's chosen version, as its launch plan
// states it (src/engine/runtime/rules.ts), runs at least GPU_RULES.MIN_WORKGROUPS (264: two per compute unit of
// a 132-unit GPU) workgroups whenever the output has at least 264 × 256 elements or the reduction is at least
// 4,096 long, and no thread runs a serial loop of more than GPU_RULES.MAX_SERIAL_LOOP (4,096) iterations.
// The plans are the numbers the launches use, so this is what a GPU would run.
// BatchNorm's backward sums are held to it since batchNorm.backwardSums v2 (ranges across workgroups); softmax,
// layerNorm's forward and crossEntropy's passes since softmax v2, layerNorm.forward v2 and crossEntropy v3 (ranges
// of a row across workgroups: 64 rows of 1,000 classes no longer get 64 workgroups).

import { describe, expect, it } from 'vitest';
import { conv2dVersions } from '../../src/engine/ops/conv.ts';
import { depthwiseVersions } from '../../src/engine/ops/depthwise.ts';
import { matmulVersions } from '../../src/engine/ops/matmul.ts';
import { pool2dVersions } from '../../src/engine/ops/pool.ts';
import { GPU_RULES, type LaunchPlan } from '../../src/engine/runtime/rules.ts';
import { reducePlan } from '../../src/engine/ops/reduce-kernels.ts';
import { argReduceVersions } from '../../src/engine/ops/argreduce.ts';
import { batchNormStatsVersions } from '../../src/engine/ops/batchnorm-stats.ts';
import { batchNormBackwardSumsVersions } from '../../src/engine/ops/batchnorm-backward-sums.ts';
import { conv2dBiasGradVersions } from '../../src/engine/ops/conv-bias-grad.ts';
import { softmaxVersions } from '../../src/engine/ops/softmax.ts';
import { layerNormForwardVersions } from '../../src/engine/ops/layer-norm-forward.ts';
import { crossEntropyVersions } from '../../src/engine/ops/cross-entropy-rows.ts';
import { CONV_LAYERS, MATMULS, POOLS, REDUCTIONS, ROWS } from './rules/shapes.ts';

interface Case { pass: string; label: string; out: number; reduction: number; plan: () => { version: string; launch: LaunchPlan | null } }

const cases: Case[] = [];
for (const m of MATMULS) {
  cases.push({ pass: 'matmul', label: m.label, out: m.batch * m.M * m.N, reduction: m.K, plan: () => matmulVersions.plan(m, 'gpu') });
}
for (const { label, d } of CONV_LAYERS) {
  const depthwise = d.groups === d.C && d.O === d.C && d.groups > 1;
  const passes = depthwise ? depthwiseVersions : conv2dVersions;
  const name = depthwise ? 'depthwise' : 'conv2d';
  const taps = d.kH * d.kW;
  cases.push(
    { pass: `${name}.forward`, label, out: d.N * d.O * d.OH * d.OW, reduction: d.Cg * taps, plan: () => passes.forward.plan({ d }, 'gpu') },
    { pass: `${name}.dgrad`, label, out: d.N * d.C * d.H * d.W, reduction: d.Og * taps, plan: () => passes.dgrad.plan({ d }, 'gpu') },
    { pass: `${name}.wgrad`, label, out: d.O * d.Cg * taps, reduction: d.N * d.OH * d.OW, plan: () => passes.wgrad.plan({ d }, 'gpu') },
  );
}
for (const s of POOLS) {
  const d = { N: s.N, C: s.C, H: s.H, W: s.W, kH: s.k, kW: s.k, sH: s.s, sW: s.s, pH: s.p, pW: s.p, dH: 1, dW: 1, OH: s.OH, OW: s.OW };
  const sizes = { planes: s.N * s.C, H: s.H, W: s.W, OH: s.OH, OW: s.OW };
  const out = s.N * s.C * s.OH * s.OW;
  const input = s.N * s.C * s.H * s.W;
  const window = s.k * s.k;
  const bin = Math.ceil(s.H / s.OH) * Math.ceil(s.W / s.OW);
  const v = pool2dVersions;
  cases.push(
    { pass: v.maxForward.name, label: s.label, out, reduction: window, plan: () => v.maxForward.plan({ d } as never, 'gpu') },
    { pass: v.maxBackward.name, label: s.label, out: input, reduction: 1, plan: () => v.maxBackward.plan({ d } as never, 'gpu') },
    { pass: v.avgForward.name, label: s.label, out, reduction: window, plan: () => v.avgForward.plan({ d } as never, 'gpu') },
    { pass: v.avgBackward.name, label: s.label, out: input, reduction: 1, plan: () => v.avgBackward.plan({ d } as never, 'gpu') },
    { pass: v.adaptiveAvgForward.name, label: s.label, out, reduction: bin, plan: () => v.adaptiveAvgForward.plan(sizes as never, 'gpu') },
    { pass: v.adaptiveAvgBackward.name, label: s.label, out: input, reduction: 1, plan: () => v.adaptiveAvgBackward.plan(sizes as never, 'gpu') },
  );
}

// The bias gradient (and conv2dAct's activation gradient, written elementwise) of every conv.
for (const { label, d } of CONV_LAYERS) {
  const out = d.N * d.O * d.OH * d.OW;
  cases.push({ pass: 'conv2dBiasGrad', label, out, reduction: d.N * d.OH * d.OW, plan: () => conv2dBiasGradVersions.plan({ d }, 'gpu') });
}
// BatchNorm after every conv: statistics of its output [N, O, OH, OW] over N·OH·OW per channel.
for (const { label, d } of CONV_LAYERS) {
  const sizes = { N: d.N, C: d.O, HW: d.OH * d.OW };
  cases.push({ pass: 'batchNorm.stats', label, out: d.O, reduction: d.N * d.OH * d.OW, plan: () => batchNormStatsVersions.plan(sizes, 'gpu') });
  // Its backward sums (Σg, Σg·x̂ per channel) over the same N·OH·OW.
  const reduction = d.N * d.OH * d.OW;
  cases.push({ pass: 'batchNorm.backwardSums', label, out: d.O, reduction, plan: () => batchNormBackwardSumsVersions.plan(sizes, 'gpu') });
}
for (const r of REDUCTIONS) {
  const plan = (): { version: string; launch: LaunchPlan } => ({ version: 'reduce', launch: reducePlan(r.outputs, r.reduce, 'gpu') });
  cases.push({ pass: 'reduce', label: r.label, out: r.outputs, reduction: r.reduce, plan });
  const sizes = { outer: r.outputs, reduce: r.reduce, inner: 1 };
  cases.push({ pass: 'argReduce', label: r.label, out: r.outputs, reduction: r.reduce, plan: () => argReduceVersions.plan(sizes, 'gpu') });
}
// softmax over each row (and the same rows seen as [outer, R, inner] with inner 1).
for (const r of ROWS) {
  const sizes = { outer: r.rows, reduce: r.length, inner: 1 };
  cases.push({ pass: 'softmax', label: r.label, out: r.rows * r.length, reduction: r.length, plan: () => softmaxVersions.plan(sizes, 'gpu') });
  // layerNorm's statistics and output over the same rows.
  const ln = { R: r.rows, D: r.length };
  cases.push({ pass: 'layerNorm.forward', label: r.label, out: r.rows * r.length, reduction: r.length, plan: () => layerNormForwardVersions.plan(ln, 'gpu') });
  // crossEntropy's forward and backward over the same rows as logits (the forward's loss sums every row).
  const ce = { rows: r.rows, classes: r.length };
  for (const p of [crossEntropyVersions.forward, crossEntropyVersions.backward]) {
    cases.push({ pass: p.name, label: r.label, out: r.rows * r.length, reduction: r.length, plan: () => p.plan(ce, 'gpu') });
  }
}

describe('GPU rules', () => {
  for (const pass of [...new Set(cases.map((c) => c.pass))]) {
    it(`${pass}: enough workgroups for 132 compute units and no serial loop over 4,096, on every layer`, () => {
      const bad: string[] = [];
      for (const c of cases.filter((x) => x.pass === pass)) {
        const { version, launch } = c.plan();
        if (!launch) {
          bad.push(`${c.label}: ${version} states no launch plan`);
          continue;
        }
        const needsFill = c.out >= GPU_RULES.MIN_WORKGROUPS * 256 || c.reduction >= GPU_RULES.MAX_SERIAL_LOOP;
        if (needsFill && launch.workgroups < GPU_RULES.MIN_WORKGROUPS) {
          bad.push(`${c.label}: ${version} runs ${launch.workgroups} workgroups (output ${c.out}, reduction ${c.reduction})`);
        }
        if (launch.loop > GPU_RULES.MAX_SERIAL_LOOP) bad.push(`${c.label}: ${version} loops ${launch.loop} times in a thread`);
      }
      expect(bad).toEqual([]);
    });
  }
});
