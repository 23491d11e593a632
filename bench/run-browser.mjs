#!/usr/bin/env node
// `npm run bench [-- options]`: runs the benchmark cases (bench/cases/*.ts) in headless Chromium on its
// WebGPU adapter, ours, TF.js WebGPU and jax-js side by side, prints progress and a table, and writes
// bench/results/<date>-<adapter-slug>-chrome[-<filter>].json.
//
// Options:
//   --quick / --full     quick = only rows marked quick, short timing (default: quick on a CPU adapter)
//   --filter <text>      only cases whose family or name contains <text> (with --full for non-quick rows)
//   --also <text>        with --quick: also the rows matching <text> (e.g. --also "matmul 1024")
//   --tag <name>         name the result file <date>-<adapter>-chrome-<name>.json
//   --versions           also time every kernel version of a case (matmul v1, v2, v3, ...)
//   --iterations <n>     fixed timed runs per measurement (default: adaptive)
//   --rounds <n>         interleaved timing rounds (default 3 quick, 5 full)
//   --target-ms <ms>     time per measurement when adaptive (default 300 quick, 1000 full)
//   --no-tfjs            no TF.js column
//   --no-jaxjs           no jax-js column
//   --out-dir <dir>      where the JSON goes (default bench/results); --no-save writes nothing
//   --chrome-arg <flag>  extra Chromium flag, repeatable (e.g. --chrome-arg=--enable-features=Vulkan)
//   --list               print the registered cases and exit

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

// The whole run is one call into the page: a full run on a CPU adapter takes far longer than the headless
// helpers' default protocol timeout (15 min), which would end it without a report. Read at import time.
process.env.HEADLESS_PROTOCOL_TIMEOUT_MIN ??= '240';
const { REPO_ROOT, launchBrowser, openEnginePage, runInPage, startServer } = await import('../scripts/headless.mjs');

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    full: { type: 'boolean' },
    filter: { type: 'string' },
    also: { type: 'string' },
    tag: { type: 'string' },
    versions: { type: 'boolean', default: false },
    iterations: { type: 'string' },
    rounds: { type: 'string' },
    'target-ms': { type: 'string' },
    'no-tfjs': { type: 'boolean', default: false },
    'no-jaxjs': { type: 'boolean', default: false },
    'out-dir': { type: 'string', default: path.join(REPO_ROOT, 'bench', 'results') },
    'no-save': { type: 'boolean', default: false },
    'chrome-arg': { type: 'string', multiple: true, default: [] },
    headful: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
});

const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2).map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a))] : [])].join(' ');
const options = {
  quick: values.quick ? true : values.full ? false : 'auto',
  filter: values.filter ?? null,
  also: values.also ?? null,
  tag: values.tag ?? null,
  versions: values.versions,
  iterations: values.iterations ? Number(values.iterations) : null,
  rounds: values.rounds ? Number(values.rounds) : null,
  ...(values['target-ms'] ? { targetMs: Number(values['target-ms']) } : {}),
  tfjs: !values['no-tfjs'],
  jaxjs: !values['no-jaxjs'],
  command,
};

const started = Date.now();
const server = await startServer({ watch: false });
let browser;
try {
  browser = await launchBrowser({ headless: !values.headful, args: values['chrome-arg'] });
  // On a fresh checkout vite may discover TF.js while the page loads, optimize it and reload the page,
  // which can cut the first load short: try twice.
  const open = () => openEnginePage(browser, server.url, { pagePath: '/bench/page.html', timeoutMs: 180_000 });
  const page = await open().catch((err) => {
    console.error(`bench page: ${err instanceof Error ? err.message : err}; retrying once`);
    return open();
  });
  page.on('console', (msg) => {
    const text = msg.text();
    if (msg.type() === 'log' && text.startsWith('[bench] ')) console.log(text.slice(8));
  });
  if (values.list) {
    const cases = await runInPage(page, async (_E, H) => H.listCases());
    for (const c of cases) console.log(`${c.quick ? 'quick' : '     '}  ${c.family.padEnd(10)} ${c.name.padEnd(32)} ${c.shape}`);
  } else {
    const report = await runInPage(page, async (E, H, opts) => H.runBrowserBench(E, opts), options);
    console.log(`\n${report.device.adapter} (${report.runtime}), ${report.date}\n`);
    console.log(report.table);
    if (!values['no-save']) {
      mkdirSync(values['out-dir'], { recursive: true });
      const file = path.join(values['out-dir'], report.fileName);
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
    }
    const slower = report.rows.filter((r) => r.ratio !== null && r.ratio < 1);
    if (slower.length) console.log(`\nNOTE: TF.js was faster on ${slower.map((r) => r.name).join(', ')}`);
    const slowerJax = report.rows.filter((r) => r.ratioJax !== null && r.ratioJax < 1);
    if (slowerJax.length) console.log(`NOTE: jax-js was faster on ${slowerJax.map((r) => r.name).join(', ')}`);
    if (report.rows.some((r) => r.error)) process.exitCode = 1;
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
} finally {
  await browser?.close();
  await server.close();
}
