// `npm run experiment:multitask [-- --quick] [-- --seeds N --steps N --batch N --datasets digits,fashion
// --regimes full,few-digit,half-angle --methods equal,upgrad --cost-rounds N --cost-steps N --resume]`: serves the
// repo with vite, runs bench/multitask/experiment.html in headless Chromium (WebGPU), prints its progress, then
// writes the tables (markdown), the raw results (JSON) and the validation curves (SVG) under bench/results:
//   full run   bench/results/multitask.{md,json,svg}   (committed; the verdicts are taken from it)
//   --quick    bench/results/multitask-quick.{md,json,svg}   (digits only, 2 seeds × 8 steps, the full-label
//              regime, 8 steps, 100 evaluation images; same code path, every weighting and architecture)
// The runs finished so far are saved every 30 s in bench/results/multitask{,-quick}.partial.json (with the
// machine's load average, sampled every 30 s); --resume keeps them and runs the rest. --deadline ISO-TIME: runs
// that would end after it are not started (the md lists them).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { launchBrowser, startServer, REPO_ROOT } from '../../scripts/headless.mjs';
import { renderMarkdown, renderSvg } from './report.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
// The defaults (the full run's protocol, and --quick's) live in the page: bench/multitask/experiment.ts, cnn-experiment.ts's PROTOCOL.
const extra = [['seeds', 'seeds'], ['steps', 'steps'], ['batch', 'batch'], ['regimes', 'regimes'], ['methods', 'methods'], ['archs', 'archs'], ['lr', 'lr'], ['train-per-class', 'trainPerClass'], ['val-per-class', 'valPerClass'], ['tag', 'tag'], ['deadline', 'deadline'], ['datasets', 'datasets'], ['cost-rounds', 'costRounds'], ['cost-steps', 'costSteps']]
  .map(([k, q]) => (argv.includes(`--${k}`) ? `&${q}=${argv[argv.indexOf(`--${k}`) + 1]}` : '')).join('');
const resume = argv.includes('--resume');
// --tag NAME: writes bench/results/multitask-NAME.* instead (a trial beside a running full run).
const tag = argv.includes('--tag') ? argv[argv.indexOf('--tag') + 1] : null;
const stem = tag ? `multitask-${tag}` : quick ? 'multitask-quick' : 'multitask';
const command = `npm run experiment:multitask${argv.length ? ` -- ${argv.join(' ')}` : ''}`;

// The machine's load while the experiment runs (it shares the cores): [ISO time, 1-min load average] every 30 s.
const load = [];
const partialPath = path.join(REPO_ROOT, 'bench', 'results', `${stem}.partial.json`);
// --resume: the interrupted run's samples come first (its cost rows and runs are kept).
if (resume && existsSync(partialPath)) load.push(...(JSON.parse(readFileSync(partialPath, 'utf8')).load ?? []));
const sampleLoad = () => load.push([new Date().toISOString(), loadavg()[0]]);
sampleLoad();
const loadTimer = setInterval(sampleLoad, 30_000);
const server = await startServer({ watch: false });
const browser = await launchBrowser({ headless: true });
let result;
try {
  const page = await browser.newPage();
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[vite]')) return;
    if (msg.type() === 'error' || msg.type() === 'warning') process.stderr.write(`[page ${msg.type()}] ${text}\n`);
    else process.stdout.write(`${text}\n`);
  });
  page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
  await page.goto(`${server.url}/bench/multitask/experiment.html?quick=${quick ? 1 : 0}&resume=${resume ? 1 : 0}${extra}`);
  // Until the page is done, save what it has every 30 s (bench/results/multitask*.partial.json).
  const partialFile = partialPath;
  const saver = setInterval(() => {
    page.evaluate('window.__partial').then((p) => { if (p) writeFileSync(partialFile, JSON.stringify({ ...p, load })); }, () => {});
  }, 30_000);
  // Poll ourselves: on a loaded machine one evaluate can time out while the page is busy; that is not an error.
  try {
    for (;;) {
      const done = await page.evaluate('window.__result !== undefined || window.__error !== undefined').catch(() => false);
      if (done) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    clearInterval(saver);
  }
  const error = await page.evaluate('window.__error');
  if (error) throw new Error(`experiment failed in the page: ${error}`);
  result = await page.evaluate('window.__result');
} finally {
  clearInterval(loadTimer);
  await browser.close();
  await server.close();
}
sampleLoad();
result.command = command;
result.load = load;
result.cpus = cpus().length;
const base = path.join(REPO_ROOT, 'bench', 'results', stem);
writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 1)}\n`); // first: the raw results survive a report bug
// The full run's report includes the pilot that chose its protocol (written before the launch).
const pilotFile = path.join(REPO_ROOT, 'bench', 'results', 'multitask-pilot.md');
const md = renderMarkdown(result, stem === 'multitask' && existsSync(pilotFile) ? readFileSync(pilotFile, 'utf8') : null);
writeFileSync(`${base}.md`, md);
writeFileSync(`${base}.svg`, renderSvg(result));
process.stdout.write(`\n${md}\nwrote ${path.relative(REPO_ROOT, base)}.{md,json,svg}\n`);
