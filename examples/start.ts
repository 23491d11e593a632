// `npm start`: the main job, run headless by scripts/run-page.mjs (or open examples/start.html in Chrome).
// The shipped pretrained trunk (MNIST digits 0–4) transferred to a new task, MNIST digits 5–9 from 100 labelled
// digits per class: its measured similarity and the advisor's pick, then feature extraction (frozen trunk,
// cached features) against fine-tuning (fastai's fine_tune), and training from scratch for reference, each with
// progress, and a result table of held-out accuracy and time.

import * as E from '../src/index.ts';
import { loadMnistByClass, mnistTask } from './digits-data.ts';
import { fmtSeconds, log, runMain } from './page-io.ts';
import { barChart } from './svg-chart.ts';
import { runStrategy, type StrategyName } from './transfer-runs.ts';

const RUNS: Array<{ strategy: StrategyName; what: string }> = [
  { strategy: 'feature-extraction', what: 'frozen pretrained trunk, cached features, new head' },
  { strategy: 'fine-tune-all', what: 'pretrained, head first, then all layers at [lr/100, lr]' },
  { strategy: 'from-scratch', what: 'random initialisation, all layers' },
];

async function main(): Promise<unknown> {
  const info = await E.init();
  log(`adapter: ${info.adapter}`);
  const t0 = performance.now();
  const weights = await (await fetch(`/${E.transfer.PRETRAINED_DIGITS.weights}`)).arrayBuffer();
  const byClass = await loadMnistByClass();
  const { train, test } = mnistTask(byClass, [5, 6, 7, 8, 9], { trainPerClass: 100, testPerClass: 100, seed: 1 });
  log(`new task: MNIST digits 5–9 (relabelled 0–4), ${train.count} labelled training digits, ${test.count} held out; `
    + `source trunk: ${E.transfer.PRETRAINED_DIGITS.weights} (digits 0–4) (${fmtSeconds((performance.now() - t0) / 1000)})`);

  const trunk = E.transfer.digitsCnn(5);
  await E.nn.loadSafetensors(trunk, weights);
  E.manualSeed(1234);
  const random = E.transfer.digitsCnn(5);
  const target = { images: train.images, labels: train.labels, count: train.count, shape: [1, 28, 28] };
  const sim = await E.transfer.measureSimilarity(trunk, target, { at: ['features.2'], baseline: random });
  trunk.dispose();
  random.dispose();
  const advice = E.transfer.recommendStrategy({ targetSize: train.count, numClasses: 5, similarity: sim });
  log(`measured similarity ${sim.similarity.toFixed(2)} (linear probe on the trunk's features ${(100 * sim.probes[0]!.pretrained).toFixed(1)}% `
    + `vs a random trunk ${(100 * sim.probes[0]!.baseline).toFixed(1)}%)`);
  log(`recommendStrategy → ${advice.strategy}: ${advice.reason}`);

  const results: Array<{ strategy: StrategyName; what: string; accuracy: number; seconds: number; trainable: number }> = [];
  for (const { strategy, what } of RUNS) {
    log(`\n${strategy}: ${what}`);
    const r = await runStrategy({
      strategy, train, test, numClasses: 5, weights, seed: 0, rounds: 4, roundSamples: train.count, batch: 50, lr: 2e-3,
      onRound: (round, loss) => log(`  round ${round + 1}/4 (one epoch each): mean training loss ${loss.toFixed(4)}`),
    });
    const cacheNote = r.cacheBuilds ? ` (feature cache built ${r.cacheBuilds}×, ${r.cachedBatches} batches served from it)` : '';
    log(`  held-out accuracy ${(100 * r.accuracy).toFixed(1)}% in ${fmtSeconds(r.seconds)}${cacheNote}`);
    results.push({ strategy, what, accuracy: r.accuracy, seconds: r.seconds, trainable: r.trainableParams });
  }
  log('');
  log('| strategy | what trains | trainable parameters | held-out accuracy | time |');
  log('| --- | --- | --- | --- | --- |');
  for (const r of results) {
    const name = `${r.strategy}${r.strategy === advice.strategy ? ' (recommended)' : ''}`;
    log(`| ${name} | ${r.what} | ${r.trainable} | ${(100 * r.accuracy).toFixed(1)}% | ${fmtSeconds(r.seconds)} |`);
  }
  log(`\ntotal ${fmtSeconds((performance.now() - t0) / 1000)}`);
  const chart = document.getElementById('chart');
  if (chart) {
    chart.innerHTML = barChart(
      [{ label: 'MNIST 5–9, 100 per class', bars: results.map((r) => ({ series: r.strategy, value: 100 * r.accuracy })) }],
      { title: 'Held-out accuracy', yLabel: 'accuracy (%)', yMin: 50, yMax: 100, width: 640, height: 320 },
    );
  }
  return { similarity: sim.similarity, advice: advice.strategy, results };
}

runMain(main);
