#!/usr/bin/env node
// `node bench/module-proxy.mjs`: what the Proxy that registers assigned properties (src/nn/module.ts) costs.
// In headless Chromium:
//   1. recording a forward pass through modules (an 8-layer Linear/ReLU MLP in nn.Sequential, batch 4,
//      width 32, noGrad) against the same ops called directly on the same weights (E.linear, E.relu): the
//      difference is the whole per-layer module overhead, Proxy reads included. JS time only (the GPU work
//      runs after the clock stops), alternating the two, so that load on the machine hits both alike.
//   2. property reads in a loop on a plain object against one wrapped in a Proxy with the same single
//      defineProperty trap (V8 has no inline cache for proxies).
// Prints the figures; nothing is saved.

import { launchBrowser, openEnginePage, runInPage, startServer } from '../scripts/headless.mjs';

const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await openEnginePage(browser, server.url);
  const result = await runInPage(page, async (E) => {
    await E.init();
    const { nn } = E;
    const layers = [];
    for (let i = 0; i < 8; i++) layers.push(new nn.Linear(32, 32), new nn.ReLU());
    const model = new nn.Sequential(...layers);
    const linears = layers.filter((l) => l instanceof nn.Linear);
    const x = E.rand([4, 32], { seed: 1 });
    const direct = (input) => {
      let y = input;
      for (const l of linears) {
        const z = E.linear(y, l.weight, l.bias);
        if (y !== input) y.dispose();
        y = E.relu(z);
        z.dispose();
      }
      return y;
    };
    const viaModules = (input) => model.forward(input);
    // JS time to record 50 forwards (the GPU runs them after the clock stops), direct and through modules
    // alternately, 41 rounds; the figure is the median of the per-round times.
    const record = (fn) => {
      const t0 = performance.now();
      for (let i = 0; i < 50; i++) E.noGrad(() => fn(x)).dispose();
      return (performance.now() - t0) / 50;
    };
    const rounds = [];
    for (let r = 0; r < 46; r++) {
      const d = record(direct);
      const m = record(viaModules);
      await E.sync();
      if (r >= 5) rounds.push({ direct: d, modules: m }); // 5 warm-up rounds
    }
    const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
    // Property reads.
    class Plain { constructor() { this.a = 1; this.b = 2; } }
    const plain = new Plain();
    const proxied = new Proxy(new Plain(), { defineProperty: (t, k, d) => Reflect.defineProperty(t, k, d) });
    const reads = (o) => {
      let s = 0;
      const t0 = performance.now();
      for (let i = 0; i < 5e6; i++) s += o.a + o.b;
      return { ns: ((performance.now() - t0) * 1e6) / 1e7, s };
    };
    reads(plain);
    reads(proxied);
    return {
      device: E.engineInfo().adapter,
      forwardMs: { direct: median(rounds.map((r) => r.direct)), modules: median(rounds.map((r) => r.modules)), ratio: median(rounds.map((r) => r.modules / r.direct)) },
      readNs: { plain: reads(plain).ns, proxy: reads(proxied).ns },
    };
  });
  const { forwardMs: f, readNs: r } = result;
  console.log(`device: ${JSON.stringify(result.device)}`);
  console.log(`recording one forward, 8x Linear(32,32)+ReLU, batch 4, median of 41 rounds of 50: direct ops ${f.direct.toFixed(3)} ms, nn.Sequential ${f.modules.toFixed(3)} ms (median ratio ${f.ratio.toFixed(3)})`);
  console.log(`property read: plain object ${r.plain.toFixed(2)} ns, Proxy with a defineProperty trap ${r.proxy.toFixed(2)} ns`);
} finally {
  await browser.close();
  await server.close();
}
