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
// (gpu or cpu) reaches every page: its E.init(options) runs as init({ rules, ...options }) (scripts/headless.mjs;
// in Node, init() reads the variable itself).
// A call the test expects to be rejected runs inside H.noLeak(E, () => ...) (leak-check.ts): the rejection
// must leave the buffer pool as it was; a leak fails the test (also through the afterEach below).
//
// Where the project provides `nodeGpu` instead of `gpuHarness` (vitest.gles.config.ts, the GPU run's correctness
// section), the same functions run in this Node process on Dawn (node-page.ts); `page` does not exist there.

import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import type { Browser, Page } from 'puppeteer';
import { openNodePage, type NodeGpuConfig, type NodePage } from './node-page.ts';

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

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by projects that run GPU tests in Node on Dawn (vitest.gles.config.ts). */
    nodeGpu: NodeGpuConfig;
  }
}

// Loaded only for the browser: the Node backend (and the GPU run's bundle) must not pull in puppeteer.
type Headless = typeof import('../../scripts/headless.mjs');

export function useGpuPage(): GpuPage {
  let browser: Browser | undefined;
  let page: Page | undefined;
  let nodePage: NodePage | undefined;
  let headless: Headless | undefined;
  let baseUrl = '';

  beforeAll(async () => {
    const nodeGpu = inject('nodeGpu');
    if (nodeGpu) {
      nodePage = await openNodePage(nodeGpu);
      return;
    }
    const harness = inject('gpuHarness');
    if (!harness) {
      throw new Error('useGpuPage: no shared browser; GPU tests run in the `gpu` vitest project (tests/gpu/)');
    }
    headless = await import('../../scripts/headless.mjs');
    baseUrl = harness.baseUrl;
    browser = await headless.connectBrowser(harness.wsEndpoint);
    page = await headless.openEnginePage(browser, baseUrl);
  });

  // A rejected call wrapped in H.noLeak (leak-check.ts) that left buffers behind fails its test here too, even
  // when the test only looked at the error's name.
  afterEach(async () => {
    const takeLeaks = (_E: unknown, H: Helpers): string[] => H.takeLeaks();
    let leaks: string[];
    if (nodePage) leaks = (await nodePage.run(takeLeaks as (...a: never[]) => unknown)) as string[];
    else if (page && !page.isClosed()) leaks = await headless!.runInPage(page, takeLeaks);
    else return;
    if (leaks.length) throw new Error(`buffers leaked by rejected calls:\n${leaks.join('\n')}`);
  });

  afterAll(async () => {
    await nodePage?.close();
    await page?.close().catch(() => {});
    await browser?.disconnect();
  });

  const current = (): Page => {
    if (nodePage) throw new Error('useGpuPage: no page in Node (the nodeGpu backend runs functions in this process)');
    if (!page) throw new Error('useGpuPage: the page exists only inside tests and hooks (after beforeAll)');
    return page;
  };

  return {
    run: (fn, ...args) =>
      nodePage
        ? (nodePage.run(fn as (...a: never[]) => unknown, ...args) as Promise<Awaited<ReturnType<typeof fn>>>)
        : headless!.runInPage(current(), fn, ...args),
    async reload() {
      if (nodePage) return nodePage.reload();
      await current().close();
      page = await headless!.openEnginePage(browser!, baseUrl);
    },
    get page() {
      return current();
    },
  };
}
