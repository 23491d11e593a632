// The page half of the scale benchmark (bench/scale/run.mjs starts it): the image folder the script wrote, picked in
// the folder input (?source=folder, disk-backed Files) or fetched into Blobs (?source=fetch), read by src/data's
// folder loader (fromFiles), a stratified split, then feature-extraction training
// with the cache (frozen shipped digits trunk, features of every image computed once and kept on the GPU, a new
// linear head trained on them) and `retrains` more runs of the same in this page, each followed by a forced GC
// and a reading of live GPU buffers and JS heap; then one loader-only epoch at a 224² RGB target.
//
// When transfer.fit (issue 22 item 6) lands, `trainOnce` becomes one fit({ trunk, data, strategy: 'feature-extraction' }).

import * as E from '../../src/index.ts';
import { fromFiles, type InputSpec, type PathedFile } from '../../src/data/index.ts';
import { indexSelect, randperm } from '../../src/engine/internal.ts';

const params = new URLSearchParams(location.search);
const retrains = Number(params.get('retrains') ?? 5);
const epochs = Number(params.get('epochs') ?? 3);
const batchSize = Number(params.get('batch') ?? 256);
const source = params.get('source') ?? 'folder';
/** 'train': the runs, then the loader-only epoch; 'epoch': the loader-only epoch alone, in a fresh page. */
const mode = params.get('mode') ?? 'train';
const logEl = document.getElementById('log')!;
const log = (line: string) => {
  logEl.textContent += `${line}\n`;
  console.log(line);
};
const w = window as unknown as { gc?: () => void; __phase?: string; __result?: unknown; __error?: string; __snapshot?: (name: string) => Promise<void> };
/** Asks the script to read Chromium's memory now (after a forced GC), under `name`. */
const snapshot = async (name: string) => {
  await E.sync();
  for (let i = 0; i < 3; i++) {
    w.gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  await w.__snapshot?.(name);
};
const heapBytes = () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? -1;

const DIGITS_INPUT: InputSpec = { size: [28, 28], channels: 1, resizeShorter: null, mean: [0], std: [1] };
const INPUT_224: InputSpec = { size: [224, 224], channels: 3, resizeShorter: null, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

async function fetchFiles(paths: string[]): Promise<PathedFile[]> {
  const out: PathedFile[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      const res = await fetch(`/bench/scale/data/${paths[i]}`);
      if (!res.ok) throw new Error(`GET ${paths[i]}: HTTP ${res.status}`);
      out[i] = { path: `data/${paths[i]}`, file: await res.blob() };
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return out;
}

async function settle(): Promise<{ liveBuffers: number; liveBytes: number; inUse: number; heap: number }> {
  await E.sync();
  for (let i = 0; i < 3; i++) {
    w.gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const s = E.memoryStats();
  return { liveBuffers: s.live, liveBytes: s.liveBytes, inUse: s.inUse, heap: heapBytes() };
}

type Set = Awaited<ReturnType<typeof fromFiles>>;

/** Features of every image of `set` through the frozen trunk, on the GPU ([N, 288]); labels stay on the host (set.labels). */
async function featureCache(trunk: E.nn.Module, set: Set): Promise<{ f: E.Tensor; labels: Int32Array }> {
  const fs: E.Tensor[] = [];
  for await (const { x, y } of set.batches({ batchSize })) {
    fs.push(E.noGrad(() => trunk.forward(x)));
    x.dispose();
    y.dispose();
  }
  const f = E.cat(fs, 0);
  fs.forEach((t) => t.dispose());
  return { f, labels: set.labels };
}

async function trainOnce(weights: ArrayBuffer, train: Set, validation: Set, seed: number): Promise<{ accuracy: number; seconds: number }> {
  const t0 = performance.now();
  E.manualSeed(seed);
  const model = E.transfer.digitsCnn(5);
  await E.nn.loadSafetensors(model, weights);
  const trunk = E.transfer.truncate(model, 'classifier.0');
  trunk.eval();
  const tr = await featureCache(trunk, train);
  const va = await featureCache(trunk, validation);
  const head = new E.nn.Linear(288, train.classes.length);
  const opt = new E.optim.Adam(head.parameters(), { lr: 1e-2 });
  const n = tr.f.shape[0]!;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = randperm(n, { seed: seed * 100 + epoch });
    for (let at = 0; at < n; at += 64) {
      E.tidy(() => {
        const idx = E.tensor(order.subarray(at, Math.min(n, at + 64)));
        const rows = order.subarray(at, Math.min(n, at + 64));
        const target = E.tensor(Int32Array.from(rows, (i) => tr.labels[i]!));
        const loss = E.crossEntropy(head.forward(indexSelect(tr.f, 0, idx)), target);
        opt.zeroGrad();
        loss.backward();
        opt.step();
      });
    }
    await E.sync();
  }
  const correct = E.tidy(() => head.forward(va.f).argmax(1).eq(E.tensor(va.labels)).float().sum());
  const accuracy = (await correct.data())[0]! / va.f.shape[0]!;
  [correct, tr.f, va.f].forEach((t) => t.dispose());
  opt.dispose();
  head.dispose();
  trunk.dispose();
  model.dispose();
  return { accuracy, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const info = await E.init();
  log(`adapter: ${info.adapter}`);
  w.__phase = 'idle';
  await new Promise((r) => setTimeout(r, 1000));
  await snapshot('idle');
  let t = performance.now();
  let files: Iterable<File | PathedFile>;
  let fetchSeconds = 0;
  if (source === 'fetch') {
    const paths = (await (await fetch('/bench/scale/data-index.json')).json()) as string[];
    files = await fetchFiles(paths);
    fetchSeconds = (performance.now() - t) / 1000;
  } else {
    const input = document.getElementById('folder') as HTMLInputElement;
    const picked = new Promise<void>((resolve) => input.addEventListener('change', () => resolve(), { once: true }));
    w.__phase = 'pick'; // the script uploads the folder into the input now
    await picked;
    files = Array.from(input.files ?? []);
  }
  w.__phase = 'load';
  t = performance.now();
  const set = await fromFiles(files, { input: DIGITS_INPUT });
  const loadSeconds = (performance.now() - t) / 1000;
  const how = source === 'fetch' ? `fetched in ${fetchSeconds.toFixed(1)} s` : 'picked folder';
  log(`loaded ${set.size} images, ${set.classes.length} classes in ${loadSeconds.toFixed(1)} s (${how})`);
  await snapshot('loaded');
  const { train, validation } = set.split({ valFraction: 0.2, seed: 0 });
  const weights = await (await fetch(`/${E.transfer.PRETRAINED_DIGITS.weights}`)).arrayBuffer();
  const runs: { run: number; accuracy: number; seconds: number; liveBuffers: number; liveBytes: number; inUse: number; heap: number }[] = [];
  const baseline = await settle();
  for (let run = 1; mode === 'train' && run <= 1 + retrains; run++) {
    w.__phase = `train ${run}`;
    const r = await trainOnce(weights, train, validation, run);
    const m = await settle();
    await snapshot(`after run ${run}`);
    runs.push({ run, ...r, ...m });
    log(
      `run ${run}: accuracy ${(100 * r.accuracy).toFixed(1)}% in ${r.seconds.toFixed(1)} s; ` +
        `live buffers ${m.liveBuffers} (${m.inUse} in use), heap ${(m.heap / 2 ** 20).toFixed(1)} MiB`,
    );
  }
  // One loader-only epoch at 224² RGB: decode, prepare, upload, dispose. The pool's cached buffers from training go
  // back first, so that the epoch is measured from what the loader itself needs.
  const pooledBytes = E.memoryStats().liveBytes;
  E.emptyCache();
  await snapshot('before epoch');
  w.__phase = 'epoch 224';
  const set224 = set.withInput(INPUT_224);
  t = performance.now();
  let batches = 0;
  let peakHeap = heapBytes();
  for await (const { x, y } of set224.batches({ batchSize: 32, shuffle: true, seed: 1 })) {
    x.dispose();
    y.dispose();
    if (++batches % 4 === 0) await E.sync();
    peakHeap = Math.max(peakHeap, heapBytes());
  }
  await E.sync();
  const epoch224 = { images: set224.size, batches, seconds: (performance.now() - t) / 1000, peakHeap, pooledBytes };
  log(`224² loader epoch: ${batches} batches in ${epoch224.seconds.toFixed(1)} s, peak JS heap ${(peakHeap / 2 ** 20).toFixed(1)} MiB`);
  w.__phase = 'done';
  w.__result = {
    adapter: info.adapter,
    images: set.size,
    classes: set.classes,
    train: train.size,
    validation: validation.size,
    fetchSeconds,
    loadSeconds,
    baseline,
    runs,
    epoch224,
  };
}

main().catch((e: unknown) => {
  w.__error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  log(`error: ${w.__error}`);
});
