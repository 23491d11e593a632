// Page tests of the BUILT site (npm run build:site → dist-site/), served as static files, in the run's headless
// Chromium: each page is opened with ?quick=1 (tiny sizes, a few steps: SwiftShader does ~1 GFLOP/s), every
// named control is driven, a short benchmark / sweep / training runs, and the tables and charts must hold real
// numbers (no NaN, no empty series). Bad input must show a clear message and leave the page working.
// Screenshots go to .site-screenshots/ (SITE_SCREENSHOTS=docs: docs/screenshots/, the committed ones).
// The build is build:site's two steps: vite, then TypeDoc's API reference into dist-site/api/ (typedoc.json).

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'puppeteer';
import { REPO_ROOT, connectBrowser } from '../../scripts/headless.mjs';
import { serveStatic } from '../../scripts/static-server.mjs';

const SHOTS = path.join(REPO_ROOT, process.env.SITE_SCREENSHOTS === 'docs' ? 'docs/screenshots' : '.site-screenshots');
const PAGE_TIMEOUT = 240_000;

let browser: Browser;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  execFileSync(
    process.execPath, [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.site.config.ts'],
    { cwd: REPO_ROOT, stdio: 'pipe' },
  );
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/typedoc/bin/typedoc')], { cwd: REPO_ROOT, stdio: 'pipe' });
  server = await serveStatic(path.join(REPO_ROOT, 'dist-site'));
  browser = await connectBrowser(inject('gpuHarness').wsEndpoint);
  mkdirSync(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.disconnect();
  await server?.close();
});

interface Site {
  ready: boolean;
  busy: boolean;
  runs: number;
  lastError: string | null;
  result: unknown;
}

async function open(name: string, query = ''): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/${name}?quick=1${query}`, { waitUntil: 'load' });
  await page.waitForFunction('window.__site && window.__site.ready', { timeout: 120_000, polling: 100 });
  expect(errors).toEqual([]);
  expect(await state(page).then((s) => s.lastError)).toBeNull();
  return page;
}

const state = (page: Page): Promise<Site> => page.evaluate('window.__site') as Promise<Site>;

/** Clicks a button and waits for the job it starts to finish; returns the page state. */
async function clickAndWait(page: Page, selector: string): Promise<Site> {
  await page.click(selector);
  await page.waitForFunction('!window.__site.busy', { timeout: PAGE_TIMEOUT, polling: 200 });
  return state(page);
}

async function setValue(page: Page, selector: string, value: string): Promise<void> {
  await page.$eval(selector, (el, v) => {
    (el as HTMLInputElement).value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

const text = (page: Page, selector: string): Promise<string> => page.$eval(selector, (el) => el.textContent ?? '');

/** The numbers in a table's body cells of the given header(s); every one must be finite. */
async function column(page: Page, table: string, header: string): Promise<number[]> {
  const cells = await page.$eval(table, (t, h) => {
    const rows = Array.from(t.querySelectorAll('tr'));
    const head = Array.from(rows[0]!.querySelectorAll('th')).map((c) => c.textContent);
    const i = head.indexOf(h);
    if (i < 0) throw new Error(`no column ${h} in ${head.join(' | ')}`);
    return rows.slice(1).map((r) => r.querySelectorAll('td')[i]?.textContent ?? '');
  }, header);
  return cells.map((c) => Number.parseFloat(c.replace(/[^0-9.eE+-]/g, '')));
}

/** Checks a chart: an svg with no NaN, and `series` non-empty series (polylines or bars). */
async function expectChart(page: Page, selector: string, minSeries: number, kind: 'line' | 'bar'): Promise<void> {
  const info = await page.$eval(selector, (el) => ({
    html: el.innerHTML,
    lines: Array.from(el.querySelectorAll('polyline.series')).map((p) => (p.getAttribute('points') ?? '').trim().split(/\s+/).length),
    bars: el.querySelectorAll('rect[fill]:not([width="100%"])').length,
    legend: el.querySelectorAll('text.legend').length,
  }));
  expect(info.html).toContain('<svg');
  expect(info.html).not.toMatch(/NaN|Infinity|undefined/);
  expect(info.legend).toBeGreaterThanOrEqual(minSeries);
  if (kind === 'line') {
    expect(info.lines.length).toBeGreaterThanOrEqual(minSeries);
    for (const n of info.lines) expect(n).toBeGreaterThanOrEqual(2);
  } else expect(info.bars).toBeGreaterThan(minSeries);
}

describe('built site pages', () => {
  it('index links every page', async () => {
    const page = await open('index.html');
    const links = await page.$$eval('.card a', (as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual(['./bench.html', './kernels.html', './studio.html']);
    await page.waitForFunction('document.getElementById("webgpu-status").textContent.length > 0');
    expect(await text(page, '#webgpu-status')).toMatch(/WebGPU adapter: /);
    await page.screenshot({ path: path.join(SHOTS, 'index.png'), fullPage: true });
    await page.close();
  }, PAGE_TIMEOUT);

  it('API reference: linked from the index, generated from the doc comments of the public names', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/index.html`, { waitUntil: 'load' });
    const href = await page.$eval('a[href="./api/index.html"]', (a) => a.getAttribute('href'));
    expect(href).toBe('./api/index.html');
    await page.goto(`${server.url}/api/classes/EngineError.html`, { waitUntil: 'load' });
    expect(await page.$eval('body', (b) => b.textContent ?? '')).toContain('Base class of every error the engine throws on purpose.');
    await page.goto(`${server.url}/api/modules/transfer.html`, { waitUntil: 'load' });
    const names = await page.$$eval('a', (as) => as.map((a) => a.textContent?.trim() ?? ''));
    expect(names).toEqual(expect.arrayContaining(['FeatureCache', 'runRecipe', 'layerGroups']));
    await page.close();
  }, PAGE_TIMEOUT);

  it('benchmark page: runs a kernel row and a training-step row against TF.js and jax-js, downloads, compares, rejects bad input', async () => {
    const page = await open('bench.html');
    expect(await text(page, '#adapter')).toMatch(/vendor.*architecture.*features/s);
    expect(await text(page, '#case-count')).toMatch(/^2 of \d+ registered rows selected \(families: .*matmul.*train/);
    // Bad input: a timed-run count that is not a number; then a result file of another format.
    await setValue(page, '#iterations', 'abc');
    let s = await clickAndWait(page, '#run');
    expect(s.lastError).toMatch(/timed runs: "abc" is not a number/);
    const input = await page.$('#compare-file');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(path.join(REPO_ROOT, 'bench/results/multitask.json'));
    await page.waitForFunction('window.__site.lastError !== null && !window.__site.busy');
    expect((await state(page)).lastError).toMatch(/multitask\.json is not a benchmark result in the bench\/results format/);
    // The page still works: one quick row.
    await setValue(page, '#iterations', '2');
    s = await clickAndWait(page, '#run');
    expect(s.lastError).toBeNull();
    for (const h of ['ours ms', 'TF.js ms', 'TF.js/ours', 'jax-js ms', 'jax-js/ours']) {
      for (const v of await column(page, '#results', h)) expect(Number.isFinite(v) && v > 0).toBe(true);
    }
    expect(await text(page, '#results')).toContain('matmul 256');
    // The training-step row: its own table of throughput and per-step counts.
    for (const h of ['ours samples/s', 'TF.js samples/s', 'jax-js samples/s', 'dispatches / step']) {
      for (const v of await column(page, '#steps', h)) expect(Number.isFinite(v) && v > 0).toBe(true);
    }
    await expectChart(page, '#chart-ms', 2, 'bar');
    await expectChart(page, '#chart-ratio', 1, 'bar');
    // Download: the JSON is a bench/results report.
    const downloaded = await page.evaluate(async () => {
      let href = '';
      const click = HTMLAnchorElement.prototype.click;
      HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) { href = this.href; };
      const url = URL.revokeObjectURL;
      URL.revokeObjectURL = () => {};
      document.getElementById('download')!.click();
      HTMLAnchorElement.prototype.click = click;
      URL.revokeObjectURL = url;
      return (await fetch(href)).json() as Promise<{ device: { adapter: string }; rows: Array<{ name: string; ours: { ms: number } }>; fileName: string }>;
    });
    expect(downloaded.rows.map((r) => r.name)).toEqual(['matmul 256', 'train mnist-cnn full N4']);
    expect(downloaded.rows[0]!.ours.ms).toBeGreaterThan(0);
    expect(downloaded.fileName).toMatch(/^\d{4}-\d\d-\d\d-.*-chrome-matmul-256-train-mnist-cnn-full-n4\.json$/);
    // Compare with a committed result, side by side.
    const options = await page.$$eval('#compare-select option', (os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    expect(options).toContain('2026-11-27-google-swiftshader-chrome.json');
    await page.select('#compare-select', '2026-11-27-google-swiftshader-chrome.json');
    s = await clickAndWait(page, '#compare-load');
    expect(s.lastError).toBeNull();
    expect(await text(page, '#compare-status')).toMatch(/comparing with 2026-11-27-google-swiftshader-chrome\.json/);
    expect(await text(page, '#results')).toMatch(/ours ms — google \/ swiftshader \(2026-11-27\)/);
    await expectChart(page, '#chart-ms', 4, 'bar');
    await page.screenshot({ path: path.join(SHOTS, 'bench.png'), fullPage: true });
    await page.close();
  }, PAGE_TIMEOUT);

  it('kernel explorer: sweeps every matmul version and TF.js, shows source and auto\'s constants, rejects bad sizes', async () => {
    const page = await open('kernels.html');
    const versions = await page.$$eval('#version option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(versions).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']); // every registered matmul version (v4 split-K, v5 matrix–vector: issue 20)
    await page.select('#version', 'v1');
    expect(await text(page, '#source-title')).toContain('matmul_naive.wgsl');
    expect(await text(page, '#source')).toMatch(/\| version \| idea/);
    await page.select('#version', 'v2');
    expect(await text(page, '#source-title')).toContain('matmul_tiled.wgsl');
    // Bad input: a size no adapter buffer holds, then a non-number.
    await setValue(page, '#sizes', '16, 100000');
    let s = await clickAndWait(page, '#sweep');
    expect(s.lastError).toMatch(/size 100000 is too large for this adapter: .*maxStorageBufferBindingSize/);
    await setValue(page, '#sizes', '16, big');
    s = await clickAndWait(page, '#sweep');
    expect(s.lastError).toMatch(/"big" is not a positive whole number/);
    await setValue(page, '#sizes', '16, 32, 64');
    s = await clickAndWait(page, '#sweep');
    expect(s.lastError).toBeNull();
    for (const h of ['v1 GFLOP/s', 'v2 GFLOP/s', 'v3 GFLOP/s', 'v4 GFLOP/s', 'v5 GFLOP/s', 'TF.js GFLOP/s']) {
      const v = await column(page, '#sweep-table', h);
      expect(v).toHaveLength(3);
      for (const x of v) expect(Number.isFinite(x) && x > 0).toBe(true);
    }
    await expectChart(page, '#chart', 6, 'line');
    expect(await text(page, '#chosen-table')).toMatch(/matmul_tiled.*WG_X=16/s);
    await page.screenshot({ path: path.join(SHOTS, 'kernels.png'), fullPage: true });
    // Other families: the conv2d weight gradient beside TF.js, the depthwise input gradient (four versions).
    await page.select('#family', 'conv2d-wgrad');
    expect(await text(page, '#source-title')).toContain('conv2d_wgrad_gemm.wgsl');
    await setValue(page, '#sizes', '4, 8');
    s = await clickAndWait(page, '#sweep');
    expect(s.lastError).toBeNull();
    await expectChart(page, '#chart', 3, 'line');
    await page.select('#family', 'depthwise-dgrad');
    expect(await page.$$eval('#version option', (os) => os.length)).toBe(4);
    await setValue(page, '#sizes', '8, 16');
    await page.$eval('#tfjs', (el) => ((el as HTMLInputElement).checked = false));
    s = await clickAndWait(page, '#sweep');
    expect(s.lastError).toBeNull();
    await expectChart(page, '#chart', 4, 'line');
    // At stride 1 auto's input gradient (v4) is the forward vec4 kernel with the filter turned 180°.
    expect(await text(page, '#chosen-table')).toMatch(/depthwise_fwd_vec4.*FLIP=1/s);
    await page.close();
  }, PAGE_TIMEOUT);

  it('kernel explorer: a version that disagrees with the CPU reference is shown as a mismatch and not timed', async () => {
    const page = await open('kernels.html', '&family=maxpool&mismatch=maxpool:v1');
    await setValue(page, '#sizes', '8');
    await page.$eval('#tfjs', (el) => ((el as HTMLInputElement).checked = false));
    const s = await clickAndWait(page, '#sweep');
    expect(s.lastError).toMatch(/Validation failed.*maxpool v1 at size 8: 1 of \d+ outputs differ from the CPU reference/s);
    expect(await text(page, '#sweep-table')).toContain('MISMATCH');
    await page.close();
  }, PAGE_TIMEOUT);

  it('training studio: similarity and advice, strategies with group toggles and rates, run comparison, multi-task', async () => {
    const page = await open('studio.html');
    const scenarios = await page.$$eval('#scenario option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(scenarios).toEqual(['small + similar', 'small + different', 'large + similar', 'large + different']);
    await page.select('#scenario', 'small + different');
    let s = await clickAndWait(page, '#measure');
    expect(s.lastError).toBeNull();
    expect(await text(page, '#similarity')).toMatch(/measured similarity-?\d\.\d\d/);
    const recommended = await text(page, '#recommended');
    expect(await page.$eval('#strategy', (el) => (el as HTMLSelectElement).value)).toBe(recommended);
    // A strategy preset, changed by hand: fine-tune-top plus features.1, and a bad rate first.
    await page.select('#strategy', 'fine-tune-top');
    expect(await page.$$eval('.group-toggle', (bs) => bs.map((b) => (b as HTMLInputElement).checked))).toEqual([false, false, true, true]);
    await page.click('.group-toggle[data-group="features.1"]');
    await setValue(page, '.rate[data-group="classifier"]', 'fast');
    s = await clickAndWait(page, '#train');
    expect(s.lastError).toMatch(/learning rate of layer group classifier: "fast" is not a number/);
    await setValue(page, '.rate[data-group="classifier"]', '0.003');
    s = await clickAndWait(page, '#train');
    expect(s.lastError).toBeNull();
    await page.select('#strategy', 'feature-extraction');
    s = await clickAndWait(page, '#train');
    expect(s.lastError).toBeNull();
    expect(await page.$$eval('#runs-table tr', (rs) => rs.length)).toBe(3);
    for (const v of await column(page, '#runs-table', 'held-out accuracy')) expect(v).toBeGreaterThanOrEqual(0);
    await expectChart(page, '#chart-loss', 2, 'line');
    await expectChart(page, '#chart-acc', 2, 'line');
    // Run comparison: hide the first run, then show it again.
    await page.click('.run-show[data-run="0"]');
    expect(await page.$$eval('#chart-loss polyline.series', (ps) => ps.length)).toBe(1);
    await page.click('.run-show[data-run="0"]');
    expect(await page.$$eval('#chart-loss polyline.series', (ps) => ps.length)).toBe(2);
    expect(await page.$$eval('#digits canvas', (cs) => cs.length)).toBe(16);
    // Multi-task: two tasks with DWA; then all three with uncertainty weighting (its weights move every step).
    await page.click('.task[value="thick"]');
    await page.select('#weighting', 'dwa');
    await setValue(page, '#mt-lr', 'x');
    s = await clickAndWait(page, '#mt-train');
    expect(s.lastError).toMatch(/learning rate: "x" is not a number/);
    await setValue(page, '#mt-lr', '0.002');
    s = await clickAndWait(page, '#mt-train');
    expect(s.lastError).toBeNull();
    await expectChart(page, '#chart-mt-loss', 2, 'line');
    await expectChart(page, '#chart-mt-weights', 2, 'line');
    await page.click('.task[value="thick"]');
    await page.select('#weighting', 'uncertainty');
    await setValue(page, '#mt-steps', '12');
    await setValue(page, '#mt-lr', '0.02');
    s = await clickAndWait(page, '#mt-train');
    expect(s.lastError).toBeNull();
    await expectChart(page, '#chart-mt-loss', 3, 'line');
    await expectChart(page, '#chart-mt-weights', 3, 'line');
    for (const v of await column(page, '#mt-table', 'final weight')) expect(Number.isFinite(v) && v > 0).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'studio.png'), fullPage: true });
    await page.close();
  }, PAGE_TIMEOUT);
});
