// Benchmark rows under a section's cap, for the kernels and training sections: the cases of bench/cases/ whose
// names match, one at a time through bench/harness.ts (validation against TF.js / the CPU reference, every kernel
// version with `versions`, timing), stopping before a row when the cap is near.

import { formatTable, runBench, selectCases, type BenchRow } from '../harness.ts';
import { allCases } from '../cases/index.ts';
import type { SectionContext } from './section.ts';

export interface RowsResult {
  rows: BenchRow[];
  /** Rows not run because the cap came first. */
  notRun: string[];
  table: string;
}

/**
 * Runs the cases matching any of `filter` (bench/harness.ts selectCases; quick cases only with --tiny). Timing is
 * short (3 rounds of about `targetMs` per subject) so that the GPU run fits its 5 minutes. A row starts only with
 * more than `reserveSeconds` left.
 */
export async function runRows(
  ctx: SectionContext,
  filter: string[],
  options: { versions: boolean; reserveSeconds: number; targetMs?: number; jax?: boolean },
): Promise<RowsResult> {
  const cases = selectCases(allCases(), { quick: ctx.tiny, filter: filter.join(',') });
  await ctx.E.init({ powerPreference: 'high-performance' }); // navigator.gpu: Dawn, installed by bench/node-setup.ts
  const rows: BenchRow[] = [];
  const notRun: string[] = [];
  const benchOptions = {
    quick: ctx.tiny,
    versions: options.versions,
    iterations: ctx.tiny ? 2 : null,
    rounds: ctx.tiny ? 1 : 3,
    targetMs: options.targetMs ?? (ctx.tiny ? 50 : 150),
    command: `bench:gpu section (${filter.join(', ')})`,
    runtime: 'node-dawn' as const,
  };
  for (const c of cases) {
    if (ctx.timeLeft() < options.reserveSeconds) {
      notRun.push(c.name);
      continue;
    }
    const report = await runBench(ctx.E, ctx.tf, [c], benchOptions, () => {}, options.jax ? ctx.jax : null);
    const row = report.rows[0]!;
    rows.push(row);
    const jaxPart = row.jaxjs ? `, jax-js ${row.jaxjs.ms.toPrecision(3)} ms (jax-js/ours ${row.ratioJax!.toFixed(2)})` : '';
    const timing = `${row.impl} ${row.ours?.ms.toPrecision(3)} ms${row.tfjs ? `, TF.js ${row.tfjs.ms.toPrecision(3)} ms` : ''}${jaxPart}`;
    ctx.log(`${row.name}: ${row.error ? `ERROR ${row.error}` : `${timing}${row.check.ok ? '' : ' (CHECK FAILED)'}`}`);
  }
  const table = formatTable({ rows, options: { ...benchOptions, filter: null, versions: options.versions } });
  return { rows, notRun, table };
}

/** Whether every row ran cleanly and validated. */
export const rowsOk = (rows: BenchRow[]): boolean => rows.every((r) => !r.error && r.check.ok);
