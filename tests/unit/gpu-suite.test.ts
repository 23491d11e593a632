// The one GPU run (bench/gpu/suite.ts) names its rows by filter alternatives; a misspelt one would select
// nothing and the run, which may be the only one on a GPU, would silently lack those rows. Each alternative of
// each suite must select at least one registered bench case (with the suite's quick setting).

import { describe, expect, it } from 'vitest';
import { allCases } from '../../bench/cases/index.ts';
import { SUITES } from '../../bench/gpu/suite.ts';
import { selectCases } from '../../bench/harness.ts';

describe('the GPU run suites', () => {
  for (const [name, suite] of Object.entries(SUITES)) {
    it(`${name}: every filter alternative selects a bench case`, () => {
      const cases = allCases();
      expect(cases.length).toBeGreaterThan(10);
      for (const alternative of suite.filter) {
        const selected = selectCases(cases, { quick: suite.quick, filter: alternative });
        expect(selected.length, `${name}: "${alternative}" selects no case`).toBeGreaterThan(0);
      }
    });
  }

  it('gpu: includes the depthwise and pointwise rows and both zoo models at batch 16', () => {
    const names = selectCases(allCases(), { quick: SUITES.gpu.quick, filter: SUITES.gpu.filter.join(',') }).map((c) => c.name);
    expect(names).toContain('depthwise mobilenet_v2 features.3 C144 56² N16 fwd');
    expect(names).toContain('conv2d mobilenet_v2 features.14 expand 160→960 1×1 7² N16 bwd');
    expect(names).toContain('models resnet18 224² N16 fwd');
    expect(names).toContain('models mobilenet_v2 224² N16 fwd');
  });
});
