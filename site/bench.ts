// The benchmark page: every registered row (bench/cases/*.ts: kernels, and training steps once registered)
// run by the same harness as `npm run bench` (bench/harness.ts), ours against TF.js WebGPU and jax-js on the
// visitor's adapter, one row at a time with progress; a table and bar charts of ms and of the TF.js/ours ratio; the
// report downloadable as JSON in the bench/results format; a committed (or any) report loaded beside it.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
// The training-step rows take TF.js gradients; tfjs-core's ES entry does not register them (its bundles do).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as jax from '@jax-js/jax';
import { initJax } from '../bench/jaxjs.ts';
import * as Public from '../src/index.ts';
import * as Internal from '../src/engine/internal.ts';
import { allCases } from '../bench/cases/index.ts';
import { formatTable, isCpuAdapter, resultFileName, runBench, selectCases, type BenchReport, type BenchRow } from '../bench/harness.ts';
import { hBarChart } from '../examples/svg-chart.ts';
import { QUICK, adapterTable, byId, describeAdapter, esc, fetchAsset, fmt, job, markReady, progress, readNumber, showError, site } from './common.ts';

const message = byId('message');
const logEl = byId('log');
const bar = progress(byId('progress'));
const filterInput = byId<HTMLInputElement>('filter');
const quickBox = byId<HTMLInputElement>('quick');
const tfjsBox = byId<HTMLInputElement>('tfjs');
const jaxjsBox = byId<HTMLInputElement>('jaxjs');
const versionsBox = byId<HTMLInputElement>('versions');
const iterationsInput = byId<HTMLInputElement>('iterations');
const runButton = byId<HTMLButtonElement>('run');
const downloadButton = byId<HTMLButtonElement>('download');
const compareSelect = byId<HTMLSelectElement>('compare-select');
const compareStatus = byId('compare-status');

// The benchmark cases take the engine as the bench pages do: the public API plus its internals (bench/registry.ts).
const E = { ...Public, internal: Internal };
let mine: BenchReport | null = null;
let theirs: BenchReport | null = null;
let tfReady: Promise<boolean> | null = null;
let jaxReady: Promise<void> | null = null;

function log(line: string): void {
  logEl.textContent += `${line}\n`;
}

/** Throws unless `data` is a benchmark report of bench/results (BenchReport): what a comparison needs. */
export function checkReport(data: unknown, source: string): BenchReport {
  const problem = (what: string): Error => new Error(
    `${source} is not a benchmark result in the bench/results format (${what}). `
    + 'Use a file written by `npm run bench` or downloaded from this page.',
  );
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw problem('not a JSON object');
  const r = data as Partial<BenchReport>;
  if (!r.device || typeof r.device.adapter !== 'string') throw problem('no device.adapter');
  if (!Array.isArray(r.rows)) throw problem('no rows array');
  r.rows.forEach((row: Partial<BenchRow>, i) => {
    if (typeof row?.name !== 'string') throw problem(`rows[${i}] has no name`);
    if (row.ours !== null && (typeof row.ours !== 'object' || typeof row.ours?.ms !== 'number')) throw problem(`rows[${i}] (${row.name}) has no ours.ms`);
  });
  return r as BenchReport;
}

function label(r: BenchReport): string {
  return `${r.device.adapter} (${r.date.slice(0, 10)})`;
}

function render(): void {
  const names = [...new Set([...(mine?.rows ?? []), ...(theirs?.rows ?? [])].map((r) => r.name))];
  if (names.length === 0) {
    byId('table').innerHTML = '';
    byId('chart-ms').innerHTML = '';
    byId('chart-ratio').innerHTML = '';
    return;
  }
  const find = (rep: BenchReport | null, name: string): BenchRow | undefined => rep?.rows.find((r) => r.name === name);
  const head = [
    'family', 'case', 'shape', 'ours: kernel', 'ours ms', 'ours GFLOP/s', 'TF.js ms', 'TF.js GFLOP/s', 'TF.js/ours', 'jax-js ms', 'jax-js/ours', 'check',
  ];
  if (theirs) head.push(`ours ms — ${label(theirs)}`, `TF.js ms — ${label(theirs)}`, `TF.js/ours — ${label(theirs)}`);
  const cells = (r: BenchRow | undefined): string[] => {
    if (!r) return ['–', '–', '–', '–', '–', '–', '–'];
    return [
      fmt(r.ours?.ms), fmt(r.ours?.gflops), fmt(r.tfjs?.ms), fmt(r.tfjs?.gflops), r.ratio === null ? '–' : r.ratio.toFixed(2),
      fmt(r.jaxjs?.ms), r.ratioJax === null || r.ratioJax === undefined ? '–' : r.ratioJax.toFixed(2),
    ];
  };
  const rows = names.map((name) => {
    const a = find(mine, name);
    const b = find(theirs, name);
    const any = (a ?? b)!;
    const check = !a ? '–'
      : a.error ? `<span class="bad">${esc(a.error)}</span>`
      : a.check.ok ? `<span class="good">ok</span>${a.check.against.length ? ` vs ${a.check.against.join(', ')}` : ''}`
      : `<span class="bad">FAIL ${esc(a.check.detail ?? '')}</span>`;
    const mineCells = cells(a).map((c) => `<td class="num">${c}</td>`);
    const tds = [
      `<td>${esc(any.family ?? '')}</td>`, `<td>${esc(name)}</td>`, `<td>${esc(any.shape ?? '')}</td>`, `<td>${esc(a?.impl ?? '–')}</td>`,
      ...mineCells, `<td>${check}</td>`,
    ];
    if (theirs) {
      const t = cells(b);
      tds.push(`<td class="num">${t[0]}</td>`, `<td class="num">${t[2]}</td>`, `<td class="num">${t[4]}</td>`);
    }
    return `<tr>${tds.join('')}</tr>`;
  });
  const caption = [
    mine ? `this run: ${label(mine)}, ${mine.device.timestampQuery ? 'GPU timestamps' : 'wall time'}` : null,
    theirs ? `compared: ${label(theirs)}` : null,
  ].filter(Boolean).join(' · ');
  byId('table').innerHTML = `<table id="results"><caption class="small">${esc(caption)}</caption>`
    + `<tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.join('')}</table>${stepTable()}`;

  const series: string[] = [];
  const pick: Array<(name: string) => number | null> = [];
  if (mine) {
    series.push('ours (this GPU)');
    pick.push((n) => find(mine, n)?.ours?.ms ?? null);
    if (mine.rows.some((r) => r.tfjs)) {
      series.push('TF.js (this GPU)');
      pick.push((n) => find(mine, n)?.tfjs?.ms ?? null);
    }
    if (mine.rows.some((r) => r.jaxjs)) {
      series.push('jax-js (this GPU, read back)');
      pick.push((n) => find(mine, n)?.jaxjs?.ms ?? null);
    }
  }
  if (theirs) {
    series.push(`ours (${theirs.device.adapter})`, `TF.js (${theirs.device.adapter})`);
    pick.push((n) => find(theirs, n)?.ours?.ms ?? null, (n) => find(theirs, n)?.tfjs?.ms ?? null);
  }
  byId('chart-ms').innerHTML = hBarChart(
    names.map((n) => ({ label: n, values: pick.map((p) => p(n)) })),
    { title: 'Time per run', xLabel: 'ms per run, log scale (lower is better)', series, logX: true },
  );
  const ratioSeries = [mine ? 'this GPU' : null, theirs ? theirs.device.adapter : null].filter((s): s is string => s !== null);
  byId('chart-ratio').innerHTML = hBarChart(
    names.map((n) => ({
      label: n,
      values: [mine ? find(mine, n)?.ratio ?? null : undefined, theirs ? find(theirs, n)?.ratio ?? null : undefined].filter((v) => v !== undefined),
    })),
    {
      title: 'Speed relative to TF.js WebGPU', xLabel: 'TF.js ms / our ms (above 1: ours is faster)', series: ratioSeries,
      marker: { value: 1, label: 'TF.js' },
    },
  );
}

/** The training-step rows of this run (bench/cases/train.ts): throughput and what one step dispatches. */
function stepTable(): string {
  const steps = (mine?.rows ?? []).filter((r) => r.kind === 'train-step' && r.step);
  if (steps.length === 0) return '';
  const head = [
    'training step', 'batch', 'ours samples/s', 'TF.js samples/s', 'jax-js samples/s', 'dispatches / step', 'submits / step', 'new buffers / step',
    'new bind groups / step', 'first losses (ours)',
  ];
  const rows = steps.map((r) => {
    const s = r.step!;
    return `<tr><td>${esc(r.name)}</td><td class="num">${s.batch}</td><td class="num">${fmt(s.oursSamplesPerSec)}</td>`
      + `<td class="num">${fmt(s.tfjsSamplesPerSec)}</td><td class="num">${fmt(r.jaxjs ? (1000 * s.batch) / r.jaxjs.ms : null)}</td>`
      + `<td class="num">${s.dispatches}</td><td class="num">${s.submits}</td>`
      + `<td class="num">${s.newBuffers}</td><td class="num">${s.newBindGroups ?? '–'}</td>`
      + `<td>${s.losses.ours.map((l) => fmt(l, 4)).join(', ')}</td></tr>`;
  });
  return `<h3>Training steps</h3><table id="steps"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.join('')}</table>`;
}

async function ensureTf(): Promise<void> {
  tfReady ??= (async () => {
    if (!(await tf.setBackend('webgpu'))) return false;
    await tf.ready();
    return true;
  })();
  if (!(await tfReady)) throw new Error('TF.js: the webgpu backend did not initialize on this adapter; untick TF.js to run ours alone');
}

async function ensureJax(): Promise<void> {
  jaxReady ??= initJax(jax);
  try {
    await jaxReady;
  } catch (e) {
    jaxReady = null;
    throw new Error(`${e instanceof Error ? e.message : String(e)}; untick jax-js to run without it`);
  }
}

async function run(): Promise<void> {
  const iterationsText = iterationsInput.value.trim();
  const iterations = iterationsText === '' || iterationsText === 'auto' ? null : readNumber(iterationsInput, 'timed runs', { integer: true, max: 1000 });
  const quick = quickBox.checked;
  const filter = filterInput.value.trim() || null;
  const cases = selectCases(allCases(), { quick, filter });
  if (cases.length === 0) {
    throw new Error(`no benchmark row matches "${filter ?? ''}"${quick ? ' among the quick rows (untick "quick rows only" for the others)' : ''}`);
  }
  const useTf = tfjsBox.checked;
  if (useTf) await ensureTf();
  const useJax = jaxjsBox.checked;
  if (useJax) await ensureJax();
  const command = `site bench.html (filter ${filter ?? 'none'}, ${quick ? 'quick' : 'full'}`
    + `${versionsBox.checked ? ', versions' : ''}${iterations ? `, ${iterations} runs` : ''})`;
  const rows: BenchRow[] = [];
  let last: BenchReport | null = null;
  const t0 = performance.now();
  for (const [i, c] of cases.entries()) {
    bar.set(i / cases.length, `[${i + 1}/${cases.length}] ${c.name} (${c.shape})…`);
    last = await runBench(E, useTf ? tf : null, [c], {
      quick, filter: null, versions: versionsBox.checked, iterations, command, runtime: 'chrome',
      runtimeInfo: `${navigator.userAgent}; ${navigator.hardwareConcurrency} logical CPUs`,
    }, (m) => log(m), useJax ? jax : null);
    rows.push(...last.rows);
    mine = { ...last, rows, options: { ...last.options, filter }, table: '', fileName: '' };
    render();
  }
  mine!.table = formatTable(mine!);
  mine!.fileName = resultFileName(mine!);
  const failed = rows.some((r) => r.error) ? ` — ${rows.filter((r) => r.error).length} failed, see the table` : '';
  bar.set(1, `${cases.length} row(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s${failed}`);
  downloadButton.disabled = false;
  site.result = mine;
  render();
}

function download(): void {
  if (!mine) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([`${JSON.stringify(mine, null, 2)}\n`], { type: 'application/json' }));
  a.download = mine.fileName || 'bench-result.json';
  a.click();
  URL.revokeObjectURL(a.href);
}

async function compareWith(text: string, source: string): Promise<void> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  theirs = checkReport(data, source);
  compareStatus.textContent = `comparing with ${source}: ${label(theirs)}, ${theirs.rows.length} rows, ${theirs.command}`;
  render();
}

async function main(): Promise<void> {
  try {
    const adapter = await describeAdapter();
    byId('adapter').innerHTML = adapterTable(adapter);
    const info = await E.init();
    quickBox.checked = QUICK || isCpuAdapter(info.adapter);
    if (QUICK) {
      filterInput.value = 'matmul 256, train mnist-cnn full N4';
      iterationsInput.value = '2';
    }
  } catch (e) {
    byId('adapter').textContent = '–';
    showError(message, e);
  }
  const updateCount = (): void => {
    const all = allCases();
    const picked = selectCases(all, { quick: quickBox.checked, filter: filterInput.value.trim() || null });
    const families = [...new Set(all.map((c) => c.family))];
    byId('case-count').textContent = `${picked.length} of ${all.length} registered rows selected (families: ${families.join(', ')})`;
  };
  filterInput.addEventListener('input', updateCount);
  quickBox.addEventListener('change', updateCount);
  updateCount();
  try {
    const files = (await (await fetchAsset('results/index.json')).json()) as string[];
    for (const f of files) compareSelect.add(new Option(f, f));
  } catch (e) {
    compareStatus.textContent = `no committed results available: ${e instanceof Error ? e.message : String(e)}`;
  }
  runButton.addEventListener('click', () => void job(message, [runButton], run));
  downloadButton.addEventListener('click', download);
  byId('compare-load').addEventListener('click', () => void job(message, [], async () => {
    if (!compareSelect.value) throw new Error('pick a committed result first');
    await compareWith(await (await fetchAsset(`results/${compareSelect.value}`)).text(), compareSelect.value);
  }));
  byId<HTMLInputElement>('compare-file').addEventListener('change', (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (file) void job(message, [], async () => compareWith(await file.text(), file.name));
  });
  byId('compare-clear').addEventListener('click', () => {
    theirs = null;
    compareStatus.textContent = '';
    render();
  });
  markReady();
}

main().catch((e: unknown) => {
  showError(message, e);
  site.ready = true;
});
