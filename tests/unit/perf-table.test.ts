// docs/performance.md's table is generated (scripts/perf-table.mjs, `npm run docs:perf`) from the newest
// committed bench/results files: this fails when someone edits the table by hand or commits a result without
// regenerating it. The generator itself is checked on made-up reports: the newest row per device and name
// wins, forced versions survive a newer plain run, failed validations show.

import { describe, expect, it } from 'vitest';
import { BEGIN, END, TARGET, type ResultReport, type ResultRow, expectedDoc, fmtMs, perfTable, replaceBetweenMarkers } from '../../scripts/perf-table.mjs';

const row = (name: string, ms: number, extra: Partial<ResultRow> = {}): ResultRow => ({
  family: 'matmul', name, shape: `${name} shape`, impl: 'auto → v2', ours: { ms, gflops: 1.5 }, variants: {},
  tfjs: { ms: 2 * ms, gflops: 0.75 }, ratio: 2, check: { against: ['cpu'], ok: true }, ...extra,
});
const report = (file: string, date: string, rows: ResultRow[], adapter = 'acme / gpu'): ResultReport => ({
  file, date, command: `npm run bench # ${file}`, runtime: 'chrome', device: { adapter, cpuAdapter: false }, rows,
});

describe('docs/performance.md table', () => {
  it('is what `npm run docs:perf` generates from bench/results', () => {
    const { doc, expected } = expectedDoc();
    expect(TARGET).toBe('docs/performance.md');
    expect(doc).toContain(BEGIN);
    expect(doc).toContain(END);
    expect(doc, `${TARGET} is stale: run \`npm run docs:perf\``).toBe(expected);
  });
});

describe('perf-table generator', () => {
  it('keeps the newest row per device and name, and names the file and command of each', () => {
    const table = perfTable([
      report('old.json', '2026-01-01T00:00:00Z', [row('matmul 256', 50, { variants: { v1: { ms: 140, gflops: 0.2 } } }), row('matmul 512', 300)]),
      report('new.json', '2026-02-01T00:00:00Z', [row('matmul 256', 25)]),
      report('other.json', '2026-01-15T00:00:00Z', [row('matmul 256', 7)], 'other / adapter'),
    ]);
    expect(table).toContain('| matmul 256 | matmul 256 shape | auto → v2 | 25.0 ms, 1.50 GFLOP/s | 50.0 ms, 0.75 GFLOP/s | 2.00× |');
    expect(table).not.toContain('| matmul 256 | matmul 256 shape | auto → v2 | 50.0 ms');
    expect(table).toContain('| matmul 512 | matmul 512 shape | auto → v2 | 300 ms');
    expect(table).toContain('| matmul 256 [2] | 140 ms, 0.20 GFLOP/s |'); // the versions of the older run survive
    expect(table).toContain('**other / adapter**');
    expect(table).toContain('| matmul 256 | matmul 256 shape | auto → v2 | 7.00 ms');
    expect(table).toContain('`npm run bench # new.json`, 2026-02-01: [bench/results/new.json](bench/results/new.json)');
    expect(perfTable([report('new.json', '2026-02-01T00:00:00Z', [row('matmul 256', 25)])], '../'))
      .toContain('[bench/results/new.json](../bench/results/new.json)'); // links relative to docs/
  });

  it('adds the jax-js columns when a row has them (ms and jax-js / ours, or why there is none)', () => {
    const table = perfTable([
      report('j.json', '2026-03-01T00:00:00Z', [
        row('matmul 256', 20, { jaxjs: { ms: 10, gflops: 3 }, ratioJax: 0.5 }),
        row('pool', 10, { ratioJax: null, jaxjsSkip: 'jax-js lacks it' }),
      ]),
    ]);
    expect(table).toContain('| TF.js / ours | jax-js (read back) | jax-js / ours | validated |');
    expect(table).toContain('| 2.00× | 10.0 ms, 3.00 GFLOP/s | 0.50× |');
    expect(table).toContain('| — | — (jax-js lacks it) |');
    expect(perfTable([report('n.json', '2026-03-01T00:00:00Z', [row('matmul 256', 20)])])).not.toContain('jax-js');
  });

  it('marks a row whose validation failed, and skips rows that errored', () => {
    const table = perfTable([
      report('r.json', '2026-01-01T00:00:00Z', [
        row('bad', 10, { check: { against: ['cpu'], ok: false, detail: 'ours vs cpu: max err 1' } }),
        row('broken', 10, { error: 'boom', ours: null }),
      ]),
    ]);
    expect(table).toContain('FAILED: ours vs cpu: max err 1');
    expect(table).not.toContain('broken');
  });

  it('replaces only the text between the markers, and asks for them when missing', () => {
    const readme = `# x\n\n${BEGIN}\nold table\n${END}\n\nafter\n`;
    expect(replaceBetweenMarkers(readme, 'new')).toBe(`# x\n\n${BEGIN}\nnew\n${END}\n\nafter\n`);
    expect(() => replaceBetweenMarkers('# no markers', 'new')).toThrow(/needs the markers/);
  });

  it('prints three significant digits', () => {
    expect([fmtMs(1234.5), fmtMs(166.2), fmtMs(91.94), fmtMs(4.574)]).toEqual(['1235', '166', '91.9', '4.57']);
  });
});
