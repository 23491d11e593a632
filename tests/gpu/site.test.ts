// Page tests of the BUILT site (npm run build:site → dist-site/), served as static files, in the run's headless
// Chromium: each page is opened with ?quick=1 (tiny sizes, a few steps: SwiftShader does ~1 GFLOP/s), every
// named control is driven, a short benchmark / sweep / training runs, and the tables and charts must hold real
// numbers (no NaN, no empty series). Bad input must show a clear message and leave the page working.
// Screenshots go to .site-screenshots/ (SITE_SCREENSHOTS=docs: docs/screenshots/, the committed ones).
// The build is build:site's two steps: vite, then TypeDoc's API reference into dist-site/api/ (typedoc.json).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'puppeteer';
import { REPO_ROOT, connectBrowser, launchBrowser } from '../../scripts/headless.mjs';
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
  jobs: number;
  lastError: string | null;
  result: unknown;
}

async function open(name: string, query = '', on: Browser = browser): Promise<Page> {
  const page = await on.newPage();
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
    // every registered matmul version (v4 split-K, v5 matrix–vector: issue 20; v6, v7 register-tiled for CPU adapters: issue 21)
    expect(versions).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
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
    for (const h of ['v1 GFLOP/s', 'v2 GFLOP/s', 'v3 GFLOP/s', 'v4 GFLOP/s', 'v5 GFLOP/s', 'v6 GFLOP/s', 'TF.js GFLOP/s']) {
      const v = await column(page, '#sweep-table', h);
      expect(v).toHaveLength(3);
      for (const x of v) expect(Number.isFinite(x) && x > 0).toBe(true);
    }
    await expectChart(page, '#chart', 7, 'line');
    // This is a CPU adapter (SwiftShader): auto's 64² is the barrier-free register-tiled v6.
    expect(await text(page, '#chosen-table')).toMatch(/matmul_reg.*DIM_M=64/s);
    await page.screenshot({ path: path.join(SHOTS, 'kernels.png'), fullPage: true });
    // Other families: the conv2d weight gradient beside TF.js, the depthwise input gradient (four versions).
    await page.select('#family', 'conv2d-wgrad');
    expect(await text(page, '#source-title')).toContain('conv2d_wgrad_reg.wgsl'); // auto's version here: v3 on a CPU adapter
    await setValue(page, '#sizes', '4, 8');
    s = await clickAndWait(page, '#sweep');
    expect(s.lastError).toBeNull();
    await expectChart(page, '#chart', 4, 'line'); // v1, v2, v3 and TF.js
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

  it('training studio, your images: folder, files and webcam in; trunks by file and URL; train, cancel, download, reload, predict; bad input', async () => {
    // Images: two Fashion-MNIST classes written by the tool, real photos (tests/fixtures/photos, from python3-skimage),
    // a file that is not an image, and a 20-megapixel photo made here (a grey gradient PNG, 5000×4000).
    const tmp = mkdtempSync(path.join(tmpdir(), 'studio-images-'));
    const fm = path.join(tmp, 'fm');
    const tool = path.join(REPO_ROOT, 'tools/fashion-mnist.mjs');
    execFileSync(process.execPath, [tool, '--folders', fm, '--per-class', '10', '--size', '28', '--classes', 'trouser,bag']);
    const photos = ['astronaut', 'chelsea', 'coffee', 'rocket', 'motorcycle_left'].map((n) => path.join(REPO_ROOT, `tests/fixtures/photos/${n}.png`));
    const notes = path.join(tmp, 'notes.txt');
    writeFileSync(notes, 'not an image\n');
    const big = path.join(tmp, 'big-20mp.png');
    writeFileSync(big, grayGradientPng(5000, 4000));
    // Its own browser: a fake webcam. Without --use-fake-ui-for-media-stream (which grants every request) the
    // camera is refused until the test grants it, as a visitor's click on "Allow" would.
    const started = Date.now();
    const phases: string[] = [];
    const phase = (name: string): void => void phases.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const camBrowser = await launchBrowser({ args: ['--use-fake-device-for-media-stream'] });
    try {
      const page = await open('studio.html', '#images', camBrowser);
      expect(await page.$eval('#panel-images', (el) => (el as HTMLElement).hidden)).toBe(false);
      expect(await text(page, '#trunk-arch-name')).toBe('digits-cnn');
      expect(await text(page, '#trunk-input')).toBe('28×28, gray, v/255, no mean or std');
      const memory = async (): Promise<{ buffers: number; images: number }> => ({
        buffers: Number(await text(page, '#mem-buffers')), images: Number(await text(page, '#mem-images')),
      });
      phase('page open');
      const base = await memory();
      expect(base.images).toBe(0);
      expect(base.buffers).toBeGreaterThan(0); // the trunk's weights
      const upload = async (selector: string, ...files: string[]): Promise<Site> => {
        const before = (await state(page)).jobs;
        const input = await page.$(selector);
        await (input as unknown as { uploadFile(...p: string[]): Promise<void> }).uploadFile(...files);
        await page.waitForFunction((n) => (window as unknown as { __site: Site }).__site.jobs > n, { timeout: PAGE_TIMEOUT, polling: 100 }, before);
        return state(page);
      };
      const count = (name: string): Promise<number> => page.$$eval('.class-box', (boxes, n) => {
        const box = boxes.find((b) => (b.querySelector('.class-name') as HTMLInputElement).value === n);
        return box ? box.querySelectorAll('.thumb').length : -1;
      }, name);
      // No class, then one class, then a class with one image: each says what to do.
      let s = await clickAndWait(page, '#img-train');
      expect(s.lastError).toMatch(/training needs at least two classes, there are none: add another class/);
      await setValue(page, '#new-class', 'photo');
      await page.click('#add-class');
      s = await upload('.class-box:last-child .class-files', photos[0]!);
      expect(s.lastError).toBeNull();
      s = await clickAndWait(page, '#img-train');
      expect(s.lastError).toMatch(/there is one \('photo'\): add another class/);
      s = await upload('#folder-input', fm); // a folder of class folders
      expect(s.lastError).toBeNull();
      expect(await page.$$eval('.class-name', (es) => es.map((e) => (e as HTMLInputElement).value))).toEqual(['photo', 'bag', 'trouser']);
      expect([await count('bag'), await count('trouser')]).toEqual([10, 10]);
      s = await clickAndWait(page, '#img-train');
      expect(s.lastError).toMatch(/class 'photo' has 1 image\(s\): each class needs at least 2/);
      // More photos and a file that is not an image: the photos are added, the text file is named.
      s = await upload('.class-box:first-child .class-files', ...photos.slice(1), notes);
      expect(s.lastError).toMatch(/notes\.txt is not an image the browser can decode: add PNG, JPEG/);
      expect(await count('photo')).toBe(5);
      s = await upload('.class-box:first-child .class-files', big);
      expect(s.lastError).toBeNull();
      expect(await text(page, '#img-message')).toMatch(/big-20mp\.png is 5000×4000 \(20\.0 megapixels\): the studio keeps a 1024×819 copy/);
      expect(await count('photo')).toBe(6);
      // A thumbnail removed (the 20-megapixel one).
      await page.click('.class-box:first-child .thumb:last-child .remove-image');
      expect(await count('photo')).toBe(5);
      // Files dropped onto a class (a drag-and-drop's DataTransfer, made in the page): added to it, then removed.
      const jobsBefore = (await state(page)).jobs;
      await page.$eval('.class-box:first-child', async (box) => {
        const canvas = new OffscreenCanvas(40, 30);
        canvas.getContext('2d')!.fillRect(0, 0, 20, 30);
        const dt = new DataTransfer();
        dt.items.add(new File([await canvas.convertToBlob({ type: 'image/png' })], 'dropped.png', { type: 'image/png' }));
        box.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      });
      await page.waitForFunction((n) => (window as unknown as { __site: Site }).__site.jobs > n, { polling: 50 }, jobsBefore);
      expect(await count('photo')).toBe(6);
      expect(await page.$eval('.class-box:first-child .thumb:last-child', (t) => (t as HTMLElement).title)).toBe('dropped.png (40×30)');
      await page.click('.class-box:first-child .thumb:last-child .remove-image');
      expect(await count('photo')).toBe(5);
      phase('files in');
      // The webcam: refused first (a message, the page keeps working), then allowed; frames recorded while held.
      s = await clickAndWait(page, '#webcam-start');
      expect(s.lastError).toMatch(/the webcam was refused: allow the camera for this page .* or add image files instead \(NotAllowedError\)/);
      const cdp = await page.createCDPSession();
      await cdp.send('Browser.setPermission', { permission: { name: 'camera' }, setting: 'granted', origin: server.url });
      s = await clickAndWait(page, '#webcam-start');
      expect(s.lastError).toBeNull();
      await page.waitForFunction('document.getElementById("webcam").videoWidth > 0', { polling: 100 });
      await setValue(page, '#new-class', 'webcam');
      await page.click('#add-class');
      const record = await page.$('.class-box:last-child .record');
      const box = (await record!.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.waitForFunction('Number(document.querySelector(".class-box:last-child .count").textContent.split(" ")[0]) >= 5', { polling: 50 });
      await page.mouse.up();
      await page.waitForFunction('document.querySelectorAll(".class-box:last-child .thumb").length >= 5', { polling: 50 });
      expect((await memory()).images).toBeGreaterThanOrEqual(30);
      phase('webcam');
      // Trunks: a URL that fails three ways, then one that loads (downloaded, then from Cache Storage), then a file.
      const loadUrl = async (url: string, arch: string): Promise<Site> => {
        await setValue(page, '#trunk-url', url);
        await page.select('#trunk-arch', arch);
        return clickAndWait(page, '#trunk-url-load');
      };
      s = await loadUrl('data/no-such-trunk.safetensors', '');
      expect(s.lastError).toMatch(/could not use data\/no-such-trunk\.safetensors as the trunk: could not download .*404/);
      expect(s.lastError).toMatch(/The studio keeps the shipped digits trunk\.$/);
      s = await loadUrl('data/digits-0to4.json', '');
      expect(s.lastError).toMatch(/JSON text, not \.safetensors/);
      s = await loadUrl('data/digits-0to4.safetensors', '');
      expect(s.lastError).toBeNull();
      expect(await text(page, '#trunk-source')).toMatch(/^downloaded 31 kB$/);
      s = await loadUrl('data/digits-0to4.safetensors', 'resnet18');
      expect(s.lastError).toMatch(/hold digits-cnn, not resnet18: choose digits-cnn as the architecture[\s\S]*The studio keeps data\/digits-0to4\.safetensors/);
      s = await loadUrl('data/digits-0to4.safetensors', 'digits-cnn');
      expect(s.lastError).toBeNull();
      expect(await text(page, '#trunk-source')).toMatch(/read from Cache Storage \(31 kB\): no download/);
      s = await upload('#trunk-file', path.join(REPO_ROOT, 'pretrained/digits-0to4.safetensors'));
      expect(s.lastError).toBeNull();
      expect(await text(page, '#trunk-table')).toMatch(/file digits-0to4\.safetensors.*digits-cnn/s);
      phase('trunks');
      // The advisor's pick before training, then a run with live curves, the confusion matrix and the mistakes.
      s = await clickAndWait(page, '#img-advise');
      expect(s.lastError).toBeNull();
      const pick = await text(page, '#img-pick');
      expect(await page.$eval('#img-strategy', (el) => (el as HTMLSelectElement).value)).toBe(pick);
      expect(Number.parseFloat(await text(page, '#img-similarity'))).not.toBeNaN();
      await page.select('#img-strategy', pick === 'feature-extraction' ? 'fine-tune-top' : 'feature-extraction'); // editable
      await setValue(page, '#img-epochs', '3');
      await setValue(page, '#img-lr', '0.01');
      s = await clickAndWait(page, '#img-train');
      expect(s.lastError).toBeNull();
      await expectChart(page, '#img-chart-loss', 1, 'line');
      await expectChart(page, '#img-chart-acc', 2, 'line');
      const confusion = await page.$$eval('#img-confusion tr', (rows) => rows.slice(1)
        .map((r) => Array.from(r.querySelectorAll('td')).slice(0, -1).map((c) => Number(c.textContent))));
      expect(confusion).toHaveLength(4);
      const total = confusion.flat().reduce((a, b) => a + b, 0);
      const right = confusion.reduce((a, row, i) => a + row[i]!, 0);
      // A quarter of each class validates (data.split's rule: round(n/4), at least 1, at most n − 1).
      const counts = [await count('photo'), await count('bag'), await count('trouser'), await count('webcam')];
      expect(confusion.map((row) => row.reduce((a, v) => a + v, 0))).toEqual(counts.map((n) => Math.min(Math.max(Math.round(n / 4), 1), n - 1)));
      expect(Number.parseFloat(await text(page, '#img-val-acc'))).toBeCloseTo((100 * right) / total, 1);
      expect(await page.$$eval('.mistake', (ms) => ms.length)).toBe(total - right);
      expect(await text(page, '#img-mistake-count')).toContain(`${total - right} of ${total} validation images misclassified`);
      phase('advice and a run');
      // Cancel: a long run stopped after its first epoch; the page says so and keeps the model.
      await page.select('#img-strategy', 'feature-extraction');
      await setValue(page, '#img-epochs', '300');
      await page.click('#img-train');
      await page.waitForFunction('document.getElementById("img-epoch").textContent.startsWith("epoch 1:")', { polling: 50, timeout: PAGE_TIMEOUT });
      await page.click('#img-cancel');
      await page.waitForFunction('!window.__site.busy', { polling: 100, timeout: PAGE_TIMEOUT });
      expect((await state(page)).lastError).toBeNull();
      expect(await text(page, '#img-message')).toMatch(/Training cancelled after \d+ of 300 epoch\(s\)/);
      phase('cancel');
      // Predict on new files, download the model, reload it: the same predictions.
      await setValue(page, '#img-epochs', '2');
      s = await clickAndWait(page, '#img-train');
      expect(s.lastError).toBeNull();
      const newFiles = [path.join(fm, 'bag/9.png'), path.join(fm, 'trouser/9.png'), photos[4]!];
      s = await upload('#predict-files', ...newFiles, notes);
      expect(s.lastError).toMatch(/notes\.txt: not an image the browser can decode/);
      const predictions = async (): Promise<number[][]> => page.$$eval('#predictions-table tr', (rows) => rows.slice(1)
        .map((r) => Array.from(r.querySelectorAll('td')).slice(2).map((c) => Number.parseFloat(c.textContent ?? ''))));
      const before = await predictions();
      expect(before).toHaveLength(3);
      for (const row of before) expect(row.slice(1).reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
      const saved = await page.evaluate(async () => {
        let href = '';
        let name = '';
        const click = HTMLAnchorElement.prototype.click;
        HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) { href = this.href; name = this.download; };
        document.getElementById('model-download')!.click();
        const idle = (): boolean => !(window as unknown as { __site: Site }).__site.busy;
        await new Promise<void>((ok) => { const t = setInterval(() => { if (idle()) { clearInterval(t); ok(); } }, 50); });
        HTMLAnchorElement.prototype.click = click;
        return { name, bytes: Array.from(new Uint8Array(await (await fetch(href)).arrayBuffer())) };
      });
      expect(saved.name).toBe('photo-bag-trouser-webcam.safetensors');
      const modelPath = path.join(tmp, saved.name);
      writeFileSync(modelPath, Uint8Array.from(saved.bytes));
      s = await upload('#model-file', modelPath);
      expect(s.lastError).toBeNull();
      expect(await text(page, '#model-label')).toBe('photo-bag-trouser-webcam.safetensors (digits-cnn)');
      expect(await text(page, '#model-classes')).toBe('photo, bag, trouser, webcam');
      s = await upload('#predict-files', ...newFiles);
      expect(s.lastError).toBeNull();
      const after = await predictions();
      for (const [i, row] of after.entries()) row.forEach((v, k) => expect(v).toBeCloseTo(before[i]![k]!, 1));
      phase('train, predict, download, reload, predict');
      // The webcam, live.
      await page.click('#predict-live');
      await page.waitForFunction('Number(document.getElementById("live-prediction").dataset.frames ?? 0) >= 2', { polling: 100, timeout: 60_000 });
      await page.click('#predict-live');
      expect(await text(page, '#live-label')).toMatch(/^(photo|bag|trouser|webcam)$/);
      phase('live');
      // Five retrains in one visit: the GPU buffers and the images held stay where the first left them.
      for (let r = 0; r < 5; r++) expect((await clickAndWait(page, '#img-train')).lastError).toBeNull();
      const rows = await page.$$eval('#img-runs-table tr', (trs) => trs.slice(1)
        .map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
      const five = rows.slice(-5).map((r) => ({ buffers: Number(r[5]), mib: Number(r[6]), images: Number(r[7]), imageMib: Number(r[8]), acc: r[4] }));
      phase('five retrains');
      console.log(`[studio images] five retrains: ${JSON.stringify(five)}; at: ${phases.join(', ')}`);
      for (const r of five) expect(r).toMatchObject({ buffers: five[0]!.buffers, mib: five[0]!.mib, images: five[0]!.images, imageMib: five[0]!.imageMib });
      await page.screenshot({ path: path.join(SHOTS, 'studio-images.png'), fullPage: true });
      await page.close();
    } finally {
      await camBrowser.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  }, PAGE_TIMEOUT);
});

/** A grey gradient as an 8-bit grey PNG (a large photo without a photo's file size). */
function grayGradientPng(width: number, height: number): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = ((x >> 4) + (y >> 4)) & 255;
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const chunk = (type: string, body: Buffer): Buffer => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, 'latin1');
    body.copy(out, 8);
    let c = 0xffffffff;
    for (const b of out.subarray(4, 8 + body.length)) c = crcTable[(c ^ b) & 255]! ^ (c >>> 8);
    out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + body.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0))]);
}
