// Runs one of the example pages headless and relays it: `node scripts/run-page.mjs <page> [-- page args]`.
// Serves the repo with vite, opens examples/<page>.html in headless Chromium (WebGPU on), prints the page's
// progress lines as they come, saves the files the page hands over, and exits with the page's verdict.
//
// The page's side of the contract (examples/page-io.ts):
//   window.__args            the arguments after the page name (e.g. ['--quick'])
//   window.__saveFile(p, b64) writes a file under the repo (only below bench/results/ or pretrained/)
//   window.__result / __error set when the page is done
//   --headed                  opens a visible window instead (needs a display)

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, launchBrowser, startServer } from './headless.mjs';

const WRITABLE = ['bench/results/', 'pretrained/'];

export async function runPage(name, args = []) {
  const headed = args.includes('--headed');
  const server = await startServer({ watch: false });
  const browser = await launchBrowser({ headless: !headed });
  let failed = false;
  try {
    const page = await browser.newPage();
    page.on('console', (msg) => {
      const text = msg.text();
      if (text.startsWith('[vite]')) return; // the dev server's client chatter
      if (msg.type() === 'error' || msg.type() === 'warning') process.stderr.write(`[page ${msg.type()}] ${text}\n`);
      else process.stdout.write(`${text}\n`);
    });
    page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
    await page.exposeFunction('__saveFile', async (rel, base64) => {
      const norm = path.posix.normalize(String(rel));
      if (!WRITABLE.some((dir) => norm.startsWith(dir)) || norm.includes('..')) throw new Error(`__saveFile: refusing to write ${rel}`);
      const dst = path.join(REPO_ROOT, norm);
      await mkdir(path.dirname(dst), { recursive: true });
      await writeFile(dst, Buffer.from(String(base64), 'base64'));
      process.stdout.write(`wrote ${norm}\n`);
    });
    await page.evaluateOnNewDocument((a) => {
      window.__args = a;
    }, args);
    await page.goto(`${server.url}/examples/${name}.html`);
    // Poll from here: a waitForFunction that runs for the whole job would hit the protocol timeout on long runs.
    while (!(await page.evaluate('window.__result !== undefined || window.__error !== undefined'))) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const error = await page.evaluate('window.__error');
    if (error) {
      failed = true;
      process.stderr.write(`${name} failed: ${error}\n`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return !failed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [name, ...rest] = process.argv.slice(2);
  if (!name) {
    process.stderr.write('usage: node scripts/run-page.mjs <page> [args]\n');
    process.exit(2);
  }
  const ok = await runPage(name, rest.filter((a) => a !== '--'));
  process.exit(ok ? 0 : 1);
}
