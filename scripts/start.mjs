// `npm start`: serves the examples with vite, opens examples/start.html in headless Chromium (WebGPU on),
// prints the page's progress lines as they come, and exits with the page's verdict.
//   npm start                 headless
//   npm start -- --headed     in a visible window (needs a display)

import { launchBrowser, startServer } from './headless.mjs';

const headed = process.argv.includes('--headed');
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
  await page.goto(`${server.url}/examples/start.html`);
  await page.waitForFunction('window.__result !== undefined || window.__error !== undefined', { timeout: 0, polling: 500 });
  const error = await page.evaluate('window.__error');
  if (error) {
    failed = true;
    process.stderr.write(`npm start failed: ${error}\n`);
  }
} finally {
  await browser.close();
  await server.close();
}
process.exit(failed ? 1 : 0);
