// Types for headless.mjs, so that TypeScript (tests, benchmarks) can import it.
import type { Browser, Page } from 'puppeteer';

export declare const REPO_ROOT: string;
export declare const ENGINE_PAGE: string;

export declare function findChrome(): string;
export declare function launchBrowser(options?: { headless?: boolean; args?: string[] }): Promise<Browser>;
export declare function connectBrowser(wsEndpoint: string): Promise<Browser>;
export declare function startServer(options?: {
  root?: string;
  watch?: boolean;
}): Promise<{ url: string; close: () => Promise<void> }>;
export declare function openEnginePage(
  browser: Browser,
  baseUrl: string,
  options?: { pagePath?: string; timeoutMs?: number },
): Promise<Page>;

export { PageError } from './page-wire.mjs';

export declare function runInPage<A extends unknown[], R>(
  page: Page,
  fn: (E: any, H: any, ...args: A) => R | Promise<R>,
  ...args: A
): Promise<Awaited<R>>;
