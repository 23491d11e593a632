// The GPU run (bench/gpu/main.ts) may be the only one on a GPU for a while: what it selects must exist. Its sections
// have distinct names and caps that fit 5 minutes; each row filter of the kernels and training sections selects a
// registered bench case (a misspelt one would silently select nothing; the jaxjs section's too); the correctness section runs exactly the
// kernel test files (tests/harness/kernel-files.ts), which test:gles runs too.

import { describe, expect, it } from 'vitest';
import { allCases } from '../../bench/cases/index.ts';
import { selectCases } from '../../bench/harness.ts';
import type { Section } from '../../bench/gpu/section.ts';
import * as kernels from '../../bench/gpu/sections/kernels.ts';
import * as training from '../../bench/gpu/sections/training.ts';
import * as jaxjs from '../../bench/gpu/sections/jaxjs.ts';
import { TINY_FILES, globbedFiles } from '../../bench/gpu/sections/correctness.ts';
import { KERNEL_TEST_FILES } from '../harness/kernel-files.ts';
import glesConfig from '../../vitest.gles.config.ts';

const sections = Object.values(import.meta.glob<{ section: Section }>('../../bench/gpu/sections/*.ts', { eager: true })).map((m) => m.section);

describe('the GPU run', () => {
  it('has the kernels, correctness and training sections, distinct names, caps within 5 minutes', () => {
    const names = sections.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['kernels', 'correctness', 'training']));
    expect(new Set(names).size).toBe(names.length);
    expect(sections.filter((s) => !s.optIn).reduce((t, s) => t + s.capSeconds, 0)).toBeLessThanOrEqual(290);
    // The transfer experiment runs only with --only transfer, within one device call (10 minutes).
    const transfer = sections.find((s) => s.name === 'transfer');
    expect(transfer?.optIn).toBe(true);
    expect(transfer!.capSeconds).toBeLessThanOrEqual(540);
    // An opt-in section (--only NAME) fits one 10-minute device command.
    for (const s of sections.filter((x) => x.optIn)) expect(s.capSeconds).toBeLessThanOrEqual(570);
  });

  for (const [name, rows] of Object.entries({ kernels, training, jaxjs })) {
    for (const tiny of [false, true]) {
      it(`${name}${tiny ? ' --tiny' : ''}: every row filter selects a bench case`, () => {
        for (const alternative of tiny ? rows.TINY_ROWS : rows.ROWS) {
          expect(selectCases(allCases(), { quick: tiny, filter: alternative }).length, `"${alternative}" selects no case`).toBeGreaterThan(0);
        }
      });
    }
  }

  it('kernels: includes the depthwise and pointwise rows and both zoo models at batch 16', () => {
    const names = selectCases(allCases(), { quick: false, filter: kernels.ROWS.join(',') }).map((c) => c.name);
    expect(names).toContain('depthwise mobilenet_v2 features.3 C144 56² N16 fwd');
    expect(names).toContain('conv2d mobilenet_v2 features.14 expand 160→960 1×1 7² N16 bwd');
    expect(names).toContain('models resnet18 224² N16 fwd');
    expect(names).toContain('models mobilenet_v2 224² N16 fwd');
  });

  it('correctness and test:gles run the kernel test files', () => {
    expect(globbedFiles().sort()).toEqual([...KERNEL_TEST_FILES].sort());
    for (const f of TINY_FILES) expect(KERNEL_TEST_FILES).toContain(f);
    expect(glesConfig.test?.include).toEqual(KERNEL_TEST_FILES);
  });
});
