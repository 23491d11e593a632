// `npm run experiment:multitask`: does multi-task learning help a small CNN on real 28×28 images? Runs in the
// page that bench/multitask/run.mjs opens in headless Chromium; options come in the query string. The protocol,
// the data and the models: cnn-experiment.ts, cnn-data.ts, cnn-models.ts. Results go to window.__result, the
// runs finished so far to window.__partial, progress lines to the console.

import * as E from '../../src/index.ts';
import { loadMnist } from '../../examples/mnist-data.ts';
import { digitsDataset, fashionDataset, parseIdx, splitSizes, type Dataset, type Images } from './cnn-data.ts';
import { PROTOCOL, REGIMES, runExperiment, type CostRow, type Options, type Regime, type RunResult } from './cnn-experiment.ts';
import { ARCHS, WEIGHTINGS, type Arch, type Weighting } from './cnn-models.ts';

const params = new URLSearchParams(location.search);
const num = (k: string, d: number) => (params.has(k) ? Number(params.get(k)) : d);
const QUICK = params.get('quick') === '1';

async function gunzip(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} failed (HTTP ${res.status})`);
  // The vite dev server sends .gz files with Content-Encoding: gzip (the browser inflates them); others may not.
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
}

async function fashionSubsets(): Promise<{ train: Images; test: Images }> {
  const f = (s: string) => gunzip(`/data/fashion-mnist/${s}.gz`);
  return {
    train: parseIdx(await f('train-200-images-idx3-ubyte'), await f('train-200-labels-idx1-ubyte')),
    test: parseIdx(await f('test-100-images-idx3-ubyte'), await f('test-100-labels-idx1-ubyte')),
  };
}

async function main(): Promise<unknown> {
  const info = await E.init();
  console.log(`adapter: ${info.adapter}`);
  const o: Options = {
    seeds: num('seeds', QUICK ? 2 : PROTOCOL.seeds),
    steps: num('steps', QUICK ? 8 : PROTOCOL.steps),
    batch: num('batch', PROTOCOL.batch),
    lr: num('lr', PROTOCOL.lr),
    trainPerClass: num('trainPerClass', PROTOCOL.trainPerClass),
    // ?valPerClass=N: N for both datasets.
    valPerClass: params.has('valPerClass') ? { digits: num('valPerClass', 0), fashion: num('valPerClass', 0) } : { ...PROTOCOL.valPerClass },
    archs: (params.has('archs') ? params.get('archs')!.split(',').filter((a) => a) : ARCHS) as Arch[],
    evalLimit: QUICK ? 100 : Infinity,
    regimes: (params.get('regimes')?.split(',') ?? (QUICK ? ['full'] : REGIMES)) as Regime[],
    datasets: (params.get('datasets')?.split(',') ?? (QUICK ? ['digits'] : ['digits', 'fashion'])) as ('digits' | 'fashion')[],
    costSteps: num('costSteps', QUICK ? 2 : 6),
    costRounds: num('costRounds', QUICK ? 1 : 3),
    methods: (params.has('methods') ? params.get('methods')!.split(',').filter((m) => m) : WEIGHTINGS) as Weighting[],
  };
  const t0 = performance.now();
  const datasets: Dataset[] = [];
  const val = o.valPerClass!;
  if (o.datasets.includes('digits')) datasets.push(digitsDataset(await loadMnist(100), splitSizes('digits', o.trainPerClass, val.digits)));
  if (o.datasets.includes('fashion')) datasets.push(fashionDataset(await fashionSubsets(), splitSizes('fashion', o.trainPerClass, val.fashion)));
  for (const d of datasets) console.log(`data ${d.name}: ${d.train.n} train, ${d.val.n} val, ${d.test.n} test, tasks ${d.tasks.map((t) => t.name).join(', ')}`);
  console.log(`data ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let resumed: RunResult[] | undefined;
  let resumedCost: CostRow[] | undefined;
  if (params.get('resume') === '1') {
    const stem = params.has('tag') ? `multitask-${params.get('tag')}` : QUICK ? 'multitask-quick' : 'multitask';
    const res = await fetch(`/bench/results/${stem}.partial.json`);
    if (res.ok) {
      const p = (await res.json()) as { results?: RunResult[]; cost?: CostRow[]; options?: Partial<Options> };
      // Runs are kept only from a launch with the same protocol (steps, batch, lr, images per class); cost rows
      // depend only on the batch and the trunk.
      const keys = ['steps', 'batch', 'lr', 'trainPerClass', 'valPerClass', 'evalLimit'] as const;
      const same = p.options !== undefined && keys.every((k) => JSON.stringify(p.options![k]) === JSON.stringify(o[k])); // Infinity is saved as null
      if (!same) console.log(`resume: the saved runs used another protocol (${JSON.stringify(p.options ?? 'unknown')}): not kept`);
      resumed = same ? p.results ?? [] : [];
      resumedCost = p.options?.batch === o.batch ? p.cost ?? [] : [];
    }
    console.log(`resuming: ${resumed?.length ?? 0} runs and ${resumedCost?.length ?? 0} cost rows from the interrupted run`);
  }
  const w = window as unknown as { __partial?: unknown };
  // ?deadline=<ISO time>: runs that would end after it are not started (listed as not run).
  const deadline = params.has('deadline') ? Date.parse(params.get('deadline')!) : NaN;
  return runExperiment(info.adapter, datasets, o, {
    timeLeft: Number.isFinite(deadline) ? () => (deadline - Date.now()) / 1000 : undefined,
    log: (l) => console.log(l),
    progress: (p) => { w.__partial = { ...(w.__partial as object), ...p, options: o }; },
    resumed,
    resumedCost,
  });
}

const w = window as unknown as { __result?: unknown; __error?: string };
main().then((r) => { w.__result = r; }, (e: unknown) => {
  w.__error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
});
