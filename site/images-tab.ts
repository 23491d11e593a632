// The "Your images" tab, part 2: the trunk, training and using the result, all through the library's API.
//   Trunk: the shipped digits trunk, a .safetensors file from disk, or a URL with its architecture
//     (transfer.loadTrunk: downloaded with progress into Cache Storage, the architecture checked); its input spec
//     (size, channels, mean and std) is what the images are prepared for.
//   Train: data.fromClasses (uint8 at the trunk's input size), a seeded stratified split, the advisor's measured
//     pick (measureSimilarity + recommendStrategy) shown before training, transfer.fit with live curves and a
//     Cancel button (an AbortSignal), then evaluate (the confusion matrix) and predict on the validation images
//     (the misclassified ones shown with their predicted and true labels).
//   Use: transfer.save → a download; transfer.load ← a file; predict on new files or the webcam, live.
//   Memory: GPU buffers (memoryStats) and the images held, after every job and per training run.

import * as E from '../src/index.ts';
import { lineChart } from '../examples/svg-chart.ts';
import { QUICK, byId, esc, fmt, job, progress, readNumber, showError, showInfo, site } from './common.ts';
import { classes, heldImages, imagesByClass, render, setupInput, startWebcam, stopWebcam, webcamFrame, webcamOn } from './images-input.ts';

const { transfer, data } = E;
type InputSpec = E.data.InputSpec;

interface Trunk {
  label: string;
  arch: string;
  input: InputSpec;
  weights: E.models.LoadedWeights;
  /** The pristine trunk (the advisor probes it); every training run builds its own copy from `weights`. */
  model: E.nn.Module;
  note: string;
}

interface Result {
  model: E.nn.Module;
  classes: readonly string[];
  input: InputSpec;
  label: string;
}

interface RunRow {
  run: number;
  strategy: string;
  epochs: number;
  stopped: string;
  valAccuracy: number;
  buffers: number;
  gpuBytes: number;
  images: number;
  imageBytes: number;
}

const message = byId('img-message');
const bar = progress(byId('img-progress'));
const strategySelect = byId<HTMLSelectElement>('img-strategy');
const epochsInput = byId<HTMLInputElement>('img-epochs');
const lrInput = byId<HTMLInputElement>('img-lr');
const cancelButton = byId<HTMLButtonElement>('img-cancel');
const VAL_SHARE = 0.25;
const HOLD_PIXELS_UP_TO = 256 * 2 ** 20;
const SEED = 0;

let shipped: ArrayBuffer;
let trunk: Trunk | null = null;
let prepared: { key: string; set: E.data.ImageSet; hold: 'pixels' | 'encoded' } | null = null;
let advice: { key: string; pick: E.transfer.StrategyAdvice } | null = null;
let result: Result | null = null;
let controller: AbortController | null = null;
let liveTimer: number | null = null;
const runs: RunRow[] = [];

function buttons(): HTMLButtonElement[] {
  return Array.from(document.querySelectorAll<HTMLButtonElement>('#panel-images button.job'));
}

/** One job at a time (common.ts's job), with a Cancel button that aborts it; memory shown afterwards. */
async function run(fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
  if (site.busy) return;
  controller = new AbortController();
  const signal = controller.signal;
  cancelButton.disabled = false;
  try {
    await job(message, buttons(), () => fn(signal));
  } finally {
    controller = null;
    cancelButton.disabled = true;
    E.emptyCache(); // hand pooled buffers back: what is shown is what is held
    renderMemory();
  }
}

// ------------------------------------------------------------------ trunk

function describeInput(i: InputSpec): string {
  const norm = i.mean.every((m) => m === 0) && i.std.every((s) => s === 1) ? 'v/255, no mean or std'
    : `v/255, mean [${i.mean.map((v) => fmt(v)).join(', ')}], std [${i.std.map((v) => fmt(v)).join(', ')}]`;
  const crop = i.resizeShorter ? `, shorter side to ${i.resizeShorter} then centre crop` : '';
  return `${i.size[0]}×${i.size[1]}, ${i.channels === 1 ? 'gray' : 'RGB'}${crop}, ${norm}`;
}

async function useTrunk(source: E.models.WeightsSource, label: string, signal: AbortSignal, arch?: string): Promise<void> {
  let note = '';
  const t = await transfer.loadTrunk(source, {
    ...(arch ? { arch } : {}),
    signal,
    onProgress: ({ received, total, cached }) => {
      note = cached ? `read from Cache Storage (${(received / 1024).toFixed(0)} kB): no download` : `downloaded ${(received / 1024).toFixed(0)} kB`;
      const of = total ? ` / ${(total / 1024).toFixed(0)}` : '';
      bar.set(total ? received / total : 0.5, cached ? `${label}: ${note}` : `downloading ${label}: ${(received / 1024).toFixed(0)}${of} kB`);
    },
  }).catch((e: unknown) => {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`could not use ${label} as the trunk: ${why}\nCheck that it is a .safetensors file of ${E.transfer.ARCHITECTURES.join(', ')} `
      + `and that the architecture chosen is its own (or "from the file"). The studio keeps ${trunk ? trunk.label : 'no trunk'}.`);
  });
  trunk?.model.dispose();
  trunk = { label, arch: t.arch, input: t.input, weights: t.weights, model: t.model, note };
  prepared = null;
  advice = null;
  byId('trunk-info').innerHTML = `<table id="trunk-table"><tr><th>trunk</th><td>${esc(label)}</td></tr>`
    + `<tr><th>architecture</th><td id="trunk-arch-name">${esc(t.arch)}</td></tr>`
    + `<tr><th>input</th><td id="trunk-input">${esc(describeInput(t.input))}</td></tr>`
    + `<tr><th>weights</th><td id="trunk-source">${esc(note || `from ${t.from}`)}</td></tr></table>`;
  bar.set(1, `trunk: ${label} (${t.arch})`);
}

// ------------------------------------------------------------------ the images as a dataset

/** Checks the classes as the page shows them, with what to do; then the set, prepared once per images × trunk. */
async function dataset(): Promise<E.data.ImageSet> {
  if (!trunk) throw new Error('choose a trunk first');
  if (classes.length < 2) {
    throw new Error(`training needs at least two classes, there ${classes.length === 1 ? `is one ('${classes[0]!.name}')` : 'are none'}: `
      + 'add another class (Add class) and give it images, or drop a folder with two or more class folders');
  }
  const names = classes.map((c) => c.name);
  const empty = names.findIndex((n) => !n);
  if (empty >= 0) throw new Error(`class ${empty + 1} has no name: type one in its name box`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`two classes are named '${twice}': rename one of them`);
  const small = classes.find((c) => c.shots.length < 2);
  if (small) {
    throw new Error(`class '${small.name}' has ${small.shots.length} image(s): each class needs at least 2 (one to train on, one to check), `
      + 'and tens train better: add images to it or remove the class');
  }
  const key = `${classes.map((c) => `${c.name}:${c.shots.map((s) => s.id).join(',')}`).join('|')}#${JSON.stringify(trunk.input)}`;
  if (prepared?.key === key) return prepared.set;
  const warnings: string[] = [];
  // Small inputs (the digits trunk's 28×28) are held decoded, as uint8 at that size (faster batches); when that
  // would pass HOLD_PIXELS_UP_TO (224² RGBA is 196 kB an image) the files themselves are held and decoded a batch
  // at a time, so thousands of photos cost what their files cost.
  const side = Math.max(trunk.input.resizeShorter ?? 0, ...trunk.input.size);
  const hold = heldImages().count * side * side * 4 <= HOLD_PIXELS_UP_TO ? 'pixels' : 'encoded';
  const set = await data.fromClasses(imagesByClass(), { input: trunk.input, hold, onWarning: (m) => warnings.push(m) });
  if (warnings.length) showInfo(message, warnings.join('\n'));
  prepared = { key, set, hold };
  return set;
}

async function advise(): Promise<void> {
  const set = await dataset();
  const key = `${prepared!.key}@${trunk!.label}`;
  bar.set(0, `measuring how well ${trunk!.label}'s features separate your ${set.size} images…`);
  const similarity = await transfer.measureSimilarity(trunk!.model, set);
  const pick = transfer.recommendStrategy({ targetSize: set.size, numClasses: set.classes.length, similarity });
  advice = { key, pick };
  strategySelect.value = pick.strategy;
  const spread = similarity.spread ? ` (± ${fmt(similarity.spread.std, 2)} over ${similarity.spread.values.length} random baselines)` : '';
  const probes = similarity.probes.map((q) => `${esc(q.at)} ${(100 * q.pretrained).toFixed(0)}% vs ${(100 * q.baseline).toFixed(0)}%`).join('; ');
  byId('img-advice').innerHTML = '<table id="img-advice-table"><tr><th>measured similarity</th>'
    + `<td class="num" id="img-similarity">${similarity.similarity.toFixed(2)}${esc(spread)}</td></tr>`
    + `<tr><th>linear probes: pretrained vs random trunk</th><td>${probes}</td></tr>`
    + `<tr><th>the advisor's pick</th><td><b id="img-pick">${esc(pick.strategy)}</b>: ${esc(pick.reason)}</td></tr></table>`;
  bar.set(1, `advisor: ${pick.strategy} (similarity ${similarity.similarity.toFixed(2)})`);
}

// ------------------------------------------------------------------ train

interface Curve {
  loss: Array<[number, number]>;
  acc: Array<[number, number]>;
  val: Array<[number, number]>;
}

function drawCurves(c: Curve): void {
  byId('img-chart-loss').innerHTML = lineChart([{ name: 'training loss', points: c.loss }], {
    title: 'Training loss', xLabel: 'epoch', yLabel: 'cross-entropy loss (nats)', yMin: 0, width: 480, height: 300,
  });
  byId('img-chart-acc').innerHTML = lineChart([{ name: 'training', points: c.acc }, { name: 'validation', points: c.val }], {
    title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy (%)', yMin: 0, yMax: 100, width: 480, height: 300,
  });
}

async function train(signal: AbortSignal): Promise<void> {
  stopLive(); // the live prediction uses the model this run replaces
  const epochs = readNumber(epochsInput, 'epochs', { integer: true, max: 500 });
  const lr = readNumber(lrInput, 'learning rate', { max: 10 });
  const set = await dataset();
  if (advice?.key !== `${prepared!.key}@${trunk!.label}`) await advise();
  const chosen = strategySelect.value as E.transfer.Strategy;
  // The advisor's whole answer when its pick is kept (its rates and cut point), else the name chosen.
  const strategy = advice!.pick.strategy === chosen ? advice!.pick : chosen;
  const { train: trainSet, validation } = set.split({ valFraction: VAL_SHARE, seed: SEED });
  const model = (await transfer.loadTrunk(trunk!.weights)).model;
  const curve: Curve = { loss: [], acc: [], val: [] };
  byId('img-chart-loss').innerHTML = '';
  byId('img-chart-acc').innerHTML = '';
  const label = `#${runs.length + 1} ${chosen}, ${epochs} epoch(s)`;
  let fitted: E.transfer.FitResult;
  try {
    fitted = await transfer.fit({
      model, data: { train: trainSet, validation }, strategy, epochs, lr, seed: SEED, batchSize: 16, signal,
      onProgress: (p) => {
        bar.set((p.epoch + p.batch / p.batches) / p.epochs, `${label}: epoch ${p.epoch + 1}/${p.epochs}, batch ${p.batch}/${p.batches}`);
        if (p.record) {
          const r = p.record;
          curve.loss.push([r.epoch + 1, r.loss]);
          curve.acc.push([r.epoch + 1, 100 * r.accuracy]);
          curve.val.push([r.epoch + 1, 100 * (r.valAccuracy ?? NaN)]);
          drawCurves(curve);
          byId('img-epoch').textContent = `epoch ${r.epoch + 1}: loss ${r.loss.toFixed(3)}, training ${(100 * r.accuracy).toFixed(1)}%, `
            + `validation ${(100 * (r.valAccuracy ?? NaN)).toFixed(1)}%`;
        }
      },
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
  const evaluation = await transfer.evaluate(fitted.model, validation);
  const predictions = await transfer.predict(fitted.model, validation);
  result?.model.dispose();
  result = { model: fitted.model, classes: fitted.classes, input: trunk!.input, label };
  renderEvaluation(evaluation);
  await renderMistakes(validation, predictions);
  const done = fitted.history.length;
  const acc = 100 * evaluation.accuracy;
  E.emptyCache();
  const m = E.memoryStats();
  const held = heldImages();
  runs.push({
    run: runs.length + 1, strategy: fitted.strategy.name, epochs: done, stopped: fitted.stopped, valAccuracy: acc,
    buffers: m.live, gpuBytes: m.liveBytes, images: held.count, imageBytes: held.bytes + (prepared!.hold === 'pixels' ? set.heldBytes : 0),
  });
  renderRuns();
  renderModel();
  const how = fitted.stopped === 'aborted' ? `cancelled after ${done} of ${epochs} epoch(s); the model keeps the weights of its last step`
    : `${done} epoch(s) in ${fitted.seconds.toFixed(1)} s`;
  bar.set(1, `${label}: validation accuracy ${acc.toFixed(1)}% (${evaluation.count} images), ${how}`);
  if (fitted.stopped === 'aborted') {
    showInfo(message, `Training cancelled after ${done} of ${epochs} epoch(s): nothing is left running, and the model of its last step is kept.`);
  }
}

function renderEvaluation(ev: E.transfer.Evaluation): void {
  const head = ev.classes.map((c) => `<th>${esc(c)}</th>`).join('');
  const cells = (row: number[], t: number): string => row.map((n, p) => `<td class="num${p === t ? ' diag' : n ? ' off' : ''}">${n}</td>`).join('');
  const rows = ev.confusion.map((row, t) => `<tr><th>${esc(ev.classes[t]!)}</th>${cells(row, t)}`
    + `<td class="num">${ev.perClass[t]!.count ? `${(100 * ev.perClass[t]!.accuracy).toFixed(0)}%` : '–'}</td></tr>`).join('');
  byId('img-eval').innerHTML = `<div class="small">validation: <span id="img-val-acc">${(100 * ev.accuracy).toFixed(1)}%</span> of ${ev.count} images `
    + '(rows: true class, columns: predicted)</div>'
    + `<table id="img-confusion"><tr><th>true \\ predicted</th>${head}<th>recall</th></tr>${rows}</table>`;
}

async function renderMistakes(validation: E.data.ImageSet, predictions: E.transfer.Prediction[]): Promise<void> {
  const wrong = predictions.map((p, i) => (p.index === validation.labels[i] ? -1 : i)).filter((i) => i >= 0);
  const box = byId('img-mistakes');
  box.replaceChildren();
  const title = document.createElement('div');
  title.className = 'small';
  title.id = 'img-mistake-count';
  title.textContent = `${wrong.length} of ${predictions.length} validation images misclassified${wrong.length ? ' (shown at the trunk\'s input size):' : ''}`;
  box.append(title);
  const shown = wrong.slice(0, 24);
  const images = await validation.decodeImages(shown);
  shown.forEach((i, k) => {
    const img = images[k]!;
    const cell = document.createElement('div');
    cell.className = 'digit wrong mistake';
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
    const caption = document.createElement('span');
    const p = predictions[i]!;
    const truth = validation.classes[validation.labels[i]!]!;
    caption.innerHTML = `predicted <b class="predicted">${esc(p.label)}</b> (${(100 * p.probability).toFixed(0)}%)<br>true <b class="true">${esc(truth)}</b>`;
    cell.append(canvas, caption);
    box.append(cell);
  });
}

function renderRuns(): void {
  const rows = runs.map((r) => `<tr><td class="num">${r.run}</td><td>${esc(r.strategy)}</td><td class="num">${r.epochs}</td><td>${r.stopped}</td>`
    + `<td class="num">${r.valAccuracy.toFixed(1)}%</td><td class="num">${r.buffers}</td><td class="num">${(r.gpuBytes / 2 ** 20).toFixed(2)}</td>`
    + `<td class="num">${r.images}</td><td class="num">${(r.imageBytes / 2 ** 20).toFixed(2)}</td></tr>`).join('');
  byId('img-runs').innerHTML = '<table id="img-runs-table"><tr><th>run</th><th>strategy</th><th>epochs</th><th>ended</th><th>validation accuracy</th>'
    + '<th>GPU buffers after</th><th>GPU MiB after</th><th>images held</th><th>image MiB held</th></tr>'
    + `${rows}</table>`;
}

// ------------------------------------------------------------------ use the result

function renderModel(): void {
  byId('model-info').innerHTML = result
    ? `<b id="model-label">${esc(result.label)}</b>: classes <span id="model-classes">${esc(result.classes.join(', '))}</span>; `
      + `input ${esc(describeInput(result.input))}`
    : 'no model yet: train one, or reload a downloaded one';
  for (const id of ['model-download', 'predict-live']) byId<HTMLButtonElement>(id).disabled = !result;
}

function needModel(): Result {
  if (!result) throw new Error('no model yet: train one (Train) or reload a downloaded .safetensors (Reload a model)');
  return result;
}

async function download(): Promise<void> {
  const r = needModel();
  const bytes = await transfer.save(r.model);
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${r.classes.join('-').replace(/[^\w-]+/g, '_').slice(0, 60)}.safetensors`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  bar.set(1, `downloaded ${a.download} (${(bytes.byteLength / 1024).toFixed(0)} kB): weights, classes and preprocessing in one file`);
}

async function reload(file: File): Promise<void> {
  stopLive();
  const loaded = await transfer.load(file).catch((e: unknown) => {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`could not load ${file.name}: ${why}\nReload a .safetensors file downloaded from this page (or saved by transfer.save).`);
  });
  result?.model.dispose();
  result = { model: loaded.model, classes: loaded.classes, input: loaded.input, label: `${file.name} (${loaded.architecture.name})` };
  renderModel();
  bar.set(1, `reloaded ${file.name}: ${loaded.classes.length} classes, written by webgpu-tensor ${loaded.version}`);
}

function renderPredictions(rows: Array<{ name: string; p: E.transfer.Prediction }>, classNames: readonly string[]): void {
  const head = classNames.map((c) => `<th>${esc(c)}</th>`).join('');
  byId('predictions').innerHTML = `<table id="predictions-table"><tr><th>image</th><th>label</th><th>probability</th>${head}</tr>`
    + rows.map(({ name, p }) => `<tr><td>${esc(name)}</td><td class="label">${esc(p.label)}</td><td class="num">${(100 * p.probability).toFixed(1)}%</td>`
      + `${p.probabilities.map((v) => `<td class="num">${(100 * v).toFixed(1)}%</td>`).join('')}</tr>`).join('') + '</table>';
}

async function predictFiles(files: File[]): Promise<void> {
  const r = needModel();
  const images: E.data.RgbaImage[] = [];
  const names: string[] = [];
  const bad: string[] = [];
  for (const f of files) {
    try {
      images.push(await data.decodeBrowser(f, r.input));
      names.push(f.name);
    } catch {
      bad.push(f.name);
    }
  }
  if (images.length) {
    const out = await transfer.predict(r.model, images);
    renderPredictions(out.map((p, i) => ({ name: names[i]!, p })), r.classes);
  }
  if (bad.length) throw new Error(`${bad.join(', ')}: not an image the browser can decode (left out); predict on PNG, JPEG, WebP, GIF or BMP files`);
}

async function liveStep(): Promise<void> {
  const r = result;
  if (!r || liveTimer === null) return;
  const image = await data.decodeBrowser(webcamFrame(), r.input);
  const [p] = await transfer.predict(r.model, [image]);
  if (liveTimer === null) return;
  const el = byId('live-prediction');
  el.dataset.frames = String(Number(el.dataset.frames ?? '0') + 1);
  el.innerHTML = `webcam: <b id="live-label">${esc(p!.label)}</b> ${(100 * p!.probability).toFixed(1)}% · `
    + r.classes.map((c, i) => `${esc(c)} ${(100 * p!.probabilities[i]!).toFixed(1)}%`).join(', ') + ` (frame ${el.dataset.frames})`;
}

function stopLive(): void {
  if (liveTimer !== null) clearTimeout(liveTimer);
  liveTimer = null;
  byId('predict-live').textContent = 'Predict the webcam live';
}

function toggleLive(): void {
  if (liveTimer !== null) return stopLive();
  needModel();
  if (!webcamOn()) throw new Error('start the webcam first (Start webcam), then predict live');
  byId('predict-live').textContent = 'Stop live prediction';
  const loop = (): void => {
    liveTimer = window.setTimeout(() => {
      liveStep().then(() => liveTimer !== null && loop(), (e: unknown) => {
        stopLive();
        showError(message, e);
      });
    }, 150);
  };
  loop();
}

// ------------------------------------------------------------------ memory

function renderMemory(): void {
  const m = E.memoryStats();
  const held = heldImages();
  // Held pixels are the set's own; held files are the page's (the same Blobs, counted once).
  const setBytes = prepared?.hold === 'pixels' ? prepared.set.heldBytes : 0;
  byId('memory').innerHTML = '<table id="memory-table">'
    + `<tr><th>GPU buffers (memoryStats: live)</th><td class="num" id="mem-buffers">${m.live}</td></tr>`
    + `<tr><th>GPU memory in those buffers</th><td class="num" id="mem-gpu">${(m.liveBytes / 2 ** 20).toFixed(2)} MiB</td></tr>`
    + `<tr><th>images held by the page</th><td class="num" id="mem-images">${held.count}</td></tr>`
    + `<tr><th>their files / frames and thumbnails</th><td class="num">${(held.bytes / 2 ** 20).toFixed(2)} MiB</td></tr>`
    + `<tr><th>the training set (${prepared?.hold === 'encoded' ? 'the files above, decoded a batch at a time' : 'uint8 at the trunk\'s input size'})</th>`
    + `<td class="num">${(setBytes / 2 ** 20).toFixed(3)} MiB</td></tr></table>`;
}

// ------------------------------------------------------------------ page

export async function setupImagesTab(shippedWeights: ArrayBuffer): Promise<void> {
  shipped = shippedWeights;
  setupInput({
    info: (t) => showInfo(message, t),
    error: (t) => showError(message, t),
    changed: () => {
      byId('img-advice').textContent = 'images changed: the advisor measures again before the next training run';
      renderMemory();
    },
    run: (fn) => run(fn),
  });
  strategySelect.replaceChildren(...transfer.STRATEGIES.map((s) => new Option(s, s)));
  strategySelect.value = 'feature-extraction';
  byId<HTMLSelectElement>('trunk-arch').replaceChildren(new Option('from the file', ''), ...transfer.ARCHITECTURES.map((a) => new Option(a, a)));
  epochsInput.value = QUICK ? '3' : '10';
  lrInput.value = '0.003';
  byId('trunk-shipped').addEventListener('click', () => void run((s) => useTrunk(shipped.slice(0), 'the shipped digits trunk', s, 'digits-cnn')));
  const trunkFile = byId<HTMLInputElement>('trunk-file');
  trunkFile.addEventListener('change', () => {
    const f = trunkFile.files?.[0];
    trunkFile.value = '';
    if (f) void run((s) => useTrunk(f, `file ${f.name}`, s, byId<HTMLSelectElement>('trunk-arch').value || undefined));
  });
  byId('trunk-url-load').addEventListener('click', () => void run(async (s) => {
    const url = byId<HTMLInputElement>('trunk-url').value.trim();
    if (!url) throw new Error('type the URL of a .safetensors file first (e.g. https://huggingface.co/timm/resnet18.tv_in1k/resolve/main/model.safetensors)');
    await useTrunk(url, url, s, byId<HTMLSelectElement>('trunk-arch').value || undefined);
  }));
  byId('img-advise').addEventListener('click', () => void run(advise));
  byId('img-train').addEventListener('click', () => void run(train));
  cancelButton.addEventListener('click', () => controller?.abort());
  byId('webcam-start').addEventListener('click', () => void run(startWebcam));
  byId('webcam-stop').addEventListener('click', () => {
    stopLive();
    stopWebcam();
  });
  byId('model-download').addEventListener('click', () => void run(download));
  const modelFile = byId<HTMLInputElement>('model-file');
  modelFile.addEventListener('change', () => {
    const f = modelFile.files?.[0];
    modelFile.value = '';
    if (f) void run(() => reload(f));
  });
  const predictInput = byId<HTMLInputElement>('predict-files');
  predictInput.addEventListener('change', () => {
    const files = Array.from(predictInput.files ?? []);
    predictInput.value = '';
    void run(() => predictFiles(files));
  });
  byId('predict-live').addEventListener('click', () => {
    try {
      toggleLive();
    } catch (e) {
      showError(message, e);
    }
  });
  render();
  renderModel();
  await useTrunk(shipped.slice(0), 'the shipped digits trunk', new AbortController().signal, 'digits-cnn');
  renderMemory();
}
