// `node bench/scale/run.mjs [--n 10000] [--retrains 5] [--epochs 3] [--source folder|fetch]`: the scale benchmark of issue 22
// (`--render scale` rewrites bench/results/scale.md from its JSON).
//   1. writes --n Fashion-MNIST training images (an equal share per class) as 256×256 PNGs in class folders under
//      bench/scale/data/<class>/<k>.png (from Debian's dataset-fashion-mnist, /usr/share/datasets/fashion-mnist),
//      with bench/scale/data-index.json listing the paths;
//   2. serves the repository with vite and opens bench/scale/page.html in headless Chromium (WebGPU, --expose-gc);
//      the images reach the page as a user's would:
//        --source folder (default): the folder picked in an <input type="file" webkitdirectory> (puppeteer's
//          uploadFile with the directory): disk-backed Files, read when a batch is decoded;
//        --source fetch: every PNG fetched into an in-memory Blob first (what a page that downloads a dataset
//          holds), to show what holding the compressed bytes costs;
//      then src/data's folder loader (fromFiles), feature-extraction training with the cache, --retrains more runs in
//      the same page (live GPU buffers and JS heap after a forced GC after each), and one loader-only epoch at a
//      224² RGB target after emptyCache();
//   3. measures Chromium's memory per process (browser, renderer, GPU process — with SwiftShader the "GPU" memory is
//      host memory too) as PSS from /proc/<pid>/smaps_rollup: shared pages (the mapped buffers between renderer and
//      GPU process) are split between the processes sharing them instead of counted in each, as summed RSS would.
//      It is sampled every 200 ms for each phase's peak, and read at named points the page asks for (snapshots);
//   4. writes bench/results/scale[-fetch].{json,md} (--n 10000) or bench/results/scale-quick.{json,md} (smaller runs,
//      not committed).
// A script, not a test: the full run is minutes of CPU; `--n 500` proves the path.

import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
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
const STAMP = path.join(REPO_ROOT, 'bench', 'scale', 'data-index.json');
const sourceArg = argv.includes('--source') ? argv[argv.indexOf('--source') + 1] : 'folder';
if (sourceArg !== 'folder' && sourceArg !== 'fetch') throw new Error(`--source must be folder or fetch, got ${sourceArg}`);

async function writeFolder() {
  if (existsSync(STAMP) && JSON.parse(readFileSync(STAMP, 'utf8')).length === n) return;
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
  writeFileSync(STAMP, JSON.stringify(jobs.map((j) => j.rel)));
  process.stdout.write(`wrote ${jobs.length} PNGs (256×256) under ${path.relative(REPO_ROOT, DATA)}\n`);
}

/** The processes of Chromium's tree rooted at `pid`, each with its kind (browser, renderer, gpu, other). */
function chromiumProcesses(pid) {
  const parent = new Map();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const inTree = (p) => { for (let q = p; q; q = parent.get(q)) if (q === pid) return true; return false; };
  const out = [];
  for (const p of parent.keys()) {
    if (!inTree(p)) continue;
    let kind = 'other';
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const type = /--type=([a-z-]+)/.exec(cmd)?.[1];
      kind = p === pid ? 'browser' : type === 'renderer' ? 'renderer' : type === 'gpu-process' ? 'gpu' : 'other';
    } catch { continue; }
    out.push({ pid: p, kind });
  }
  return out;
}

/** PSS bytes of Chromium's processes by kind, and their total (Linux smaps_rollup). */
function chromiumPss(pid) {
  const by = { browser: 0, renderer: 0, gpu: 0, other: 0, total: 0 };
  for (const { pid: p, kind } of chromiumProcesses(pid)) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      if (!m) continue;
      by[kind] += Number(m[1]) * 1024;
      by.total += Number(m[1]) * 1024;
    } catch { /* gone */ }
  }
  return by;
}

const MiB = (b) => (b / 2 ** 20).toFixed(1);

const pct = (a, b) => (100 * (Math.max(...a) - Math.min(...a))) / Math.min(...a);

function renderMarkdown(r) {
  const S = r.snapshots;
  const held = r.source === 'folder'
    ? `the ${MiB(r.heldFileBytes)} MiB of PNG files stay on disk (Files from the folder picker, read when a batch is decoded)`
    : `the ${MiB(r.heldFileBytes)} MiB of PNG files are held in memory as fetched Blobs (in the browser process's blob storage)`;
  const pssRow = (name, peak) => {
    const s = S[name];
    return `${MiB(s.total)} (browser ${MiB(s.browser)}, renderer ${MiB(s.renderer)}, GPU ${MiB(s.gpu)}, other ${MiB(s.other)})${peak !== undefined ? `; peak ${MiB(peak)}` : ''}`;
  };
  const peaks = (phase) => {
    const k = r.pssPeakByKind?.[phase];
    return k ? `${MiB(k.renderer)} / ${MiB(k.gpu)} / ${MiB(k.browser)}` : '–';
  };
  const lines = [
    `# Scale benchmark: ${r.images} Fashion-MNIST images (256×256 PNG folders) through src/data`, '',
    `Command: \`${r.command}\`. Device: ${r.adapter}. ${r.date}, machine load ${r.load}. ${r.train} train / ${r.validation} validation (stratified, seed 0).`,
    `Source: ${r.source === 'folder' ? 'the folder picked in an `<input type="file" webkitdirectory>`' : 'every PNG fetched into an in-memory Blob'}; ${held}.`,
    `${r.source === 'fetch' ? `Fetch ${r.fetchSeconds.toFixed(1)} s, l` : 'L'}oad (decode check of every file) ${r.loadSeconds.toFixed(1)} s.`, '',
    'Memory is PSS (proportional set size) of Chromium\'s processes from /proc/<pid>/smaps_rollup, in MiB: shared pages are split between the',
    'processes that map them instead of counted once per process. With SwiftShader the GPU process\'s memory is the "GPU memory".', '',
    `After init, before any image: ${pssRow('idle')}.`,
    `After loading the folder: ${pssRow('loaded')}.`, '',
    '| run | val. accuracy | time (s) | live GPU buffers | in use | live GPU MiB | JS heap MiB (after GC) | PSS after GC | renderer | GPU process | browser | ' +
      'PSS peak during run | its peaks: renderer / GPU / browser |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.runs.map((x) => {
      const s = S[`after run ${x.run}`];
      return `| ${x.run} | ${(100 * x.accuracy).toFixed(1)}% | ${x.seconds.toFixed(1)} | ${x.liveBuffers} | ${x.inUse} | ${MiB(x.liveBytes)} | ${MiB(x.heap)} | ` +
        `${MiB(s.total)} | ${MiB(s.renderer)} | ${MiB(s.gpu)} | ${MiB(s.browser)} | ${MiB(r.pssPeak[`train ${x.run}`] ?? 0)} | ${peaks(`train ${x.run}`)} |`;
    }),
    '',
    `Retrains 2–${r.runs.length}: live GPU buffers ${r.flat.buffers ? 'flat' : 'NOT flat'} (${r.flat.bufferRange}); JS heap spread ${r.flat.heapSpreadPct.toFixed(1)}% ` +
      `(${r.flat.heap ? 'within' : 'NOT within'} 5%); Chromium PSS after GC spread ${r.flat.pssSpreadPct.toFixed(1)}% ` +
      `(${MiB(r.flat.pssMin)}–${MiB(r.flat.pssMax)} MiB; renderer ${r.flat.rendererRange}, GPU process ${r.flat.gpuRange}, browser ${r.flat.browserRange}).`,
    '',
    '## Loader-only epoch at 224² RGB (batch 32)', '',
    'Decode, preparation on the GPU, upload and dispose of every image once, at batch 32, with nothing else in the page: in a fresh browser',
    '(idle, pick the folder, load, the epoch), and again in the training session after its runs and emptyCache().', '',
    '| session | batches | time (s) | peak JS heap MiB | PSS before the epoch | PSS peak during it | loader\'s own cost | above idle (after init) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...[['fresh browser', r.fresh], ['after the runs', r]].map(([name, x]) =>
      `| ${name} | ${x.epoch224.batches} | ${x.epoch224.seconds.toFixed(1)} | ${MiB(x.epoch224.peakHeap)} | ${MiB(x.snapshots['before epoch'].total)} | ` +
      `${MiB(x.pssPeak['epoch 224'] ?? 0)} | ${MiB(x.epochLoaderBytes)} | ${MiB(x.epochHostBytes)} |`),
    '',
    `Budget 512 MiB of host memory for the loader-only epoch: the fresh browser's rise over idle is ${MiB(r.fresh.epochHostBytes)} MiB ` +
      `(${r.fresh.epochHostBytes < 512 * 2 ** 20 ? 'within' : 'OVER'}), of which the folder's loading (bookkeeping, ${r.source === 'fetch' ? 'the held PNG Blobs' : 'the Files\' handles'}) ` +
      `is ${MiB(r.fresh.snapshots['before epoch'].total - r.fresh.snapshots.idle.total)} MiB.`,
    `After the runs the rise over idle is ${MiB(r.epochHostBytes)} MiB (${r.epochHostBytes < 512 * 2 ** 20 ? 'within' : 'OVER'} 512 MiB): it also counts what training left resident. ` +
      `emptyCache() handed the pool's ${MiB(r.epoch224.pooledBytes)} MiB of cached GPU buffers back to WebGPU, and the GPU process went from ` +
      `${MiB(r.snapshots[`after run ${r.runs.length}`].gpu)} to ${MiB(r.snapshots['before epoch'].gpu)} MiB.`,
    '',
    'Batches are prepared on the GPU (src/engine/ops/image-prep.ts through src/data/prepare.ts).',
  ];
  return `${lines.join('\n')}\n`;
}

if (argv.includes('--render')) {
  // Rewrites the markdown from a result file (bench/results/scale[-fetch|-quick].json) without running anything.
  const file = path.join(REPO_ROOT, 'bench', 'results', `${argv[argv.indexOf('--render') + 1]}.json`);
  writeFileSync(file.replace(/\.json$/, '.md'), renderMarkdown(JSON.parse(readFileSync(file, 'utf8'))));
  process.stdout.write(`rewrote ${path.relative(REPO_ROOT, file).replace(/\.json$/, '.md')}\n`);
  process.exit(0);
}

await writeFolder();
const paths = JSON.parse(readFileSync(STAMP, 'utf8'));
const heldFileBytes = paths.reduce((sum, rel) => sum + statSync(path.join(DATA, rel)).size, 0);
const command = `node bench/scale/run.mjs${argv.length ? ` ${argv.join(' ')}` : ''}`;

/**
 * One Chromium session over the page in `mode` ('train': load, the runs, then the epoch; 'epoch': load and the
 * loader-only epoch in a fresh browser, nothing before it). Returns the page's result with the memory readings.
 */
async function session(server, mode) {
  const browser = await launchBrowser({ headless: true, args: ['--js-flags=--expose-gc'] });
  try {
    const pid = browser.process()?.pid;
    if (!pid) throw new Error('no Chromium process id to measure');
    const page = await browser.newPage();
    page.on('console', (msg) => {
      if (msg.text().startsWith('[vite]')) return;
      process.stdout.write(`[${mode}] ${msg.text()}\n`);
    });
    page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
    const snapshots = {};
    await page.exposeFunction('__snapshot', (name) => {
      const s = (snapshots[name] = chromiumPss(pid));
      process.stdout.write(`[${mode}] memory ${name}: PSS ${MiB(s.total)} MiB (renderer ${MiB(s.renderer)}, GPU ${MiB(s.gpu)}, browser ${MiB(s.browser)})\n`);
    });
    await page.goto(`${server.url}/bench/scale/page.html?mode=${mode}&retrains=${retrains}&epochs=${epochs}&source=${sourceArg}`, { timeout: 600_000 });
    if (sourceArg === 'folder') {
      await page.waitForFunction('window.__phase === "pick"', { timeout: 600_000 });
      await (await page.$('#folder')).uploadFile(DATA);
    }
    const pssPeak = {};
    const pssPeakByKind = {};
    for (;;) {
      const state = await page.evaluate('({ phase: window.__phase, done: window.__result !== undefined || window.__error !== undefined })').catch(() => null);
      if (state?.done) break;
      if (state?.phase) {
        const now = chromiumPss(pid);
        pssPeak[state.phase] = Math.max(pssPeak[state.phase] ?? 0, now.total);
        const kinds = (pssPeakByKind[state.phase] ??= { browser: 0, renderer: 0, gpu: 0, other: 0 });
        for (const k of Object.keys(kinds)) kinds[k] = Math.max(kinds[k], now[k]);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const error = await page.evaluate('window.__error');
    if (error) throw new Error(`benchmark failed in the page (${mode}): ${error}`);
    return { ...(await page.evaluate('window.__result')), pssPeak, pssPeakByKind, snapshots };
  } finally {
    await browser.close();
  }
}

const server = await startServer({ watch: false });
let result;
try {
  const trained = await session(server, 'train');
  const fresh = await session(server, 'epoch');
  result = { command, source: sourceArg, date: new Date().toISOString(), load: loadavg().map((x) => x.toFixed(2)).join(' '), heldFileBytes, ...trained, fresh };
} finally {
  await server.close();
}
const later = result.runs.slice(1);
const buffers = later.map((x) => x.liveBuffers);
const heaps = later.map((x) => x.heap);
const after = later.map((x) => result.snapshots[`after run ${x.run}`]);
const range = (key) => `${MiB(Math.min(...after.map((s) => s[key])))}–${MiB(Math.max(...after.map((s) => s[key])))}`;
result.epochLoaderBytes = (result.pssPeak['epoch 224'] ?? 0) - result.snapshots['before epoch'].total;
result.epochHostBytes = (result.pssPeak['epoch 224'] ?? 0) - result.snapshots.idle.total;
result.fresh.epochHostBytes = (result.fresh.pssPeak['epoch 224'] ?? 0) - result.fresh.snapshots.idle.total;
result.fresh.epochLoaderBytes = (result.fresh.pssPeak['epoch 224'] ?? 0) - result.fresh.snapshots['before epoch'].total;
result.flat = {
  buffers: new Set(buffers).size <= 1,
  bufferRange: `${Math.min(...buffers)}–${Math.max(...buffers)}`,
  heapSpreadPct: later.length ? pct(heaps) : 0,
  heap: later.length ? pct(heaps) <= 5 : true,
  pssSpreadPct: later.length ? pct(after.map((s) => s.total)) : 0,
  pssMin: Math.min(...after.map((s) => s.total)),
  pssMax: Math.max(...after.map((s) => s.total)),
  rendererRange: range('renderer'),
  gpuRange: range('gpu'),
  browserRange: range('browser'),
};
const suffix = sourceArg === 'fetch' ? '-fetch' : '';
const base = path.join(REPO_ROOT, 'bench', 'results', n === 10000 ? `scale${suffix}` : 'scale-quick');
writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 1)}\n`);
const md = renderMarkdown(result);
writeFileSync(`${base}.md`, md);
process.stdout.write(`\n${md}\nwrote ${path.relative(REPO_ROOT, base)}.{md,json}\n`);
