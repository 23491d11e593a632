// Soak benchmark (issue 9, item 7): a training loop that must reach a fixed memory footprint. Not a test.
//
//   node bench/soak.mjs                 5,000 steps (the default)
//   node bench/soak.mjs --steps 1000    fewer steps
//
// Model: Conv2d(1→8, 3×3, pad 1) → BatchNorm2d → ReLU → Dropout(0.25) → Flatten → Linear(8·8·8 → 10), on
// [16, 1, 8, 8] batches uploaded from the host every step (fresh data and labels), crossEntropy, Adam with two
// parameter groups (trunk lr 1e-3, head lr 1e-2) and gradient clipping (maxGradNorm 1). The loss is read
// back every 50 steps only (so most steps are recorded without a readback, the pattern that used to grow the
// pool). Every 500 steps it prints live GPU buffers and bytes (the engine's pool), the step's peak memory
// (memoryStats().peakInUseBytes) and ms/step. It fails (exit 1) if the live count or bytes after step 100
// ever exceed their value at step 100. The result goes to bench/results/<date>-soak-<device>.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, launchBrowser, openEnginePage, runInPage, startServer } from '../scripts/headless.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const steps = arg('--steps', 5000);

// The loop runs in chunks of 500 steps (one page call each: a single call would outlive the DevTools
// protocol timeout on the CPU adapter), with the model and counters kept on the page's globalThis. The
// result file is rewritten after every chunk, so an interrupted run still leaves its figures.
let result;
const finish = (r, complete) => {
  const device = r.adapter.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
  const date = new Date().toISOString().slice(0, 10);
  const ok = !r.grew && r.maxLiveAfter100 <= r.baseline.live;
  const out = {
    date,
    command: `node bench/soak.mjs --steps ${steps}`,
    device: r.adapter,
    browser: 'headless Chromium 156 (WebGPU)',
    completedSteps: r.step,
    complete,
    baseline: r.baseline,
    grew: r.grew,
    maxLiveAfter100: r.maxLiveAfter100,
    firstLoss: r.firstLoss,
    lastLoss: r.lastLoss,
    reports: r.reports,
    verdict: ok ? 'steady: live buffers and bytes never exceeded their step-100 value' : 'GREW after step 100',
  };
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${date}-soak-${device}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  return { ok, file, verdict: out.verdict };
};
const server = await startServer({ watch: false });
const browser = await launchBrowser();
try {
  const page = await openEnginePage(browser, server.url);
  page.on('console', (msg) => {
    if (msg.text().startsWith('[soak]')) process.stdout.write(`${msg.text()}\n`);
  });
  await runInPage(page, async (E) => {
    const info = await E.init();
    const { nn, optim } = E;
    const model = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }),
      new nn.BatchNorm2d(8),
      new nn.ReLU(),
      new nn.Dropout(0.25),
      new nn.Flatten(),
      new nn.Linear(8 * 8 * 8, 10),
    );
    model.train();
    const trunk = model.parameters().filter((p) => !p.name?.startsWith('5.'));
    const head = model.parameters().filter((p) => p.name?.startsWith('5.'));
    if (trunk.length === 0 || head.length === 0) throw new Error(`parameter names changed: ${model.parameters().map((p) => p.name).join(', ')}`);
    const opt = new optim.Adam([{ params: trunk, lr: 1e-3 }, { params: head, lr: 1e-2 }], { maxGradNorm: 1 });
    globalThis.__soak = { model, opt, seed: 1, step: 0, adapter: info.adapter, reports: [], baseline: null, grew: null, lastLoss: NaN, firstLoss: NaN, maxLiveAfter100: 0, t0: performance.now(), lastReport: 0 };
  });
  for (let done = 0; done < steps; done += 500) {
    result = await runInPage(
      page,
      async (E, _H, chunkEnd) => {
        const S = globalThis.__soak;
        const { model, opt } = S;
        const rnd = () => ((S.seed = (Math.imul(S.seed, 1664525) + 1013904223) >>> 0) / 4294967296);
        while (S.step < chunkEnd) {
          const step = ++S.step;
          // Host data, fresh every step: noisy images whose class is a faint column pattern.
          const xs = new Float32Array(16 * 64);
          const ys = new Int32Array(16);
          for (let n = 0; n < 16; n++) {
            const cls = Math.floor(rnd() * 10);
            ys[n] = cls;
            for (let k = 0; k < 64; k++) xs[n * 64 + k] = (k % 10 === cls ? 0.5 : 0) + 1.5 * (rnd() - 0.5);
          }
          const x = E.tensor(xs, [16, 1, 8, 8]);
          const y = E.tensor(ys, [16]);
          E.resetPeakMemory();
          opt.zeroGrad();
          const loss = E.tidy(() => E.crossEntropy(model.forward(x), y));
          loss.backward();
          opt.step();
          x.dispose();
          y.dispose();
          if (step % 50 === 0) {
            S.lastLoss = await loss.item();
            if (Number.isNaN(S.firstLoss)) S.firstLoss = S.lastLoss;
          }
          loss.dispose();
          const m = E.memoryStats();
          if (step === 100) {
            await E.sync();
            S.baseline = { live: E.memoryStats().live, liveBytes: E.memoryStats().liveBytes };
          }
          if (step > 100) S.maxLiveAfter100 = Math.max(S.maxLiveAfter100, m.live);
          if (step % 500 === 0 || step === chunkEnd) {
            await E.sync();
            const s = E.memoryStats();
            const now = performance.now();
            const r = { step, live: s.live, liveBytes: s.liveBytes, inUse: s.inUse, peakStepBytes: m.peakInUseBytes, created: s.created, submits: s.submits, loss: S.lastLoss, msPerStep: (now - S.t0) / (step - S.lastReport) };
            S.t0 = now;
            S.lastReport = step;
            S.reports.push(r);
            console.log(`[soak] step ${step}: live ${r.live} buffers, ${r.liveBytes} bytes, in use ${r.inUse}, step peak ${r.peakStepBytes} bytes, loss ${S.lastLoss.toFixed(4)}, ${r.msPerStep.toFixed(1)} ms/step`);
            if (S.baseline && step > 100 && (s.live > S.baseline.live || s.liveBytes > S.baseline.liveBytes)) S.grew ??= { step, live: s.live, liveBytes: s.liveBytes };
          }
        }
        const { model: _m, opt: _o, ...plain } = S;
        return plain;
      },
      Math.min(steps, done + 500),
    );
    finish(result, false);
  }
} finally {
  await browser.close();
  await server.close();
}

const { ok, file, verdict } = finish(result, true);
console.log(`${verdict}; wrote ${path.relative(REPO_ROOT, file)}`);
process.exit(ok ? 0 : 1);
