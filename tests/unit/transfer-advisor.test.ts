// The transfer layer's pure parts: recommendStrategy follows its published table, discriminative rates are
// geometric and refuse a range in the wrong order, and each recipe's epoch plans are what its doc says.

import { describe, expect, it } from 'vitest';
import { recommendStrategy, SIMILAR_AT, SMALL_PER_CLASS } from '../../src/transfer/advisor.ts';
import { discriminativeLrs } from '../../src/transfer/layer-groups.ts';
import { recipes } from '../../src/transfer/recipes.ts';

describe('recommendStrategy', () => {
  it('follows the four-scenario table at its fixed thresholds', () => {
    expect([SMALL_PER_CLASS, SIMILAR_AT]).toEqual([100, 0.5]);
    const pick = (targetSize: number, similarity: number) => recommendStrategy({ targetSize, numClasses: 5, similarity }).strategy;
    expect(pick(100, 0.8)).toBe('feature-extraction'); // 20 per class, similar
    expect(pick(100, 0.2)).toBe('truncate-fine-tune'); // 20 per class, different
    expect(pick(4000, 0.8)).toBe('fine-tune-all'); // 800 per class, similar
    expect(pick(4000, 0.2)).toBe('fine-tune-all'); // large, different
    // The boundaries: 100 per class is large, a similarity of exactly 0.5 is similar.
    expect(pick(499, 0.5)).toBe('feature-extraction');
    expect(pick(500, 0.49)).toBe('fine-tune-all');
    const different = recommendStrategy({ targetSize: 4000, numClasses: 5, similarity: 0.1 });
    const similar = recommendStrategy({ targetSize: 4000, numClasses: 5, similarity: 0.9 });
    expect(different.lrRatio[0]).toBeGreaterThan(similar.lrRatio[0]); // lower layers move further for a different task
  });

  it('passes the measured best cut point on, and rejects bad queries', () => {
    const advice = recommendStrategy({ targetSize: 50, numClasses: 5, similarity: { similarity: 0.1, bestCut: 'features.1' } });
    expect(advice).toMatchObject({ strategy: 'truncate-fine-tune', truncateAt: 'features.1', size: 'small', similar: false, ruleVersion: 1 });
    expect(advice.reason).toContain('10 samples per class');
    expect(() => recommendStrategy({ targetSize: 0, numClasses: 5, similarity: 0.5 })).toThrow(/targetSize must be a positive integer, got 0/);
    expect(() => recommendStrategy({ targetSize: 10, numClasses: 5, similarity: Number.NaN })).toThrow(/similarity must be a finite number/);
    expect(() => recommendStrategy({ targetSize: 10, numClasses: 5, similarity: 0.5, sizes: 3 } as never))
      .toThrow('recommendStrategy: unknown option "sizes"; accepted: targetSize, numClasses, similarity');
  });
});

describe('discriminative learning rates', () => {
  it('spreads geometrically from the bottom group to the top', () => {
    const lrs = discriminativeLrs(3, [1e-4, 1e-2]);
    expect(lrs[0]).toBeCloseTo(1e-4, 12);
    expect(lrs[1]).toBeCloseTo(1e-3, 12);
    expect(lrs[2]).toBeCloseTo(1e-2, 12);
    expect(discriminativeLrs(1, [1e-4, 1e-2])).toEqual([1e-2]);
  });

  it('refuses a range in the wrong order or with non-positive rates', () => {
    expect(() => discriminativeLrs(3, [1e-2, 1e-4]))
      .toThrow('discriminativeLrs: the range [0.01, 0.0001] is in the wrong order: pass [lowLr, highLr] with the bottom group\'s (smaller) rate first');
    expect(() => discriminativeLrs(3, [0, 1e-2])).toThrow(/must be positive numbers, got \[0, 0.01\]/);
    expect(() => recipes.fineTune({ lrs: [1e-2, 1e-3] })).toThrow(/wrong order/);
  });
});

describe('recipes as epoch plans', () => {
  it('fineTune: frozen epochs with the head alone, then every group at discriminative rates', () => {
    const r = recipes.fineTune({ frozenEpochs: 1, lrs: [1e-4, 1e-2] });
    expect(r(0, 3)).toEqual({ frozenGroups: 2, lrs: [1e-2, 1e-2, 1e-2] });
    const later = r(1, 3);
    expect(later.frozenGroups).toBe(0);
    expect(later.lrs.map((x) => Number(x.toPrecision(6)))).toEqual([1e-4, 1e-3, 1e-2]);
  });

  it('gradualUnfreezing: one more group from the top every k epochs, deeper groups at smaller rates', () => {
    const r = recipes.gradualUnfreezing({ every: 2, lrs: [1e-3, 1e-2] });
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((e) => r(e, 4).frozenGroups)).toEqual([3, 3, 2, 2, 1, 1, 0, 0]);
    const lrs = r(6, 4).lrs;
    expect(lrs[0]!).toBeLessThan(lrs[1]!);
    expect(lrs[3]).toBeCloseTo(1e-2, 12);
  });

  it('backboneFinetuning: the head alone, then the backbone from a fraction of the head rate, growing, capped', () => {
    const r = recipes.backboneFinetuning({ unfreezeAt: 2, lr: 1e-2, initialRatio: 0.1, multiplier: 2 });
    expect(r(1, 3)).toEqual({ frozenGroups: 2, lrs: [1e-2, 1e-2, 1e-2] });
    expect(r(2, 3).frozenGroups).toBe(0);
    expect(r(2, 3).lrs[0]).toBeCloseTo(1e-3, 12);
    expect(r(3, 3).lrs[0]).toBeCloseTo(2e-3, 12);
    expect(r(9, 3).lrs[0]).toBeCloseTo(1e-2, 12); // capped at the head's rate
    expect(r(9, 3).lrs[2]).toBe(1e-2);
  });

  it('featureExtraction, fineTuneTop and allGroups; unknown keys throw', () => {
    expect(recipes.featureExtraction({ lr: 1e-3 })(5, 4).frozenGroups).toBe(3);
    expect(recipes.fineTuneTop({ lr: 1e-3 })(0, 4).frozenGroups).toBe(2);
    expect(recipes.allGroups({ lr: 1e-3 })(0, 4).frozenGroups).toBe(0);
    expect(() => recipes.featureExtraction({ lr: 1e-3, learning_rate: 1 } as never)).toThrow('featureExtraction: unknown option "learning_rate"; accepted: lr');
  });
});
