// The training studio, on real digits in the browser.
//   Transfer: the shipped trunk (MNIST 0–4) on one of the four scenarios of examples/transfer-experiment.ts
//     (MNIST 5–9 = similar, UCI 5–9 = different; 20 per class = small, all = large): measured similarity and
//     the advisor's recommendation, a strategy preset whose per-group freeze toggles and learning rates the
//     visitor can change, live loss and held-out accuracy curves, every run kept on the same charts.
//   Multi-task: the rotated-digit tasks of bench/multitask (digit, thick, angle), chosen tasks and weighting
//     method, per-task losses and task weights as they move.
//   Test digits with the last transfer run's predictions.
//   The "Your images" tab: images-input.ts (classes, files, folders, webcam) and images-tab.ts (trunk, train, use).

import * as E from '../src/index.ts';
import { mnistTask, uciTask, type Digits, type TaskSplit } from '../examples/digits-data.ts';
import {
  TASK_LOSSES, WEIGHTING_METHODS, inkMedians, makeHead, makeTrunk, makeWeighting, rng, rotatedSplit, type RotatedSplit, type Task, type WeightingMethod,
} from '../examples/multitask-digits.ts';
import { accuracy, epochBatches } from '../examples/train-utils.ts';
import { STRATEGIES, type StrategyName } from '../examples/transfer-runs.ts';
import { lineChart, type LineSeries } from '../examples/svg-chart.ts';
import { QUICK, byId, esc, fmt, job, markReady, progress, readNumber, showError, site } from './common.ts';
import { loadMnistU8, loadPretrained, loadUci } from './digits.ts';
import { setupImagesTab } from './images-tab.ts';

const { nn, optim, transfer, multitask: mt } = E;
const TARGET_CLASSES = [5, 6, 7, 8, 9];
const BASE_LR = 2e-3;
const BATCH = 20;
/** Quick (page tests on a CPU adapter): training digits per epoch, held-out digits scored, similarity sample. */
const QUICK_TRAIN = 60;
const QUICK_TEST = 40;

const message = byId('message');
const bar = progress(byId('progress'));
const scenarioSelect = byId<HTMLSelectElement>('scenario');
const strategySelect = byId<HTMLSelectElement>('strategy');
const epochsInput = byId<HTMLInputElement>('epochs');
const trainButton = byId<HTMLButtonElement>('train');
const measureButton = byId<HTMLButtonElement>('measure');
const mtButton = byId<HTMLButtonElement>('mt-train');

interface Scenario {
  id: string;
  split: TaskSplit;
}

interface Run {
  label: string;
  loss: Array<[number, number]>;
  acc: Array<[number, number]>;
  seconds: number;
  trainable: number;
  show: boolean;
}

let weights: ArrayBuffer;
let scenarios: Scenario[] = [];
const runs: Run[] = [];

// ------------------------------------------------------------------ transfer: strategies as group presets

interface Preset {
  /** Group names, bottom to top; the last is the head. */
  groups: string[];
  on: boolean[];
  lrs: number[];
  pretrained: boolean;
  truncated: boolean;
  /** Epoch 1 trains the head alone (fastai's fine_tune). */
  headFirst: boolean;
  /** One more group from the top trains each epoch. */
  gradual: boolean;
}

const FULL_GROUPS = ['features.0', 'features.1', 'features.2', 'classifier'];
const TRUNCATED_GROUPS = ['trunk.features.0', 'trunk.features.1', 'head'];

function preset(s: StrategyName): Preset {
  const lr = BASE_LR;
  const base = { groups: FULL_GROUPS, pretrained: true, truncated: false, headFirst: false, gradual: false };
  switch (s) {
    case 'from-scratch': return { ...base, pretrained: false, on: [true, true, true, true], lrs: [lr, lr, lr, lr] };
    case 'feature-extraction': return { ...base, on: [false, false, false, true], lrs: [lr, lr, lr, lr] };
    case 'fine-tune-top': return { ...base, on: [false, false, true, true], lrs: [lr, lr, lr, lr] };
    case 'fine-tune-all': return { ...base, on: [true, true, true, true], lrs: transfer.discriminativeLrs(4, [lr / 100, lr]), headFirst: true };
    case 'truncate-fine-tune':
      return { ...base, groups: TRUNCATED_GROUPS, truncated: true, on: [true, true, true], lrs: transfer.discriminativeLrs(3, [lr / 10, lr]), headFirst: true };
    case 'gradual-unfreezing': return { ...base, on: [true, true, true, true], lrs: transfer.discriminativeLrs(4, [lr / 100, lr]), gradual: true };
  }
}

function renderGroups(): void {
  const p = preset(strategySelect.value as StrategyName);
  const note = p.headFirst ? 'epoch 1 trains the head alone, then every ticked group'
    : p.gradual ? 'epoch k trains the top k ticked groups'
    : p.pretrained ? 'pretrained trunk; unticked groups stay frozen (features cached)'
    : 'random initialisation';
  const rows = p.groups.map((g, i) => `<tr><td>${esc(g)}${i === p.groups.length - 1 ? ' (new head)' : ''}</td>`
    + `<td><input type="checkbox" class="group-toggle" data-group="${esc(g)}"${p.on[i] ? ' checked' : ''} /></td>`
    + `<td><input type="text" class="rate" data-group="${esc(g)}" value="${p.lrs[i]!.toPrecision(3)}" /></td></tr>`).join('');
  byId('groups').innerHTML = `<table id="group-table"><tr><th>layer group</th><th>trains</th><th>learning rate</th></tr>${rows}</table>`
    + `<div class="small">${esc(note)}${p.truncated ? '; features.2 is dropped and the head reads 16×7×7 features' : ''}</div>`;
}

async function buildModel(p: Preset): Promise<E.nn.Module> {
  if (!p.pretrained) return transfer.digitsCnn(5);
  const pretrained = transfer.digitsCnn(5);
  await E.nn.loadSafetensors(pretrained, weights);
  if (p.truncated) {
    const trunk = transfer.truncate(pretrained, 'features.1');
    return transfer.attachHead(trunk, new nn.Sequential(new nn.Flatten(), new nn.Linear(16 * 7 * 7, 5)), { inputShape: [BATCH, 1, 28, 28] });
  }
  transfer.replaceHead(pretrained, 'classifier.1', new nn.Linear(288, 5), { inputShape: [BATCH, 1, 28, 28] }).dispose();
  return pretrained;
}

/** The groups that train in epoch `e` (0-based): the ticked ones, limited by the strategy's schedule. */
function trainingIn(e: number, p: Preset, on: boolean[]): boolean[] {
  const G = on.length;
  return on.map((v, i) => v && (!p.headFirst || e > 0 || i === G - 1) && (!p.gradual || i >= G - 1 - e));
}

function scenario(): Scenario {
  return scenarios.find((s) => s.id === scenarioSelect.value) ?? scenarios[0]!;
}

function quickSubset(set: Digits, n: number): Digits {
  if (!QUICK || set.count <= n) return set;
  return { images: set.images.subarray(0, n * 784), labels: set.labels.subarray(0, n), count: n };
}

async function measure(): Promise<void> {
  const sc = scenario();
  const n = Math.min(QUICK ? 100 : 300, sc.split.train.count);
  bar.set(0, `measuring similarity on ${n} training digits of ${sc.id}…`);
  const trunk = transfer.digitsCnn(5);
  await E.nn.loadSafetensors(trunk, weights);
  E.manualSeed(1234);
  const random = transfer.digitsCnn(5);
  try {
    const report = await transfer.measureSimilarity(trunk, {
      images: sc.split.train.images.subarray(0, n * 784), labels: sc.split.train.labels.subarray(0, n), count: n, shape: [1, 28, 28],
    }, { at: ['features.0', 'features.1', 'features.2'], baseline: random });
    const advice = transfer.recommendStrategy({ targetSize: sc.split.train.count, numClasses: 5, similarity: report });
    byId('advice').innerHTML = `<table id="similarity"><tr><th>measured similarity</th><td class="num">${report.similarity.toFixed(2)}</td></tr>`
      + '<tr><th>linear probes (pretrained vs random trunk)</th>'
      + `<td>${report.probes.map((q) => `${esc(q.at)} ${(100 * q.pretrained).toFixed(0)}% vs ${(100 * q.baseline).toFixed(0)}%`).join('; ')}</td></tr>`
      + `<tr><th>best cut</th><td>${esc(report.bestCut)}</td></tr>`
      + `<tr><th>recommendStrategy</th><td><b id="recommended">${esc(advice.strategy)}</b>: ${esc(advice.reason)}</td></tr></table>`;
    strategySelect.value = advice.strategy;
    renderGroups();
    bar.set(1, `similarity ${report.similarity.toFixed(2)} → ${advice.strategy}`);
  } finally {
    trunk.dispose();
    random.dispose();
  }
}

async function train(): Promise<void> {
  const strategy = strategySelect.value as StrategyName;
  const p = preset(strategy);
  const epochs = readNumber(epochsInput, 'epochs', { integer: true, max: 50 });
  const on = Array.from(document.querySelectorAll<HTMLInputElement>('.group-toggle')).map((b) => b.checked);
  const lrs = Array.from(document.querySelectorAll<HTMLInputElement>('#group-table .rate'))
    .map((inp) => readNumber(inp, `learning rate of layer group ${inp.dataset.group}`, { max: 10 }));
  if (!on.some(Boolean)) throw new Error('turn on at least one layer group: with every group frozen nothing trains');
  const sc = scenario();
  const trainSet = quickSubset(sc.split.train, QUICK_TRAIN);
  const testSet = quickSubset(sc.split.test, QUICK_TEST);
  E.manualSeed(17 + runs.length);
  const t0 = performance.now();
  const model = await buildModel(p);
  const groups = transfer.layerGroups(model, p.groups);
  const optimizer = new optim.Adam(transfer.groupParams(model, groups, lrs));
  const cache = new transfer.FeatureCache(model, { images: trainSet.images, count: trainSet.count, shape: [1, 28, 28] }, { chunk: BATCH });
  const run: Run = { label: `#${runs.length + 1} ${strategy} · ${sc.id}`, loss: [], acc: [], seconds: 0, trainable: 0, show: true };
  runs.push(run);
  const forward = (x: E.Tensor): E.Tensor => model.forward(x) as E.Tensor;
  try {
    model.eval();
    run.acc.push([0, 100 * (await accuracy(forward, testSet))]);
    drawRuns();
    let seen = 0;
    const batchesPerEpoch = Math.ceil(trainSet.count / BATCH);
    for (let e = 0; e < epochs; e++) {
      const now = trainingIn(e, p, on);
      transfer.freezeTo(model, 0, { groups, batchNorm: p.pretrained ? 'eval' : 'train' });
      groups.forEach((g, i) => {
        if (!now[i]) model.freeze(g.globs, { batchNorm: 'eval' });
      });
      model.train();
      run.trainable = Math.max(run.trainable, model.parameters().filter((q) => q.requiresGrad).reduce((a, q) => a + q.size, 0));
      if (!now.some(Boolean)) continue;
      await cache.prepare();
      const batches = epochBatches(trainSet.count, BATCH, 1000 * runs.length + e);
      for (const [b, idx] of batches.entries()) {
        const y = E.tensor(Int32Array.from(idx, (i) => trainSet.labels[i]!), [idx.length], { dtype: 'int32' });
        const loss = E.tidy(() => E.crossEntropy(cache.forward(idx), y));
        loss.backward();
        optimizer.step();
        optimizer.zeroGrad();
        seen += idx.length;
        run.loss.push([seen, await loss.item()]);
        loss.dispose();
        y.dispose();
        const where = `epoch ${e + 1}/${epochs}, batch ${b + 1}/${batchesPerEpoch}`;
        bar.set((e + (b + 1) / batchesPerEpoch) / epochs, `${run.label}: ${where}, loss ${run.loss.at(-1)![1].toFixed(3)}`);
        if (b % 4 === 3) drawRuns();
      }
      model.eval();
      run.acc.push([e + 1, 100 * (await accuracy(forward, testSet))]);
      drawRuns();
    }
    run.seconds = (performance.now() - t0) / 1000;
    bar.set(1, `${run.label}: held-out accuracy ${run.acc.at(-1)![1].toFixed(1)}% after ${epochs} epoch(s), ${run.seconds.toFixed(1)} s`);
    await showPredictions(model, testSet);
  } finally {
    cache.dispose();
    optimizer.dispose();
    model.dispose();
    drawRuns();
  }
}

function drawRuns(): void {
  const shown = runs.filter((r) => r.show);
  const loss: LineSeries[] = shown.map((r) => ({ name: r.label, points: r.loss }));
  const acc: LineSeries[] = shown.map((r) => ({ name: r.label, points: r.acc }));
  byId('chart-loss').innerHTML = shown.length
    ? lineChart(loss, { title: 'Training loss', xLabel: 'training digits seen', yLabel: 'cross-entropy loss (nats)', yMin: 0, width: 560, height: 330 })
    : '';
  const lastEpoch = Math.max(1, ...shown.map((r) => r.acc.length - 1));
  const epochTicks = Array.from({ length: lastEpoch + 1 }, (_, e) => e).filter((e) => lastEpoch <= 10 || e % Math.ceil(lastEpoch / 10) === 0);
  byId('chart-acc').innerHTML = shown.length
    ? lineChart(acc, {
      title: 'Held-out accuracy', xLabel: 'epoch (0: before training)', yLabel: 'accuracy (%)', yMin: 0, yMax: 100, xTicks: epochTicks,
      width: 560, height: 330,
    })
    : '';
  const runRows = runs.map((r, i) => `<tr><td><input type="checkbox" class="run-show" data-run="${i}"${r.show ? ' checked' : ''} /></td>`
    + `<td>${esc(r.label)}</td><td class="num">${r.trainable}</td><td class="num">${r.acc.length ? `${fmt(r.acc.at(-1)![1])}%` : '–'}</td>`
    + `<td class="num">${r.seconds ? `${r.seconds.toFixed(1)} s` : 'running'}</td></tr>`).join('');
  byId('runs').innerHTML = runs.length
    ? '<table id="runs-table"><tr><th>show</th><th>run</th><th>trainable parameters</th><th>held-out accuracy</th><th>time</th></tr>'
      + `${runRows}</table>`
    : '';
  for (const box of Array.from(document.querySelectorAll<HTMLInputElement>('.run-show'))) {
    box.addEventListener('change', () => {
      runs[Number(box.dataset.run)]!.show = box.checked;
      drawRuns();
    });
  }
}

async function showPredictions(model: E.nn.Module, test: Digits): Promise<void> {
  const n = Math.min(16, test.count);
  const x = E.tensor(test.images.subarray(0, n * 784), [n, 1, 28, 28]);
  const pred = E.tidy(() => E.noGrad(() => E.argmax(model.forward(x) as E.Tensor, 1)));
  const got = await pred.data();
  pred.dispose();
  x.dispose();
  const box = byId('digits');
  box.replaceChildren();
  for (let i = 0; i < n; i++) {
    const cell = document.createElement('div');
    const truth = TARGET_CLASSES[test.labels[i]!]!;
    const guess = TARGET_CLASSES[Number(got[i])]!;
    cell.className = `digit${truth === guess ? '' : ' wrong'}`;
    const canvas = document.createElement('canvas');
    canvas.width = 28;
    canvas.height = 28;
    const ctx = canvas.getContext('2d')!;
    const img = ctx.createImageData(28, 28);
    for (let k = 0; k < 784; k++) {
      const v = 255 - Math.round(255 * test.images[i * 784 + k]!);
      img.data.set([v, v, v, 255], 4 * k);
    }
    ctx.putImageData(img, 0, 0);
    const caption = document.createElement('span');
    caption.textContent = `${guess}${truth === guess ? ' ✓' : ` ✗ (${truth})`}`;
    cell.append(canvas, caption);
    box.append(cell);
  }
}

// ------------------------------------------------------------------ multi-task

let mtData: { train: RotatedSplit; test: RotatedSplit } | null = null;

function mtBatch(split: RotatedSplit, idx: ArrayLike<number>, tasks: Task[]): { x: E.Tensor; targets: Record<string, E.Tensor> } {
  const b = idx.length;
  const x = new Float32Array(b * 196);
  for (let k = 0; k < b; k++) x.set(split.x.subarray(idx[k]! * 196, (idx[k]! + 1) * 196), k * 196);
  const pick = <T extends Int32Array | Float32Array>(src: T, make: (n: number) => T): T => {
    const out = make(b);
    for (let k = 0; k < b; k++) out[k] = src[idx[k]!]!;
    return out;
  };
  const targets: Record<string, E.Tensor> = {};
  for (const t of tasks) {
    if (t === 'digit') targets.digit = E.tensor(pick(split.digit, (n) => new Int32Array(n)), [b], { dtype: 'int32' });
    else targets[t] = E.tensor(pick(split[t], (n) => new Float32Array(n)), [b, 1]);
  }
  return { x: E.tensor(x, [b, 196]), targets };
}

async function trainMultiTask(): Promise<void> {
  const tasks = Array.from(document.querySelectorAll<HTMLInputElement>('.task')).filter((b) => b.checked).map((b) => b.value as Task);
  if (tasks.length === 0) throw new Error('pick at least one task');
  const method = byId<HTMLSelectElement>('weighting').value as WeightingMethod;
  const steps = readNumber(byId<HTMLInputElement>('mt-steps'), 'steps', { integer: true, max: 5000 });
  const lr = readNumber(byId<HTMLInputElement>('mt-lr'), 'learning rate', { max: 10 });
  const data = mtData!;
  E.manualSeed(5);
  const model = new mt.MultiTask({
    trunk: makeTrunk(), heads: Object.fromEntries(tasks.map((t) => [t, makeHead(t)])),
    losses: Object.fromEntries(tasks.map((t) => [t, TASK_LOSSES[t]])), weighting: makeWeighting(method, tasks, 1),
  });
  const opt = new optim.Adam(model, { lr });
  const rand = rng(99);
  const losses: Record<string, Array<[number, number]>> = Object.fromEntries(tasks.map((t) => [t, []]));
  const taskWeights: Record<string, Array<[number, number]>> = Object.fromEntries(tasks.map((t) => [t, []]));
  const dwaPeriod = QUICK ? 3 : 20;
  const draw = (): void => {
    byId('chart-mt-loss').innerHTML = lineChart(tasks.map((t) => ({ name: `${t} loss`, points: losses[t]! })), {
      title: `Per-task training loss (${method})`, xLabel: 'step (batches of 64)', yLabel: 'loss (CE / BCE / MSE of θ/45°)', yMin: 0,
      width: 560, height: 330,
    });
    byId('chart-mt-weights').innerHTML = lineChart(tasks.map((t) => ({ name: `${t} weight`, points: taskWeights[t]! })), {
      title: `Task weights (${method})`, xLabel: 'step (batches of 64)', yLabel: 'weight (dimensionless)', yFromZero: false,
      width: 560, height: 330,
    });
  };
  try {
    for (let step = 0; step < steps; step++) {
      const idx = Int32Array.from({ length: 64 }, () => Math.floor(rand() * data.train.n));
      const { x, targets } = mtBatch(data.train, idx, tasks);
      opt.zeroGrad();
      const r = await model.backward(x, targets);
      opt.step();
      for (const t of tasks) {
        const l = r.losses[t];
        if (l) losses[t]!.push([step + 1, await l.item()]);
      }
      const w = await model.weighting.weights();
      for (const t of tasks) taskWeights[t]!.push([step + 1, w[t] ?? NaN]);
      r.total.dispose();
      for (const l of Object.values(r.losses)) l?.dispose();
      for (const o of Object.values(r.outputs)) o.dispose();
      x.dispose();
      for (const t of Object.values(targets)) t.dispose();
      if ((step + 1) % dwaPeriod === 0) await model.weighting.endEpoch();
      bar.set((step + 1) / steps, `multi-task (${method}): step ${step + 1}/${steps}`);
      if (step % 5 === 4 || step === steps - 1) draw();
    }
    draw();
    // Held-out metrics.
    model.eval();
    const all = Int32Array.from({ length: data.test.n }, (_, i) => i);
    const { x, targets } = mtBatch(data.test, all, tasks);
    const metrics = E.noGrad(() => E.tidy(() => {
      const out = model.forward(x);
      return tasks.map((t) => (t === 'digit' ? mt.metrics.accuracy(out.digit!, targets.digit!)
        : t === 'thick' ? mt.metrics.binaryAccuracy(out.thick!, targets.thick!)
        : mt.metrics.mae(out.angle!, targets.angle!)));
    }));
    const values = await Promise.all(metrics.map((m) => m.item()));
    for (const m of metrics) m.dispose();
    x.dispose();
    for (const t of Object.values(targets)) t.dispose();
    const final = await model.weighting.weights();
    const rows = tasks.map((t, k) => {
      const value = t === 'angle' ? `MAE ${(45 * values[k]!).toFixed(1)}°` : `accuracy ${(100 * values[k]!).toFixed(1)}%`;
      return `<tr><td>${t}</td><td class="num">${value}</td><td class="num">${fmt(final[t])}</td></tr>`;
    }).join('');
    byId('mt-result').innerHTML = `<table id="mt-table"><tr><th>task</th><th>held-out (${data.test.n} digits)</th><th>final weight</th></tr>${rows}</table>`;
  } finally {
    opt.dispose();
    model.dispose();
  }
}

// ------------------------------------------------------------------ page

/** The two tabs: the shipped digits, and the visitor's own images (images-tab.ts); #images opens the second. */
function showTab(name: 'digits' | 'images'): void {
  for (const t of ['digits', 'images'] as const) {
    byId(`panel-${t}`).hidden = t !== name;
    byId(`tab-${t}`).classList.toggle('here', t === name);
  }
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
}
byId('tab-digits').addEventListener('click', () => showTab('digits'));
byId('tab-images').addEventListener('click', () => showTab('images'));
if (location.hash === '#images') showTab('images');

async function main(): Promise<void> {
  const info = await E.init();
  bar.set(0, `loading digits and the pretrained trunk (adapter ${info.adapter})…`);
  const [pre, byClass, uci] = await Promise.all([loadPretrained(), loadMnistU8(), loadUci()]);
  weights = pre.weights;
  const make = (target: 'similar' | 'different', size: 'small' | 'large'): Scenario => {
    const opts = { testPerClass: target === 'similar' ? 60 : 30, seed: 1000, ...(size === 'small' ? { trainPerClass: 20 } : {}) };
    const split = target === 'similar' ? mnistTask(byClass, TARGET_CLASSES, opts) : uciTask(uci, TARGET_CLASSES, opts);
    return { id: `${size} + ${target}`, split };
  };
  scenarios = [make('similar', 'small'), make('different', 'small'), make('similar', 'large'), make('different', 'large')];
  scenarioSelect.replaceChildren(...scenarios.map((s) => new Option(
    `${s.id}: ${s.id.includes('similar') ? 'MNIST' : 'UCI'} 5–9, ${s.split.train.count} training digits, ${s.split.test.count} held out`,
    s.id,
  )));
  strategySelect.replaceChildren(...STRATEGIES.map((s) => new Option(s, s)));
  strategySelect.value = 'feature-extraction';
  epochsInput.value = QUICK ? '1' : '4';
  renderGroups();
  strategySelect.addEventListener('change', renderGroups);
  scenarioSelect.addEventListener('change', () => (byId('advice').textContent = 'scenario changed: measure its similarity again'));
  measureButton.addEventListener('click', () => void job(message, [measureButton, trainButton, mtButton], measure));
  trainButton.addEventListener('click', () => void job(message, [measureButton, trainButton, mtButton], train));
  byId('clear-runs').addEventListener('click', () => {
    runs.length = 0;
    drawRuns();
  });

  // Multi-task data: 300 digits per class to train on, the last 100 of each class held out.
  const perClass = byClass.map((c) => c.length / 784);
  const set = (from: (n: number) => number, to: (n: number) => number): { images: Float32Array; labels: Int32Array; count: number } => {
    const parts = byClass.map((c, k) => c.subarray(from(perClass[k]!) * 784, to(perClass[k]!) * 784));
    const count = parts.reduce((a, p) => a + p.length / 784, 0);
    const images = new Float32Array(count * 784);
    const labels = new Int32Array(count);
    let at = 0;
    parts.forEach((p, k) => {
      images.set(p, at * 784);
      labels.fill(k, at, at + p.length / 784);
      at += p.length / 784;
    });
    return { images, labels, count };
  };
  const mtTrain = set(() => 0, (n) => n - 100);
  const mtTest = set((n) => n - (QUICK ? 20 : 100), (n) => n);
  const medians = inkMedians([mtTrain, mtTest]);
  const rand = rng(20261201);
  mtData = { train: rotatedSplit(mtTrain, 0, mtTrain.count, medians, rand), test: rotatedSplit(mtTest, 0, mtTest.count, medians, rand) };
  byId<HTMLSelectElement>('weighting').replaceChildren(...WEIGHTING_METHODS.map((m) => new Option(m, m)));
  byId<HTMLInputElement>('mt-steps').value = QUICK ? '6' : '200';
  mtButton.addEventListener('click', () => void job(message, [measureButton, trainButton, mtButton], trainMultiTask));
  await setupImagesTab(pre.weights);
  bar.set(1, `ready: ${byClass.reduce((a, c) => a + c.length / 784, 0)} MNIST and ${uci.count} UCI digits, pretrained trunk `
    + `(held-out accuracy on MNIST 0–4: ${(100 * pre.card.heldOutAccuracy).toFixed(1)}%)`);
  markReady();
}

main().catch((e: unknown) => {
  showError(message, e);
  site.ready = true;
});
