// Headless Chromium with WebGPU, and the vite dev server its pages load the engine from.
// Used by the GPU tests (through tests/harness/), by `npm start` and by the browser benchmarks.
//
//   const server = await startServer();
//   const browser = await launchBrowser();
//   const page = await openEnginePage(browser, server.url);
//   const sum = await runInPage(page, async (E, H, n) => n + 1, 41);   // 42
//
// runInPage ships `fn` as source text, so `fn` sees only its arguments (E = the engine, H = the in-page
// helpers, then the JSON-like args), never the caller's scope. See runInPage for the wire format.

import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer';
import { NAME_SHIM, PageError, encodeArgs, pageRun, settleReply, wireReplacer, wireReviver } from './page-wire.mjs';

export { PageError };

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The page openEnginePage loads: it imports /src/index.ts and the in-page helpers. */
export const ENGINE_PAGE = '/tests/harness/page.html';

// Long enough that the caller's own timeout (vitest's testTimeout) fires first, so a slow kernel on the
// CPU adapter reports as a test timeout rather than as a protocol error. HEADLESS_PROTOCOL_TIMEOUT_MIN
// raises it for one long page call (e.g. a batch-16 benchmark row on a CPU adapter).
const PROTOCOL_TIMEOUT_MS = (Number(process.env.HEADLESS_PROTOCOL_TIMEOUT_MIN) || 15) * 60_000;

const CHROME_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/**
 * The Chrome or Chromium binary to run: $CHROME_PATH, then the usual system paths, then the browser
 * puppeteer downloaded (if one was). Throws with install instructions when there is none.
 */
export function findChrome() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`CHROME_PATH is set to ${fromEnv}, which does not exist`);
  }
  for (const candidate of CHROME_CANDIDATES) {
    if (existsSync(candidate)) return candidate;
  }
  let bundled = '';
  try {
    bundled = puppeteer.executablePath();
  } catch {
    // puppeteer throws when its cache has no browser; that is the normal case here (downloads are off).
  }
  if (bundled && existsSync(bundled)) return bundled;
  throw new Error(
    'No Chrome or Chromium found (looked at $CHROME_PATH, ' +
      `${CHROME_CANDIDATES.join(', ')}, and puppeteer's cache). ` +
      'Install one with `apt-get install -y chromium`, or set CHROME_PATH to a Chrome binary.',
  );
}

/**
 * Chromium flags. WebGPU is behind --enable-unsafe-webgpu on Linux; the rest keep a throwaway headless
 * profile quiet and fast. --no-sandbox only as root, where Chromium refuses to start without it.
 */
function chromeArgs(userDataDir) {
  const args = [
    '--enable-unsafe-webgpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    // Containers often have a 64 MB /dev/shm; Chromium then crashes on large pages. Use /tmp instead.
    '--disable-dev-shm-usage',
    `--user-data-dir=${userDataDir}`,
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return args;
}

/**
 * Launches Chromium with WebGPU on. The profile lives in a fresh temp dir, removed when the browser
 * closes. `args` are appended to the flags (e.g. `--enable-features=Vulkan` on a real GPU).
 * @param {{ headless?: boolean, args?: string[] }} [options]
 * @returns {Promise<import('puppeteer').Browser>}
 */
export async function launchBrowser({ headless = true, args = [] } = {}) {
  const executablePath = findChrome();
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'webgpu-tensor-chrome-'));
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless,
      args: [...chromeArgs(userDataDir), ...args],
      protocolTimeout: PROTOCOL_TIMEOUT_MS,
      defaultViewport: null,
    });
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw new Error(`could not launch ${executablePath}: ${err instanceof Error ? err.message : err}`, {
      cause: err,
    });
  }
  // Remove the profile when the browser closes. close() waits for the removal: a test run's teardown is
  // followed by process exit, which would cut short a removal started from the 'disconnected' event.
  // The exit hook covers a browser never closed (puppeteer's own exit hook kills it first).
  const removeProfile = () => rmSync(userDataDir, { recursive: true, force: true, maxRetries: 3 });
  process.once('exit', removeProfile);
  const close = browser.close.bind(browser);
  browser.close = async () => {
    try {
      await close();
    } finally {
      process.off('exit', removeProfile);
      await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
    }
  };
  return browser;
}

/**
 * Connects to a browser that another process launched (the GPU tests' global setup).
 * Call `browser.disconnect()` when done; `close()` would end it for everyone.
 * @param {string} wsEndpoint
 * @returns {Promise<import('puppeteer').Browser>}
 */
export function connectBrowser(wsEndpoint) {
  return puppeteer.connect({
    browserWSEndpoint: wsEndpoint,
    protocolTimeout: PROTOCOL_TIMEOUT_MS,
    defaultViewport: null,
  });
}

/**
 * Starts a vite dev server on a free port of 127.0.0.1, with the repo's vite.config.ts and no HMR.
 * `watch: false` skips the file watcher (tests: nothing changes during a run); keep it on for
 * `npm start`, so that a reload picks up edited files.
 * @param {{ root?: string, watch?: boolean }} [options]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startServer({ root = REPO_ROOT, watch = true } = {}) {
  const { createServer } = await import('vite');
  const server = await createServer({
    root,
    configFile: path.join(root, 'vite.config.ts'),
    clearScreen: false,
    server: {
      host: '127.0.0.1',
      port: 0,
      strictPort: false,
      hmr: false,
      ...(watch ? {} : { watch: null }),
    },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') {
    await server.close();
    throw new Error('vite dev server did not report a TCP port');
  }
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

/** Prints the page's console errors and warnings (WebGPU validation errors arrive as warnings) and its
 * uncaught errors on stderr, tagged with the page path. */
function forwardPageLogs(page, tag) {
  page.on('console', (msg) => {
    const type = msg.type();
    if (type !== 'error' && type !== 'warn') return;
    process.stderr.write(`[${tag} console.${type}] ${msg.text()}\n`);
  });
  page.on('pageerror', (err) => {
    const text = err instanceof Error ? err.stack || `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`[${tag} pageerror] ${text}\n`);
  });
}

/**
 * The kernel rules pages run under: `WEBGPU_TENSOR_RULES` ('gpu' or 'cpu'), or null (the engine detects them
 * from the adapter). Read here in Node, since a page has no environment.
 * @returns {'gpu' | 'cpu' | null}
 */
export function rulesFromEnv() {
  const value = process.env.WEBGPU_TENSOR_RULES;
  if (value === undefined || value === '') return null;
  if (value !== 'gpu' && value !== 'cpu') throw new Error(`WEBGPU_TENSOR_RULES must be 'gpu' or 'cpu', got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Opens the engine page in a new tab and waits until its modules have loaded. Checks that WebGPU and an
 * adapter exist (throws 'WebGPU unavailable in headless Chromium: ...' otherwise). A missing or broken
 * /src/index.ts does not throw here: it is recorded in `window.__loadError`, and runInPage reports it
 * when the function touches the engine. With `rules` ('gpu' or 'cpu'; default: WEBGPU_TENSOR_RULES), every
 * `E.init(options)` in the page runs as `init({ rules, ...options })`.
 * @param {import('puppeteer').Browser} browser
 * @param {string} baseUrl the dev server's URL, from startServer
 * @param {{ pagePath?: string, timeoutMs?: number, rules?: 'gpu' | 'cpu' | null }} [options]
 * @returns {Promise<import('puppeteer').Page>}
 */
export async function openEnginePage(browser, baseUrl, { pagePath = ENGINE_PAGE, timeoutMs = 60_000, rules = rulesFromEnv() } = {}) {
  const page = await browser.newPage();
  try {
    forwardPageLogs(page, pagePath);
    await page.evaluateOnNewDocument(NAME_SHIM);
    await page.goto(new URL(pagePath, baseUrl).href, { waitUntil: 'load', timeout: timeoutMs });
    await page.waitForFunction('window.__ready === true', { timeout: timeoutMs, polling: 50 });
    const helpersError = await page.evaluate('window.__helpersError ?? null');
    if (helpersError) throw new Error(`${pagePath}: the in-page helpers failed to load: ${helpersError}`);
    const problem = await page.evaluate(`(async () => {
      if (!('gpu' in navigator)) return 'navigator.gpu is undefined (is --enable-unsafe-webgpu set?)';
      const adapter = await navigator.gpu.requestAdapter();
      return adapter ? null : 'navigator.gpu.requestAdapter() returned null';
    })()`);
    if (problem) throw new Error(`WebGPU unavailable in headless Chromium: ${problem}`);
    if (rules) {
      await page.evaluate(`(() => {
        const E = window.__engine;
        if (!E) return;
        const init = E.init;
        E.init = (options = {}) => init({ rules: ${JSON.stringify(rules)}, ...options });
      })()`);
    }
    return page;
  } catch (err) {
    await page.close().catch(() => {});
    throw err;
  }
}

/**
 * Runs `fn(E, H, ...args)` in the page, where E is the engine module (/src/index.ts) and H the in-page
 * helpers (tests/harness/in-page.ts), and returns its (awaited) result.
 *
 * `fn` travels as source text: it must be an arrow function or function expression that uses only its
 * parameters and page globals (a ReferenceError usually means it used a variable of the caller's scope).
 * Args and the result travel as JSON, extended so that NaN, ±Infinity, -0, bigints and typed arrays
 * survive (a Float32Array comes back as a Float32Array). Other non-JSON values (Maps, class instances,
 * tensors) do not: return `Array.from(await t.data())` or similar.
 *
 * An error thrown in the page is rethrown here as a PageError whose message is `<name>: <message>` of the
 * original, e.g. `ShapeError: matmul: inner dimensions differ: [2,3] @ [4,5]`.
 * @template {unknown[]} A, R
 * @param {import('puppeteer').Page} page a page from openEnginePage
 * @param {(E: any, H: any, ...args: A) => R | Promise<R>} fn
 * @param {A} args
 * @returns {Promise<Awaited<R>>}
 */
export async function runInPage(page, fn, ...args) {
  if (typeof fn !== 'function') throw new TypeError('runInPage: fn must be a function');
  const expression =
    `${NAME_SHIM}\n(${pageRun})(${JSON.stringify(fn.toString())}, ${JSON.stringify(encodeArgs(args))}, ` +
    `${wireReplacer}, ${wireReviver})`;
  return settleReply(await page.evaluate(expression));
}
