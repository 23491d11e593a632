// NaN and ±inf as PyTorch 1.13 has them: every case of tests/fixtures/torch/nonfinite.json (one per op
// family: activations, exp/log/sqrt, maximum/minimum and arithmetic, reductions and arg-reductions, softmax,
// max-pooling with its gradient, crossEntropy with a -inf logit, matmul, clamp, where, the comparisons and
// the maximum / minimum gradients). A NaN must come out NaN, an
// infinity the same infinity, everything else close.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';
import type { NonfiniteCase, NonfiniteReport } from '../harness/nonfinite.ts';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/nonfinite.json', import.meta.url), 'utf8')) as { cases: NonfiniteCase[] };

describe('NaN and infinity vs PyTorch fixtures', () => {
  const gpu = useGpuPage();
  let report: NonfiniteReport = {};
  let after: number[] = [];
  beforeAll(async () => {
    ({ report, after } = await gpu.run(async (E, H, cases: NonfiniteCase[]) => {
      await E.init();
      const r = await H.runNonfiniteCases(E, cases);
      // The engine computes correctly right after.
      return { report: r, after: Array.from(await E.tensor([1, 2]).mul(3).data()) };
    }, fixture.cases));
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      expect(report[c.name], `${c.name}: [where, index, got, want]`).toEqual([]);
    });
  }

  it('computes correctly after the non-finite cases', () => {
    expect(after).toEqual([3, 6]);
  });
});
