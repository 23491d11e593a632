// Global setup of the `gpu` test project: one vite server and one headless Chromium for the whole run.
// Test files connect to the browser through the provided `gpuHarness` (see gpu.ts) and each open their
// own page; teardown closes the browser, then the server.

import type { TestProject } from 'vitest/node';
import { launchBrowser, startServer } from '../../scripts/headless.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by the gpu project's global setup. */
    gpuHarness: { wsEndpoint: string; baseUrl: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startServer({ watch: false });
  let browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    await server.close();
    throw err;
  }
  project.provide('gpuHarness', { wsEndpoint: browser.wsEndpoint(), baseUrl: server.url });
  return async () => {
    await browser.close();
    await server.close();
  };
}
