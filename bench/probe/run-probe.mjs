import { launchBrowser, openEnginePage, startServer } from '../../scripts/headless.mjs';
import { execSync } from 'node:child_process';
const mode = process.argv[2] ?? 'probe';
const server = await startServer({ watch: false });
const browser = await launchBrowser();
try {
  const page = await openEnginePage(browser, server.url);
  const res = await page.evaluate(async (mode, r, n, only, loop) => {
    if (mode === 'reduce') {
      const m = await import('/bench/probe/reduce-probe.ts');
      return m.reduceProbe(r);
    }
    if (mode === 'expr') {
      const m = await import('/bench/probe/expr-probe.ts');
      return m.exprProbe(JSON.parse(only), r);
    }
    if (mode === 'skinny') {
      const m = await import('/bench/probe/skinny-probe.ts');
      if (only) globalThis.__shapes = JSON.parse(only);
      return m.skinnyProbe(r);
    }
    if (mode === 'profile') {
      const m = await import('/bench/probe/profile.ts');
      return m.profile(only.split(';'), r);
    }
    if (mode === 'rows') {
      const m = await import('/bench/probe/rows.ts');
      return m.rows(only.split(';'), r);
    }
    if (mode.startsWith('timeline')) {
      const m = await import('/bench/probe/timeline.ts');
      const o = Object.fromEntries((await m.timeline(r * n, 64, 'ours')).map((l, i) => ['ours ' + i, l]));
      const b = Object.fromEntries((await m.timeline(r * n, 64, 'bare')).map((l, i) => ['bare ' + i, l]));
      return { ...o, ...b };
    }
    const m = await import('/bench/probe/readback-probe.ts');
    if (only) globalThis.__only = only.split(',');
    globalThis.__loop = loop;
    return m.probe(r, n, Number(globalThis.__loop ?? 0));
  }, mode, Number(process.argv[3] ?? 6), Number(process.argv[4] ?? 20), process.argv[5] ?? '', process.argv[6] ?? '0');
  console.log(execSync('uptime').toString().trim());
  for (const [k, v] of Object.entries(res)) console.log(k.padEnd(40), typeof v === 'string' ? v : JSON.stringify(v));
} finally {
  await browser.close();
  await server.close();
}
