// Kendall's τ-b (examples/kendall.ts), which the transfer experiment reports for the transferability scores,
// against scipy.stats.kendalltau (τ-b by default) on a list with ties in both rankings and on a reversed list:
//   kendalltau([0.1, 0.4, 0.4, 0.9, 0.3, 0.7], [1, 3, 2, 6, 2, 5]) = 0.9285714285714286 (scipy 1.x, here)

import { describe, expect, it } from 'vitest';
import { kendallTauB } from '../../examples/kendall.ts';

describe('kendallTauB', () => {
  it('matches scipy with ties, is −1 reversed, NaN when one list is constant', () => {
    expect(kendallTauB([0.1, 0.4, 0.4, 0.9, 0.3, 0.7], [1, 3, 2, 6, 2, 5])).toBeCloseTo(0.9285714285714286, 12);
    expect(kendallTauB([1, 2, 3, 4, 5], [5, 4, 3, 2, 1])).toBe(-1);
    expect(kendallTauB([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});
