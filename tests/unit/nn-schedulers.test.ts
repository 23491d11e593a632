// Learning-rate schedulers vs PyTorch (tests/fixtures/torch/schedulers.json): the lr of each of two groups at
// each of 12 steps (read before the step's scheduler.step(), as the fixture records them).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CosineWarmup, LambdaLR, LinearWarmup, StepLR, type LRScheduler, type LrTarget } from '../../src/nn/schedulers.ts';

interface SchedCase {
  name: string;
  params: Record<string, number>;
  base_lrs: number[];
  steps: number;
  lrs: number[][];
  factors?: number[];
}
const cases = (JSON.parse(readFileSync(new URL('../fixtures/torch/schedulers.json', import.meta.url), 'utf8')) as { cases: SchedCase[] }).cases;

function make(c: SchedCase, opt: LrTarget): LRScheduler {
  switch (c.name) {
    case 'step_lr': return new StepLR(opt, { stepSize: c.params.step_size!, gamma: c.params.gamma! });
    case 'linear_warmup': return new LinearWarmup(opt, { warmupSteps: c.params.warmup! });
    case 'cosine_warmup': return new CosineWarmup(opt, { warmupSteps: c.params.warmup!, totalSteps: c.params.total!, minFactor: c.params.min_factor! });
    default: throw new Error(c.name);
  }
}

describe('lr schedulers vs PyTorch', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.steps} steps, two groups`, () => {
      const opt: LrTarget = { paramGroups: c.base_lrs.map((lr) => ({ lr })) };
      const sched = make(c, opt);
      const got: number[][] = [];
      for (let i = 0; i < c.steps; i++) {
        got.push(opt.paramGroups.map((g) => g.lr));
        sched.step();
      }
      got.forEach((row, i) => row.forEach((lr, j) => expect(lr).toBeCloseTo(c.lrs[i]![j]!, 14)));
      expect(sched.baseLrs).toEqual(c.base_lrs);
    });
  }

  it('LambdaLR takes one function per group; a second scheduler starts from initialLr', () => {
    const opt: LrTarget = { paramGroups: [{ lr: 1 }, { lr: 2 }] };
    const s = new LambdaLR(opt, [(t) => 0.5 ** t, (t) => t + 1]);
    expect(s.getLastLr()).toEqual([1, 2]);
    s.step();
    expect(s.getLastLr()).toEqual([0.5, 4]);
    const again = new LambdaLR(opt, () => 0.1);
    expect(again.baseLrs).toEqual([1, 2]);
    expect(again.getLastLr()).toEqual([0.1, 0.2]);
    expect(() => new LambdaLR(opt, [() => 1])).toThrow(/got 1 functions for 2 parameter groups/);
  });

  it('cosine holds its floor after totalSteps; bad settings are errors', () => {
    const opt: LrTarget = { paramGroups: [{ lr: 1 }] };
    const s = new CosineWarmup(opt, { warmupSteps: 0, totalSteps: 4, minFactor: 0.1 });
    const lrs = [s.getLastLr()[0]];
    for (let i = 0; i < 6; i++) {
      s.step();
      lrs.push(s.getLastLr()[0]);
    }
    expect(lrs[0]).toBe(1);
    expect(lrs[2]).toBeCloseTo(0.55, 12);
    expect(lrs.slice(4)).toEqual([0.1, 0.1, 0.1].map((v) => expect.closeTo(v, 12)));
    expect(() => new CosineWarmup(opt, { warmupSteps: 5, totalSteps: 5 })).toThrow(/totalSteps must be an integer > warmupSteps/);
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow(/stepSize/);
    expect(() => new LinearWarmup(opt, { warmupSteps: 0 })).toThrow(/warmupSteps/);
  });
});
