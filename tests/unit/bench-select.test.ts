// The benchmark's row selection and file naming (bench/harness.ts): `--also` adds named rows to a --quick run,
// `--tag` names the result file, and every `--also` alternative of the committed jax-js run (bench/README.md)
// selects a registered row (a renamed row would silently drop out of it).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allCases } from '../../bench/cases/index.ts';
import { resultFileName, selectCases } from '../../bench/harness.ts';

const report = (options: { filter: string | null; tag?: string | null }) => ({
  date: '2026-12-07T17:00:00.000Z', runtime: 'chrome', device: { slug: 'google-swiftshader' },
  options: { quick: true, versions: false, iterations: null, rounds: null, targetMs: 300, ...options },
}) as unknown as Parameters<typeof resultFileName>[0];

describe('bench row selection', () => {
  it('--also adds non-quick rows to a quick run; a filter still narrows', () => {
    const quick = selectCases(allCases(), { quick: true });
    const plus = selectCases(allCases(), { quick: true, also: 'matmul 1024,train mnist-cnn full N16' });
    expect(plus.map((c) => c.name)).toEqual(expect.arrayContaining(['matmul 1024', 'train mnist-cnn full N16', ...quick.map((c) => c.name)]));
    expect(plus.length).toBe(quick.length + 2);
    expect(selectCases(allCases(), { quick: true, also: 'matmul 1024', filter: 'matmul' }).map((c) => c.name)).toContain('matmul 1024');
  });

  it('the untuned rows are quick', () => {
    const names = selectCases(allCases(), { quick: true }).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['matmul 300×700×200', 'linear 37×3136→128', 'conv2d untuned 17→40 13²/2 N3 fwd']));
  });

  it('--tag names the result file instead of the filter', () => {
    expect(resultFileName(report({ filter: null, tag: 'jaxjs' }))).toBe('2026-12-07-google-swiftshader-chrome-jaxjs.json');
    expect(resultFileName(report({ filter: 'matmul 256' }))).toBe('2026-12-07-google-swiftshader-chrome-matmul-256.json');
  });

  it("every --also alternative of bench/README.md's committed jax-js run selects a row", () => {
    const readme = readFileSync('bench/README.md', 'utf8');
    const also = /--also "([^"]+)"/.exec(readme)?.[1];
    expect(also, 'bench/README.md names the committed run with --also "..."').toBeTruthy();
    for (const alternative of also!.split(',')) {
      expect(selectCases(allCases(), { quick: false, filter: alternative }).length, `"${alternative}" selects no row`).toBeGreaterThan(0);
    }
  });
});
