// Scheduler state dicts: a schedule stopped at step k and continued from stateDict() in a fresh scheduler
// over a fresh optimizer gives the lrs of the schedule that never stopped (StepLR is recursive, so it also
// needs the groups' lrs back; CosineWarmup is a function of the step).

import { describe, expect, it } from 'vitest';
import { CosineWarmup, StepLR, type LRScheduler, type LrTarget } from '../../src/nn/schedulers.ts';

const target = (): LrTarget => ({ paramGroups: [{ lr: 0.1 }, { lr: 0.01 }] });

describe('scheduler stateDict / loadStateDict', () => {
  const makers: Array<[string, (o: LrTarget) => LRScheduler]> = [
    ['StepLR', (o) => new StepLR(o, { stepSize: 3, gamma: 0.5 })],
    ['CosineWarmup', (o) => new CosineWarmup(o, { warmupSteps: 2, totalSteps: 10 })],
  ];
  for (const [name, make] of makers) {
    it(`${name}: resumed at step 4 of 9 gives the same lrs`, () => {
      const straightOpt = target();
      const straight = make(straightOpt);
      const want: number[][] = [];
      for (let i = 0; i < 9; i++) {
        straight.step();
        want.push(straight.getLastLr());
      }
      const firstOpt = target();
      const first = make(firstOpt);
      const got: number[][] = [];
      for (let i = 0; i < 4; i++) {
        first.step();
        got.push(first.getLastLr());
      }
      const saved = JSON.parse(JSON.stringify(first.stateDict())) as ReturnType<LRScheduler['stateDict']>;
      const resumed = make(target());
      resumed.loadStateDict(saved);
      for (let i = 4; i < 9; i++) {
        resumed.step();
        got.push(resumed.getLastLr());
      }
      expect(got).toEqual(want);
      expect(saved.kind).toBe(name);
    });
  }

  it('rejects a state of another kind or group count, and unknown keys', () => {
    const s = new StepLR(target(), { stepSize: 2 });
    const state = s.stateDict();
    expect(() => new CosineWarmup(target(), { warmupSteps: 1, totalSteps: 5 }).loadStateDict(state))
      .toThrow('CosineWarmup.loadStateDict: the state is from a StepLR scheduler');
    expect(() => new StepLR({ paramGroups: [{ lr: 1 }] }, { stepSize: 2 }).loadStateDict(state))
      .toThrow('StepLR.loadStateDict: baseLrs must hold 1 learning rates (one per group), got [0.1,0.01]');
    expect(() => s.loadStateDict({ ...state, last_epoch: 3 } as never)).toThrow('StepLR.loadStateDict: unknown option "last_epoch"');
  });
});
