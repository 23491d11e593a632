// Strategy names ↔ recipes (src/transfer/strategies.ts): every answer the advisor can give becomes a plan fit
// runs (its recipe, its rates from the advice's lrRatio, the cut point for truncate-fine-tune), every recipe
// names the strategy it implements, and a strategy the table does not know is refused naming the valid ones.
// The same advisor outputs train for one epoch in tests/gpu/fit.test.ts. Also: the version saved models carry
// is package.json's.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recommendStrategy, type Strategy } from '../../src/transfer/advisor.ts';
import { recipes } from '../../src/transfer/recipes.ts';
import { DEFAULT_LR_RATIO, planStrategy, RECIPE_OF_STRATEGY, STRATEGIES, strategyOfRecipe } from '../../src/transfer/strategies.ts';
import { LIBRARY_VERSION } from '../../src/transfer/model-file.ts';
import { REPO_ROOT } from '../harness/doc-blocks.ts';

/** Every advice the rule can give: a grid over size and similarity, with and without a best cut. */
function everyAdvice() {
  const out = [];
  for (const targetSize of [10, 50, 499, 500, 4000]) {
    for (const s of [-1, 0, 0.2, 0.49, 0.5, 0.8, 1]) {
      out.push(recommendStrategy({ targetSize, numClasses: 5, similarity: { similarity: s, bestCut: 'features.1' } }));
    }
  }
  return out;
}

describe('strategies ↔ recipes', () => {
  it('every advisor output is a plan fit runs, with the advice rates and cut point', () => {
    const advices = everyAdvice();
    expect(new Set(advices.map((a) => a.strategy))).toEqual(new Set(['feature-extraction', 'truncate-fine-tune', 'fine-tune-all']));
    for (const advice of advices) {
      const plan = planStrategy('fit', advice, 1e-3);
      expect(plan.strategy).toBe(advice.strategy);
      expect(plan.recipeName).toBe(RECIPE_OF_STRATEGY[advice.strategy]);
      expect(typeof plan.recipe).toBe('function');
      if (advice.strategy === 'truncate-fine-tune') expect(plan.truncateAt).toBe('features.1');
      if (advice.strategy !== 'feature-extraction') expect(plan.lrs[0]).toBeCloseTo(1e-3 * advice.lrRatio[0], 12);
      // The plan of the last of 4 epochs over 4 groups: fine-tune-all trains every group at the advice's spread.
      const last = plan.recipe(3, 4);
      const spread = [0, 1, 2, 3].map((i) => expect.closeTo(plan.lrs[0] * (plan.lrs[1] / plan.lrs[0]) ** (i / 3), 12));
      if (advice.strategy === 'fine-tune-all') expect(last).toEqual({ frozenGroups: 0, lrs: spread });
      if (advice.strategy === 'feature-extraction') expect(last.frozenGroups).toBe(3);
    }
  });

  it('every strategy name maps to a recipe, and every recipe names its strategy', () => {
    for (const s of STRATEGIES) {
      const plan = planStrategy('fit', s, 0.01, s === 'truncate-fine-tune' ? 'features.0' : undefined);
      expect(Object.keys(recipes)).toContain(plan.recipeName);
      expect(plan.lrs[1]).toBe(0.01);
      expect(plan.lrs[0]).toBeCloseTo(['fineTune', 'gradualUnfreezing'].includes(plan.recipeName) ? 0.01 * DEFAULT_LR_RATIO[s] : 0.01, 12);
      expect(plan.reinitialize).toBe(s === 'from-scratch');
    }
    const back = Object.fromEntries(Object.keys(recipes).map((r) => [r, strategyOfRecipe(r as keyof typeof recipes)]));
    expect(back).toEqual({
      featureExtraction: 'feature-extraction', fineTuneTop: 'fine-tune-top', fineTune: 'fine-tune-all', gradualUnfreezing: 'gradual-unfreezing',
      backboneFinetuning: 'fine-tune-all', allGroups: 'from-scratch',
    });
    for (const s of STRATEGIES.filter((x) => x !== 'truncate-fine-tune')) expect(strategyOfRecipe(RECIPE_OF_STRATEGY[s])).toBe(s);
  });

  it('refuses an unknown strategy and a truncate-fine-tune with no cut point, naming what is valid', () => {
    const names = 'from-scratch, feature-extraction, fine-tune-top, fine-tune-all, truncate-fine-tune, gradual-unfreezing';
    expect(() => planStrategy('fit', 'fine-tune' as Strategy, 1e-3)).toThrow(`strategy must be one of ${names}`);
    expect(() => planStrategy('fit', 'truncate-fine-tune', 1e-3)).toThrow(/needs the cut point/);
    expect(() => strategyOfRecipe('nope' as keyof typeof recipes)).toThrow(/is not a recipe/);
  });

  it('saved models carry the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(LIBRARY_VERSION).toBe(pkg.version);
  });
});
