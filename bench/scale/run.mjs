// `node bench/scale/run.mjs [--n 10000] [--retrains 5] [--epochs 3] [--keep-data]`: the scale benchmark of issue 22.
//   1. writes --n Fashion-MNIST training images (an equal share per class) as 256×256 PNGs in class folders under
//      bench/scale/data/<class>/<k>.png (from Debian's dataset-fashion-mnist, /usr/share/datasets/fashion-mnist;
//      tools/fashion-mnist.mjs replaces this little generator once merged), with an index.json of the paths;
//   2. serves the repository with vite and opens bench/scale/page.html in headless Chromium (WebGPU, --expose-gc):
//      the folder through src/data's loader, feature-extraction training with the cache, then --retrains more runs
//      in the same page, with live GPU buffers and JS heap after a forced GC after each; then one loader-only epoch
//      at a 224² RGB target;
//   3. samples the resident memory of Chromium's whole process tree (browser, renderer, GPU process — with
//      SwiftShader the "GPU" memory is host memory too) every 200 ms, per phase;
//   4. writes bench/results/scale.{json,md} (--n 10000) or bench/results/scale-quick.{json,md} (smaller runs, not committed).
// A script, not a test: the full run is minutes of CPU; `--n 500` proves the path.

import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { launchBrowser, startServer, REPO_ROOT } from '../../scripts/headless.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback);
const n = opt('n', 10000);
const retrains = opt('retrains', 5);
const epochs = opt('epochs', 3);
const CLASSES = ['t-shirt-top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];
const SOURCE = '/usr/share/datasets/fashion-mnist';
const DATA = path.join(REPO_ROOT, 'bench', 'scale', 'data');

async function writeFolder() {
  const stamp = path.join(DATA, 'index.json');
  if (existsSync(stamp) && JSON.parse(readFileSync(stamp, 'utf8')).length === n) return;
  rmSync(DATA, { recursive: true, force: true });
  const images = gunzipSync(readFileSync(path.join(SOURCE, 'train-images-idx3-ubyte.gz'))).subarray(16);
  const labels = gunzipSync(readFileSync(path.join(SOURCE, 'train-labels-idx1-ubyte.gz'))).subarray(8);
  const perClass = Math.floor(n / CLASSES.length);
  const taken = CLASSES.map(() => 0);
  const jobs = [];
  for (let i = 0; i < labels.length && jobs.length < perClass * CLASSES.length; i++) {
    const c = labels[i];
    if (taken[c] >= perClass) continue;
    jobs.push({ i, rel: `${CLASSES[c]}/${taken[c]++}.png` });
  }
  CLASSES.forEach((c) => mkdirSync(path.join(DATA, c), { recursive: true }));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { i, rel } = jobs[next++];
      const raw = images.subarray(i * 784, (i + 1) * 784);
      await sharp(raw, { raw: { width: 28, height: 28, channels: 1 } }).resize(256, 256).png().toFile(path.join(DATA, rel));
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  writeFileSync(stamp, JSON.stringify(jobs.map((j) => j.rel)));
  process.stdout.write(`wrote ${jobs.length} PNGs (256×256) under ${path.relative(REPO_ROOT, DATA)}\n`);
}

/** Resident bytes of `pid` and all its descendants (Linux /proc). */
function treeRss(pid) {
  const parent = new Map();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const inTree = (p) => { for (let q = p; q; q = parent.get(q)) if (q === pid) return true; return false; };
  let bytes = 0;
  for (const p of parent.keys()) {
    if (!inTree(p)) continue;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) bytes += Number(m[1]) * 1024;
    } catch { /* gone */ }
  }
  return bytes;
}

const MiB = (b) => (b / 2 ** 20).toFixed(1);

function renderMarkdown(r) {
  const lines = [
    `# Scale benchmark: ${r.images} Fashion-MNIST images (256×256 PNG folders) through src/data`, '',
    `Command: \`${r.command}\`. Device: ${r.adapter}. ${r.train} train / ${r.validation} validation (stratified, seed 0).`,
    `Fetch ${r.fetchSeconds.toFixed(1)} s, load (decode check of every file) ${r.loadSeconds.toFixed(1)} s.`, '',
    '| run | val. accuracy | time (s) | live GPU buffers | in use | live GPU MiB | JS heap MiB (after GC) | Chromium RSS peak MiB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.runs.map((x) => `| ${x.run} | ${(100 * x.accuracy).toFixed(1)}% | ${x.seconds.toFixed(1)} | ${x.liveBuffers} | ${x.inUse} | ${MiB(x.liveBytes)} | ${MiB(x.heap)} | ${MiB(r.rssPeak[`train ${x.run}`] ?? 0)} |`),
    '',
    `Retrains 2–${r.runs.length}: live buffers ${r.flat.buffers ? 'flat' : 'NOT flat'} (${r.flat.bufferRange}), JS heap spread ${r.flat.heapSpreadPct.toFixed(1)}% (${r.flat.heap ? 'within' : 'NOT within'} 5%).`,
    '',
    `Loader-only epoch at 224² RGB (batch 32): ${r.epoch224.batches} batches in ${r.epoch224.seconds.toFixed(1)} s, peak JS heap ${MiB(r.epoch224.peakHeap)} MiB.`,
    `Chromium's whole process tree (browser, renderer, GPU process with SwiftShader) was ${MiB(r.rssPeak.idle ?? 0)} MiB resident after init, before any image;`,
    `during the epoch it peaked at ${MiB(r.rssPeak['epoch 224'] ?? 0)} MiB: ${MiB(r.epochHostBytes)} MiB above that ` +
      `(budget 512 MiB: ${r.epochHostBytes < 512 * 2 ** 20 ? 'within' : 'OVER'}; the held PNG bytes, decode and upload buffers, and the GPU's memory, which is host memory here).`,
    '',
    'Batches are prepared on the GPU (src/engine/ops/image-prep.ts through src/data/prepare.ts).',
  ];
  return `${lines.join('\n')}\n`;
}

await writeFolder();
const server = await startServer({ watch: false });
const browser = await launchBrowser({ headless: true, args: ['--js-flags=--expose-gc'] });
const command = `node bench/scale/run.mjs${argv.length ? ` ${argv.join(' ')}` : ''}`;
let result;
try {
  const pid = browser.process()?.pid;
  const page = await browser.newPage();
  page.on('console', (msg) => {
    if (msg.text().startsWith('[vite]')) return;
    process.stdout.write(`${msg.text()}\n`);
  });
  page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
  await page.goto(`${server.url}/bench/scale/page.html?retrains=${retrains}&epochs=${epochs}`);
  const rssPeak = {};
  for (;;) {
    const state = await page.evaluate('({ phase: window.__phase, done: window.__result !== undefined || window.__error !== undefined })').catch(() => null);
    if (state?.done) break;
    if (pid && state?.phase) rssPeak[state.phase] = Math.max(rssPeak[state.phase] ?? 0, treeRss(pid));
    await new Promise((r) => setTimeout(r, 200));
  }
  const error = await page.evaluate('window.__error');
  if (error) throw new Error(`benchmark failed in the page: ${error}`);
  result = { command, ...(await page.evaluate('window.__result')), rssPeak };
} finally {
  await browser.close();
  await server.close();
}
const later = result.runs.slice(1);
const buffers = later.map((x) => x.liveBuffers);
const heaps = later.map((x) => x.heap);
const spread = later.length ? (100 * (Math.max(...heaps) - Math.min(...heaps))) / Math.min(...heaps) : 0;
result.epochHostBytes = (result.rssPeak['epoch 224'] ?? 0) - (result.rssPeak.idle ?? 0);
result.flat = { buffers: new Set(buffers).size <= 1, bufferRange: `${Math.min(...buffers)}–${Math.max(...buffers)}`, heapSpreadPct: spread, heap: spread <= 5 };
const base = path.join(REPO_ROOT, 'bench', 'results', n === 10000 ? 'scale' : 'scale-quick');
writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 1)}\n`);
const md = renderMarkdown(result);
writeFileSync(`${base}.md`, md);
process.stdout.write(`\n${md}\nwrote ${path.relative(REPO_ROOT, base)}.{md,json}\n`);
