// transfer.fit: one call from a dataset to a trained classifier.
//
//   const { model, history } = await transfer.fit({ model: trunkModel, data, strategy: advice, epochs: 3 });
//
// What it does, in order: builds the model to train (fit-model.ts: the head replaced or attached, the trunk
// truncated or re-initialised as the strategy says), turns the strategy into a recipe (strategies.ts), and runs
// the recipe's epochs with AdamW over one parameter group per layer group. An epoch whose bottom is frozen
// trains from the feature cache (cache.ts): the frozen part's output for every training image is computed
// once, on the GPU, and the epoch runs only the part above it on shuffled batches of cached rows; an epoch with
// nothing frozen runs the whole model on the dataset's shuffled batches. After each epoch: the validation
// accuracy (when there is a validation set), onProgress, and early stopping (validation accuracy not better by
// minDelta for `patience` epochs: stop and, by default, put the best epoch's weights back).
//
// Stopping: an AbortSignal is checked between batches; fit then releases what it made (optimizer, cache,
// saved weights, the batch in flight) and resolves with `stopped: 'aborted'` and the history so far; the
// model keeps the weights of its last step. Errors in the options are thrown before any GPU work.
// The loss and accuracy of an epoch are summed on the GPU and read back once per epoch.

import { EngineError, checkOptions, argmax, eq, keep, noGrad, randperm, tensor, tidy, type Tensor } from '../engine/internal.ts';
import { Linear, Module, crossEntropy } from '../nn/index.ts';
import { AdamW } from '../nn/optim-api.ts';
import type { LabeledImages } from '../data/types.ts';
import { stratifiedSplit as splitIndices } from '../data/split.ts';
import { isTensorImages } from '../data/tensor-images.ts';
import type { Strategy, StrategyAdvice } from './advisor.ts';
import { FeatureCache } from './cache.ts';
import { truncate } from './cut.ts';
import { evaluate } from './evaluate.ts';
import { architectureName, headOutputs, headPath, trunkHeadGroups, withNewHead } from './fit-model.ts';
import { groupParams, layerGroups, type LayerGroup } from './layer-groups.ts';
import { setModelInfo, type Architecture } from './model-info.ts';
import { applyPlan, type EpochPlan } from './recipes.ts';
import { reinitialize, restore, snapshot } from './reinit.ts';
import { planStrategy, type StrategyPlan } from './strategies.ts';
import { AUTO_SETTINGS } from './auto-settings.ts';
import { autoFit, type AutoOptions, type AutoReport } from './auto.ts';

export interface EarlyStopping {
  /** Epochs without improvement of the validation accuracy before stopping (default 2). */
  patience?: number;
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put the best epoch's weights back when stopping (default true). */
  restoreBest?: boolean;
}

export interface FitProgress {
  epoch: number;
  epochs: number;
  /** Batches done in this epoch, and their number. */
  batch: number;
  batches: number;
  /** Present once an epoch has finished (the batch that ended it). */
  record?: EpochRecord;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valAccuracy?: number;
  seconds: number;
  /** Whether the epoch trained from the feature cache, and where it sat. */
  cachedAt: string | null;
  plan: EpochPlan;
}

export interface FitOptions {
  /** A whole model (its classifier is replaced when it has the wrong number of outputs) … */
  model?: Module;
  /** … or a trunk, which gets a new head. */
  trunk?: Module;
  data: LabeledImages | { train: LabeledImages; validation?: LabeledImages };
  /** Class names (default: the data's). */
  classes?: readonly string[];
  /** A strategy name, recommendStrategy's answer (see strategies.ts), or 'auto' (auto.ts: measured trials within `budget`). */
  strategy: Strategy | StrategyAdvice | 'auto';
  /** Epochs to train (every strategy but 'auto'). */
  epochs?: number;
  /** For 'auto': the training samples the whole search and the winner's training may use. */
  budget?: number;
  /** For 'auto': candidates, rates and halving (default AUTO_SETTINGS, auto-settings.ts). */
  auto?: AutoOptions;
  batchSize?: number;
  /** The head's learning rate (default 1e-3); lower groups get less as the strategy says. */
  lr?: number;
  weightDecay?: number;
  /** For 'truncate-fine-tune' without an advice: the cut point to keep up to. */
  truncateAt?: string;
  /** A validation set, or the share of `data` to hold out (stratified, seeded). */
  validation?: LabeledImages | number;
  earlyStopping?: EarlyStopping | boolean;
  /** Seeds shuffling, the split and from-scratch initialisation (default: draws from the engine's stream). */
  seed?: number;
  /** GPU bytes the feature cache may use (default 256 MiB). */
  cacheBudgetBytes?: number;
  /**
   * Random augmentation of the training batches on the GPU (random resized crop, flip, colour jitter: src/data's
   * `batches({ augment })`), drawn anew every epoch. It turns the feature cache off: a frozen trunk sees new
   * images each epoch, so every epoch runs the whole model. Image datasets only (fromTensors holds prepared tensors).
   */
  augment?: boolean;
  onProgress?: (p: FitProgress) => void;
  signal?: AbortSignal;
}

export interface FitResult {
  model: Module;
  classes: readonly string[];
  history: EpochRecord[];
  strategy: { name: Strategy; recipe: string; lrs: [number, number]; truncateAt?: string };
  stopped: 'completed' | 'early-stopping' | 'aborted';
  /** The epoch whose weights the model holds at the end (the best one after early stopping). */
  bestEpoch: number | null;
  seconds: number;
  /** For 'auto': the ranking of the candidates with their validation curves, the prior, the cost. */
  auto?: AutoReport;
}

const ALLOWED = ['model', 'trunk', 'data', 'classes', 'strategy', 'epochs', 'budget', 'auto', 'batchSize', 'lr', 'weightDecay', 'truncateAt', 'validation',
  'earlyStopping', 'seed', 'cacheBudgetBytes', 'augment', 'onProgress', 'signal'];

function isImages(d: unknown): d is LabeledImages {
  return !!d && typeof (d as LabeledImages).batches === 'function' && typeof (d as LabeledImages).subset === 'function';
}

/** A stratified split of `data` by seed: `share` of each class to validation (src/data/split.ts's rule). */
export function stratifiedSplit(data: LabeledImages, share: number, seed: number): { train: LabeledImages; validation: LabeledImages } {
  if (!(share > 0 && share < 1)) throw new EngineError(`fit: validation must be a share in (0, 1) or a dataset, got ${share}`);
  const { train, validation } = splitIndices(data.labels, data.classes, { valFraction: share, seed });
  return { train: data.subset(train), validation: data.subset(validation) };
}

interface Prepared {
  model: Module;
  groups: LayerGroup[];
  architecture?: Architecture;
}

/** The model fit trains (see the top of this file and fit-model.ts). */
function prepareModel(o: FitOptions, plan: StrategyPlan, numClasses: number, inputShape: readonly number[]): Prepared {
  const given = (o.model ?? o.trunk)!;
  const arch = architectureName(given);
  if (plan.reinitialize) reinitialize(given, o.seed);
  if (plan.truncateAt !== undefined || o.trunk) {
    const trunk = plan.truncateAt !== undefined ? truncate(given, plan.truncateAt) : given;
    const { model, head } = withNewHead('fit', trunk, inputShape, numClasses);
    const architecture = arch && plan.truncateAt !== undefined ? { name: arch, numClasses, truncateAt: plan.truncateAt, head } : undefined;
    return { model, groups: trunkHeadGroups(model), ...(architecture ? { architecture } : {}) };
  }
  const out = headOutputs(given);
  if (out === null) throw new EngineError(`fit: ${given.label()} has no nn.Linear classifier to replace; pass it as { trunk } to get a new head`);
  if (out !== numClasses) {
    const path = headPath(given)!;
    const old = given.getSubmodule(path) as Linear;
    given.setSubmodule(path, new Linear(old.inFeatures, numClasses)).dispose();
  }
  return { model: given, groups: layerGroups(given), ...(arch ? { architecture: { name: arch, numClasses, ...widthOf(given) } } : {}) };
}

function widthOf(m: Module): { widthMult?: number } {
  const w = (m as { widthMult?: unknown }).widthMult;
  return typeof w === 'number' && w !== 1 ? { widthMult: w } : {};
}

export async function fit(o: FitOptions): Promise<FitResult> {
  // ---- checks, before any GPU work
  if (!o || typeof o !== 'object') throw new TypeError('fit: pass { model | trunk, data, strategy, epochs }');
  checkOptions('fit', o, ALLOWED);
  if ((o.model === undefined) === (o.trunk === undefined)) {
    throw new EngineError('fit: pass exactly one of model (a whole model) and trunk (a model without its head)');
  }
  if (!((o.model ?? o.trunk) instanceof Module)) throw new TypeError('fit: model / trunk must be an nn.Module');
  const sets = isImages(o.data) ? { train: o.data, validation: undefined } : o.data;
  if (!sets || !isImages(sets.train)) throw new TypeError('fit: data must be a LabeledImages or { train, validation }');
  if (sets.validation !== undefined && o.validation !== undefined) {
    throw new EngineError('fit: a validation set was given twice (data.validation and validation)');
  }
  const isAuto = o.strategy === 'auto';
  if (!isAuto && (!Number.isInteger(o.epochs) || o.epochs! < 1)) throw new EngineError(`fit: epochs must be a positive integer, got ${o.epochs}`);
  const batchSize = o.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new EngineError(`fit: batchSize must be a positive integer, got ${batchSize}`);
  const lr = o.lr ?? 1e-3;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new EngineError(`fit: lr must be a positive number, got ${lr}`);
  const classes = o.classes ?? sets.train.classes;
  if (classes.length !== sets.train.classes.length) {
    throw new EngineError(`fit: ${classes.length} class names for data with ${sets.train.classes.length} classes`);
  }
  if (o.augment !== undefined && typeof o.augment !== 'boolean') throw new TypeError(`fit: augment must be true or false, got ${String(o.augment)}`);
  if (o.augment && isTensorImages(sets.train)) {
    throw new EngineError('fit: augment needs images (data.fromFolder, fromFiles, fromClasses): a fromTensors dataset holds prepared tensors');
  }
  if (o.augment && isAuto) throw new EngineError("fit: strategy 'auto' trains its candidates without augmentation; drop augment, or pick a strategy");
  if (isAuto) return fitAuto(o, sets as { train: LabeledImages; validation?: LabeledImages }, classes, batchSize);
  const plan = planStrategy('fit', o.strategy as Strategy | StrategyAdvice, lr, o.truncateAt);
  const epochs = o.epochs!;
  const es = o.earlyStopping === true ? {} : o.earlyStopping || null;
  if (es) checkOptions('fit: earlyStopping', es, ['patience', 'minDelta', 'restoreBest']);
  const seed = o.seed ?? Math.floor(Math.random() * 0x7fffffff);
  let { train, validation } = sets as { train: LabeledImages; validation?: LabeledImages };
  if (typeof o.validation === 'number') ({ train, validation } = stratifiedSplit(train, o.validation, seed));
  else if (o.validation !== undefined) validation = o.validation;
  if (es && !validation) throw new EngineError('fit: earlyStopping watches the validation accuracy: pass validation (a dataset or a share of data)');
  const input = train.input;
  const inputShape = [input.channels, input.size[0], input.size[1]] as const;

  // ---- the model, optimizer and cache
  const started = performance.now();
  const { model, groups, architecture } = prepareModel(o, plan, classes.length, inputShape);
  setModelInfo(model, { classes, input, ...(architecture ? { architecture } : {}) });
  const initialLrs = groups.map(() => lr);
  const optimizer = new AdamW(groupParams(model, groups, initialLrs), { lr, weightDecay: o.weightDecay ?? 0 });
  const cache = new FeatureCache(model, {
    count: train.size,
    shape: inputShape,
    load: async (idx) => firstBatch(train.subset(idx), idx.length),
  }, { enabled: o.augment !== true, ...(o.cacheBudgetBytes !== undefined ? { budgetBytes: o.cacheBudgetBytes } : {}) });
  const labels = train.labels;
  const history: EpochRecord[] = [];
  let stopped: FitResult['stopped'] = 'completed';
  let best: { epoch: number; acc: number; weights: Map<string, Tensor> | null } | null = null;
  let sinceBest = 0;
  const aborted = (): boolean => o.signal?.aborted === true;
  try {
    for (let epoch = 0; epoch < epochs && !aborted(); epoch++) {
      const t0 = performance.now();
      const epochPlan = plan.recipe(epoch, groups.length);
      applyPlan(epochPlan, { model, optimizer, groups });
      model.train();
      await cache.prepare();
      const at = cache.boundary();
      const batches = Math.ceil(train.size / batchSize);
      let sums = keep(tensor([0, 0], [2]));
      let b = 0;
      const step = (logits: Tensor, y: Tensor): void => {
        const next = tidy(() => {
          const loss = crossEntropy(logits, y);
          loss.backward();
          optimizer.step();
          optimizer.zeroGrad();
          return noGrad(() => {
            const correct = eq(argmax(logits, 1), y).float().sum();
            return keep(sums.add(tensor([1, 0], [2]).mul(loss.mul(y.shape[0]!)).add(tensor([0, 1], [2]).mul(correct))));
          });
        });
        sums.dispose();
        sums = next;
        o.onProgress?.({ epoch, epochs, batch: ++b, batches });
      };
      if (at !== null) {
        const order = randperm(train.size, { seed: seed + epoch });
        for (let s = 0; s < train.size && !aborted(); s += batchSize) {
          const idx = Array.from(order.subarray(s, s + batchSize));
          const y = tensor(Int32Array.from(idx, (i) => labels[i]!), [idx.length], { dtype: 'int32' });
          const logits = cache.forward(idx);
          try {
            step(logits, y);
          } finally {
            logits.dispose();
            y.dispose();
          }
        }
      } else {
        const options = { batchSize, shuffle: true, seed: seed + epoch, ...(o.augment ? { augment: true } : {}), ...(o.signal ? { signal: o.signal } : {}) };
        for await (const batch of train.batches(options)) {
          try {
            if (!aborted()) {
              const logits = model.forward(batch.x) as Tensor;
              try {
                step(logits, batch.y);
              } finally {
                logits.dispose();
              }
            }
          } finally {
            batch.x.dispose();
            batch.y.dispose();
          }
        }
      }
      const [lossSum, correct] = Array.from(await sums.data());
      sums.dispose();
      if (aborted()) break;
      const record: EpochRecord = {
        epoch, loss: lossSum! / train.size, accuracy: correct! / train.size, seconds: (performance.now() - t0) / 1000, cachedAt: at, plan: epochPlan,
      };
      if (validation) record.valAccuracy = (await evaluate(model, validation, { batchSize, classes })).accuracy;
      history.push(record);
      o.onProgress?.({ epoch, epochs, batch: b, batches, record });
      if (es && record.valAccuracy !== undefined) {
        if (best === null || record.valAccuracy > best.acc + (es.minDelta ?? 0)) {
          best?.weights && [...best.weights.values()].forEach((t) => t.dispose());
          best = { epoch, acc: record.valAccuracy, weights: es.restoreBest === false ? null : snapshot(model) };
          sinceBest = 0;
        } else if (++sinceBest >= (es.patience ?? 2)) {
          stopped = 'early-stopping';
          break;
        }
      }
    }
    if (aborted()) stopped = 'aborted';
    let bestEpoch = history.length ? history[history.length - 1]!.epoch : null;
    if (best && stopped === 'early-stopping' && best.weights) {
      restore(model, best.weights);
      best.weights = null;
      bestEpoch = best.epoch;
    }
    model.eval();
    return {
      model, classes, history, stopped, bestEpoch, seconds: (performance.now() - started) / 1000,
      strategy: { name: plan.strategy, recipe: plan.recipeName, lrs: plan.lrs, ...(plan.truncateAt !== undefined ? { truncateAt: plan.truncateAt } : {}) },
    };
  } finally {
    if (best?.weights) for (const t of best.weights.values()) t.dispose();
    cache.dispose();
    optimizer.dispose();
  }
}

/** 'auto': the split (validation: the given set or share, else AUTO_SETTINGS.validation), then auto.ts. */
async function fitAuto(
  o: FitOptions, sets: { train: LabeledImages; validation?: LabeledImages }, classes: readonly string[], batchSize: number,
): Promise<FitResult> {
  const seed = o.seed ?? Math.floor(Math.random() * 0x7fffffff);
  let { train, validation } = sets;
  if (typeof o.validation === 'number' || (!validation && o.validation === undefined)) {
    ({ train, validation } = stratifiedSplit(train, typeof o.validation === 'number' ? o.validation : AUTO_SETTINGS.validation, seed));
  } else if (o.validation !== undefined) validation = o.validation;
  const input = train.input;
  const inputShape = [input.channels, input.size[0], input.size[1]] as const;
  const prepare = (model: Module, plan: StrategyPlan): { model: Module; groups: LayerGroup[] } => {
    const p = prepareModel({ ...o, model, trunk: undefined }, plan, classes.length, inputShape);
    setModelInfo(p.model, { classes, input, ...(p.architecture ? { architecture: p.architecture } : {}) });
    return p;
  };
  return autoFit(o, { o, train, validation: validation!, classes, batchSize, seed, prepare });
}

/** The one batch of a subset, unshuffled (what the cache loads for a chunk of samples). */
async function firstBatch(set: LabeledImages, n: number): Promise<Tensor> {
  for await (const batch of set.batches({ batchSize: n })) {
    batch.y.dispose();
    return batch.x;
  }
  throw new EngineError('fit: the dataset gave no batch');
}
