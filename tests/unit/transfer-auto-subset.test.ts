// The auto strategy's bounded, stratified subsets (src/transfer/auto-data.ts stratifiedSubset): what a rung's
// validation pass scores (AUTO_SETTINGS.rungValidation) and what LogME and rule v1's probes score
// (AUTO_SETTINGS.scoreSamples). Bounded by `max`, each class keeps its share (largest remainder, at least one),
// no index twice, sorted, the same for the same seed, everything when the set is no larger than `max`.

import { describe, expect, it } from 'vitest';
import { stratifiedSubset } from '../../src/transfer/auto-data.ts';
import { AUTO_SETTINGS } from '../../src/transfer/auto-settings.ts';

function counts(labels: number[], idx: number[]): number[] {
  const out = new Array<number>(Math.max(...labels) + 1).fill(0);
  for (const i of idx) out[labels[i]!]!++;
  return out;
}

describe('auto: stratifiedSubset', () => {
  it('bounded, stratified by class shares, distinct, sorted, seeded', () => {
    // 915 validation images of 5 classes, unequal (as MNIST 5–9's 20% split): 170, 180, 190, 185, 190.
    const sizes = [170, 180, 190, 185, 190];
    const labels = sizes.flatMap((n, c) => new Array<number>(n).fill(c));
    // Interleave so that the classes are not contiguous.
    const mixed = labels.map((l, i) => ({ l, k: (i * 7919) % labels.length })).sort((a, b) => a.k - b.k).map((x) => x.l);
    const idx = stratifiedSubset(mixed, 64, 3);
    expect(idx).toHaveLength(64);
    expect(new Set(idx).size).toBe(64);
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
    expect(idx.every((i) => i >= 0 && i < mixed.length)).toBe(true);
    // Shares 64·n_c/915 = 11.9, 12.6, 13.3, 12.9, 13.3: floors 11, 12, 13, 12, 13 (61), the 3 largest remainders get one more.
    expect(counts(mixed, idx)).toEqual([12, 13, 13, 13, 13]);
    expect(stratifiedSubset(mixed, 64, 3)).toEqual(idx);
    expect(stratifiedSubset(mixed, 64, 4)).not.toEqual(idx);
    // A rare class keeps at least one.
    const rare = [...new Array<number>(300).fill(0), 1, 1];
    expect(counts(rare, stratifiedSubset(rare, 20, 0))).toEqual([19, 1]);
    // No larger than max: all of it.
    expect(stratifiedSubset([0, 1, 1, 0], 64, 0)).toEqual([0, 1, 2, 3]);
    expect(AUTO_SETTINGS.rungValidation).toBeGreaterThan(0);
  });
});
