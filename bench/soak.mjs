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

const server = await startServer({ watch: false });
const browser = await launchBrowser();
let result;
try {
  const page = await openEnginePage(browser, server.url);
  page.on('console', (msg) => {
    if (msg.text().startsWith('[soak]')) process.stdout.write(`${msg.text()}\n`);
  });
  result = await runInPage(
    page,
    async (E, _H, totalSteps) => {
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
      // Host data, fresh every step: noisy images whose class is a faint column pattern.
      let seed = 1;
      const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
      const samples = [];
      const reports = [];
      let baseline = null;
      let grew = null;
      let lastLoss = NaN;
      let t0 = performance.now();
      let lastReport = 0;
      let firstLoss = NaN;
      for (let step = 1; step <= totalSteps; step++) {
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
          lastLoss = await loss.item();
          if (Number.isNaN(firstLoss)) firstLoss = lastLoss;
        }
        loss.dispose();
        const m = E.memoryStats();
        if (step === 100) {
          await E.sync();
          baseline = { live: E.memoryStats().live, liveBytes: E.memoryStats().liveBytes };
        }
        if (step % 500 === 0 || step === totalSteps) {
          await E.sync();
          const s = E.memoryStats();
          const now = performance.now();
          const r = { step, live: s.live, liveBytes: s.liveBytes, inUse: s.inUse, peakStepBytes: m.peakInUseBytes, created: s.created, submits: s.submits, loss: lastLoss, msPerStep: (now - t0) / (step - lastReport) };
          t0 = now;
          lastReport = step;
          reports.push(r);
          console.log(`[soak] step ${step}: live ${r.live} buffers, ${r.liveBytes} bytes, in use ${r.inUse}, step peak ${r.peakStepBytes} bytes, loss ${lastLoss.toFixed(4)}, ${r.msPerStep.toFixed(1)} ms/step`);
          if (baseline && step > 100 && (s.live > baseline.live || s.liveBytes > baseline.liveBytes)) grew ??= { step, live: s.live, liveBytes: s.liveBytes };
        }
        samples.push(m.live);
      }
      opt.dispose();
      model.dispose();
      const maxLiveAfter100 = Math.max(...samples.slice(100));
      return { adapter: info.adapter, steps: totalSteps, baseline, reports, grew, firstLoss, lastLoss, maxLiveAfter100 };
    },
    steps,
  );
} finally {
  await browser.close();
  await server.close();
}

const device = result.adapter.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
const date = new Date().toISOString().slice(0, 10);
const ok = !result.grew && result.maxLiveAfter100 <= result.baseline.live;
const out = {
  date,
  command: `node bench/soak.mjs --steps ${steps}`,
  device: result.adapter,
  browser: 'headless Chromium (SwiftShader adapter unless a GPU is present)',
  ...result,
  verdict: ok ? 'steady: live buffers and bytes never exceeded their step-100 value' : 'GREW after step 100',
};
const dir = path.join(REPO_ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${date}-soak-${device}.json`);
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`${out.verdict}; wrote ${path.relative(REPO_ROOT, file)}`);
process.exit(ok ? 0 : 1);
