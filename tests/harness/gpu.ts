// What GPU test files import. A file calls useGpuPage() once at top level (or in a describe); it gets a
// fresh tab in the run's shared headless Chromium, open from beforeAll to afterAll, and runs functions in it:
//
//   const gpu = useGpuPage();
//   it('adds', async () => {
//     const out = await gpu.run(async (E, H, n) => Array.from(await E.tensor([1, 2, 3]).add(n).data()), 1);
//     expectAllClose(out, [2, 3, 4]);
//   });
//
// `fn` runs in the page, not here: it sees only E (the engine), H (in-page.ts) and its JSON-like args.
// An error thrown there rejects run() with a PageError whose message is `<name>: <message>`; class identity
// does not cross, so check `instanceof E.ShapeError` inside the page if a test needs it. Engine state
// (device, caches, live tensors) persists across the tests of a file; reload() starts over. WEBGPU_TENSOR_RULES
// (gpu or cpu) reaches every page: its E.init(options) runs as init({ rules, ...options }) (scripts/headless.mjs).

import { afterAll, beforeAll, inject } from 'vitest';
import type { Browser, Page } from 'puppeteer';
import { connectBrowser, openEnginePage, runInPage } from '../../scripts/headless.mjs';

export { expectAllClose, type AllCloseOptions } from './assert.ts';

/** The public entry, plus the engine's internals under `internal` (for tests of the machinery). */
export type Engine = typeof import('../../src/index.ts') & { internal: typeof import('../../src/engine/internal.ts') };
export type Helpers = typeof import('./in-page.ts');

export interface GpuPage {
  /** Runs `fn(E, H, ...args)` in the page and resolves to its result (see scripts/headless.mjs runInPage). */
  run<A extends unknown[], R>(fn: (E: Engine, H: Helpers, ...args: A) => R | Promise<R>, ...args: A): Promise<Awaited<R>>;
  /** Reloads the page: a fresh engine (new device, empty caches). */
  reload(): Promise<void>;
  /** The puppeteer page, for what run() does not cover. Only valid inside tests and hooks. */
  readonly page: Page;
}

export function useGpuPage(): GpuPage {
  let browser: Browser | undefined;
  let page: Page | undefined;
  let baseUrl = '';

  beforeAll(async () => {
    const harness = inject('gpuHarness');
    if (!harness) {
      throw new Error('useGpuPage: no shared browser; GPU tests run in the `gpu` vitest project (tests/gpu/)');
    }
    baseUrl = harness.baseUrl;
    browser = await connectBrowser(harness.wsEndpoint);
    page = await openEnginePage(browser, baseUrl);
  });

  afterAll(async () => {
    await page?.close().catch(() => {});
    await browser?.disconnect();
  });

  const current = (): Page => {
    if (!page) throw new Error('useGpuPage: the page exists only inside tests and hooks (after beforeAll)');
    return page;
  };

  return {
    run: (fn, ...args) => runInPage(current(), fn, ...args),
    async reload() {
      await current().close();
      page = await openEnginePage(browser!, baseUrl);
    },
    get page() {
      return current();
    },
  };
}
