// `npm start`: the main job, run headless by scripts/start.mjs (or open examples/start.html in Chrome).
// Today: a small network trained from scratch on real MNIST digits, with progress and held-out accuracy.

import * as E from '../src/index.ts';
import { loadMnist } from './mnist-data.ts';

const logEl = document.getElementById('log');
const lossCanvas = document.getElementById('loss') as HTMLCanvasElement | null;

function log(line: string): void {
  console.log(line);
  if (logEl) logEl.textContent += `${line}\n`;
}

function plotLoss(points: Array<[number, number]>): void {
  const ctx = lossCanvas?.getContext('2d');
  if (!ctx || !lossCanvas || points.length < 2) return;
  const { width, height } = lossCanvas;
  const minStep = points[0]![0];
  const maxStep = points[points.length - 1]![0];
  const maxLoss = Math.max(...points.map((p) => p[1]));
  ctx.clearRect(0, 0, width, height);
  ctx.strokeStyle = '#1565c0';
  ctx.beginPath();
  points.forEach(([s, l], i) => {
    const x = ((s - minStep) / Math.max(1, maxStep - minStep)) * (width - 20) + 10;
    const y = height - 10 - (l / maxLoss) * (height - 20);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  ctx.fillText(`training loss, mean per ${points.length > 1 ? points[1]![0] - points[0]![0] : 1} steps (max ${maxLoss.toFixed(2)})`, 12, 14);
}

async function main(): Promise<Record<string, unknown>> {
  const info = await E.init();
  log(`adapter: ${info.adapter}`);
  const t0 = performance.now();
  const { train, test } = await loadMnist(100, (c) => log(`loading MNIST digits: class ${c} done`));
  log(`MNIST: ${train.count} training digits, ${test.count} held out (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  // A small CNN, PyTorch-style: conv → ReLU → pool, twice, then a linear classifier.
  E.manualSeed(1);
  const model = new E.nn.Sequential(
    new E.nn.Conv2d(1, 8, 3, { padding: 1 }), new E.nn.ReLU(), new E.nn.MaxPool2d(2),
    new E.nn.Conv2d(8, 16, 3, { padding: 1 }), new E.nn.ReLU(), new E.nn.MaxPool2d(2),
    new E.nn.Flatten(), new E.nn.Linear(16 * 7 * 7, 10),
  );
  const opt = new E.optim.Adam(model, { lr: 2e-3 });
  const forward = (x: E.Tensor): E.Tensor => model.forward(x);

  const batch = 32;
  const steps = 300;
  const report = 25;
  const losses: Array<[number, number]> = [];
  // The loss is summed on the GPU and read back once per `report` steps (its mean is plotted): reading it
  // every step would wait for the GPU every step.
  let lossSum = E.zeros([]);
  const tTrain = performance.now();
  for (let step = 1; step <= steps; step++) {
    const start = ((step - 1) * batch) % (train.count - batch);
    const x = E.tensor(train.images.subarray(start * 784, (start + batch) * 784), [batch, 1, 28, 28]);
    const y = E.tensor(train.labels.subarray(start, start + batch), [batch], { dtype: 'int32' });
    const loss = E.tidy(() => {
      const l = E.crossEntropy(forward(x), y);
      l.backward();
      opt.step();
      opt.zeroGrad();
      return l;
    });
    const summed = E.add(lossSum, loss);
    lossSum.dispose();
    lossSum = summed;
    if (step % report === 0) {
      const value = (await lossSum.item()) / report;
      lossSum.dispose();
      lossSum = E.zeros([]);
      losses.push([step, value]);
      plotLoss(losses);
      const rate = (step * batch) / ((performance.now() - tTrain) / 1000);
      log(`step ${String(step).padStart(4)}/${steps}  mean loss of the last ${report} steps ${value.toFixed(4)}  (${rate.toFixed(0)} digits/s)`);
    }
    loss.dispose();
    x.dispose();
    y.dispose();
  }
  const trainSeconds = (performance.now() - tTrain) / 1000;
  lossSum.dispose();

  let correct = 0;
  for (let start = 0; start < test.count; start += 500) {
    const n = Math.min(500, test.count - start);
    const x = E.tensor(test.images.subarray(start * 784, (start + n) * 784), [n, 1, 28, 28]);
    model.eval();
    const predicted = await E.tidy(() => E.noGrad(() => E.argmax(forward(x), 1))).data();
    for (let i = 0; i < n; i++) if (predicted[i] === test.labels[start + i]) correct++;
    x.dispose();
  }
  const accuracy = correct / test.count;
  log('');
  log('| model | steps | batch | train time | held-out accuracy |');
  log('| --- | --- | --- | --- | --- |');
  log(`| CNN conv8-conv16-linear, Adam lr 2e-3 | ${steps} | ${batch} | ${trainSeconds.toFixed(1)} s | ${(accuracy * 100).toFixed(1)}% (${correct}/${test.count}) |`);
  return { accuracy, trainSeconds, adapter: info.adapter, finalLoss: losses[losses.length - 1]![1] };
}

const w = window as unknown as { __result?: unknown; __error?: string };
main().then(
  (result) => (w.__result = result),
  (err: unknown) => {
    w.__error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    log(`error: ${w.__error}`);
  },
);
