// One transfer run: a strategy trained on a target task, from the shipped pretrained trunk (or from scratch),
// then scored on the held-out digits. Shared by `npm run experiment:transfer` and `npm start`.
//
// Every strategy trains for the same `rounds` × `roundSamples` samples with the same optimizer (Adam) and the
// same head learning rate; what differs is which layer groups train, at which rates, and the starting point:
//   from-scratch        a randomly initialised digitsCnn, every group at lr, BatchNorm on batch statistics
//   feature-extraction  the pretrained trunk frozen (features cached), a new head at lr
//   fine-tune-top       the last trunk group and a new head at lr, the rest frozen (cached)
//   fine-tune-all       fastai's fine_tune: round 0 the head alone, then every group at [lr/100 … lr]
//   truncate-fine-tune  the trunk cut after features.1 (its deeper block dropped), a new head on 16×7×7
//                       features; round 0 the head alone, then both kept blocks at [lr/10 … lr]
//   gradual-unfreezing  the head first, one more group from the top each round, rates [lr/100 … lr] by depth
// Pretrained BatchNorm layers stay in eval mode (running statistics from the source) when unfrozen: the
// library's default (transfer.freezeTo's batchNorm: 'eval').

import * as E from '../src/index.ts';
import type { Digits } from './digits-data.ts';
import { accuracy, epochBatches } from './train-utils.ts';

export const STRATEGIES = ['from-scratch', 'feature-extraction', 'fine-tune-top', 'fine-tune-all', 'truncate-fine-tune', 'gradual-unfreezing'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export interface RunSpec {
  strategy: StrategyName;
  train: Digits;
  test: Digits;
  numClasses: number;
  /** The pretrained weights (.safetensors bytes). */
  weights: ArrayBuffer;
  seed: number;
  rounds: number;
  roundSamples: number;
  batch: number;
  lr: number;
  /** Turn the feature cache off (the uncached baseline). */
  noCache?: boolean;
  onRound?: (round: number, meanLoss: number) => void;
}

export interface RunResult {
  strategy: StrategyName;
  accuracy: number;
  seconds: number;
  trainableParams: number;
  cacheBuilds: number;
  cachedBatches: number;
  /** The learning curve: held-out accuracy after each round (the last point is `accuracy`). */
  curve: Array<{ samples: number; accuracy: number }>;
  /** Wall seconds spent on the curve's intermediate held-out evaluations (included in `seconds`). */
  curveSeconds: number;
}

/** Builds the model and the recipe of a strategy. */
async function setUp(spec: RunSpec): Promise<{ model: E.nn.Module; groups: E.transfer.LayerGroup[]; recipe: E.transfer.Recipe; batchNorm: 'eval' | 'train' }> {
  const { transfer, nn } = E;
  const lr = spec.lr;
  if (spec.strategy === 'from-scratch') {
    const model = transfer.digitsCnn(spec.numClasses);
    return { model, groups: transfer.layerGroups(model), recipe: transfer.recipes.allGroups({ lr }), batchNorm: 'train' };
  }
  const pretrained = transfer.digitsCnn(5);
  await E.nn.loadSafetensors(pretrained, spec.weights);
  if (spec.strategy === 'truncate-fine-tune') {
    const trunk = transfer.truncate(pretrained, 'features.1');
    const head = new nn.Sequential(new nn.Flatten(), new nn.Linear(16 * 7 * 7, spec.numClasses));
    const model = transfer.attachHead(trunk, head, { inputShape: [spec.batch, 1, 28, 28] });
    const groups = transfer.layerGroups(model, ['trunk.features.0', 'trunk.features.1', 'head']);
    return { model, groups, recipe: transfer.recipes.fineTune({ frozenEpochs: 1, lrs: [lr / 10, lr] }), batchNorm: 'eval' };
  }
  transfer.replaceHead(pretrained, 'classifier.1', new nn.Linear(288, spec.numClasses), { inputShape: [spec.batch, 1, 28, 28] }).dispose();
  const groups = transfer.layerGroups(pretrained);
  const recipe = {
    'feature-extraction': () => transfer.recipes.featureExtraction({ lr }),
    'fine-tune-top': () => transfer.recipes.fineTuneTop({ lr, groups: 2 }),
    'fine-tune-all': () => transfer.recipes.fineTune({ frozenEpochs: 1, lrs: [lr / 100, lr] }),
    'gradual-unfreezing': () => transfer.recipes.gradualUnfreezing({ every: 1, lrs: [lr / 100, lr] }),
  }[spec.strategy]();
  return { model: pretrained, groups, recipe, batchNorm: 'eval' };
}

export async function runStrategy(spec: RunSpec): Promise<RunResult> {
  E.manualSeed(spec.seed * 7919 + STRATEGIES.indexOf(spec.strategy));
  const t0 = performance.now();
  const { model, groups, recipe, batchNorm } = await setUp(spec);
  const optimizer = new E.optim.Adam(E.transfer.groupParams(model, groups, groups.map(() => spec.lr)));
  const data = { images: spec.train.images, count: spec.train.count, shape: [1, 28, 28] };
  const cache = new E.transfer.FeatureCache(model, data, { enabled: !spec.noCache, chunk: spec.batch });
  // One stream of shuffled batches across rounds: a round is `roundSamples` samples, not necessarily an epoch.
  let pass = 0;
  let queue: Int32Array[] = [];
  const nextBatch = (): Int32Array => {
    if (queue.length === 0) queue = epochBatches(spec.train.count, spec.batch, spec.seed * 100_003 + pass++);
    return queue.shift()!;
  };
  let trainable = 0;
  const curve: RunResult['curve'] = [];
  let curveSeconds = 0;
  let samplesSeen = 0;
  await E.transfer.runRecipe(recipe, {
    model, optimizer, groups, epochs: spec.rounds, batchNorm,
    trainEpoch: async (round) => {
      model.train();
      trainable = Math.max(trainable, model.parameters().filter((p) => p.requiresGrad).reduce((a, p) => a + p.size, 0));
      await cache.prepare();
      let lossSum = E.zeros([]);
      let batches = 0;
      for (let seen = 0; seen < spec.roundSamples; batches++) {
        const idx = nextBatch();
        seen += idx.length;
        samplesSeen += idx.length;
        const y = E.tensor(Int32Array.from(idx, (i) => spec.train.labels[i]!), [idx.length], { dtype: 'int32' });
        const loss = E.tidy(() => E.crossEntropy(cache.forward(idx), y));
        loss.backward();
        optimizer.step();
        optimizer.zeroGrad();
        const next = E.add(lossSum, loss);
        lossSum.dispose();
        lossSum = next;
        loss.dispose();
        y.dispose();
      }
      const mean = (await lossSum.item()) / batches;
      lossSum.dispose();
      spec.onRound?.(round, mean);
      // A learning-curve checkpoint on the held-out set after every round but the last (the final score below).
      if (round < spec.rounds - 1) {
        const e0 = performance.now();
        model.eval();
        curve.push({ samples: samplesSeen, accuracy: await accuracy((x) => model.forward(x) as E.Tensor, spec.test) });
        model.train();
        curveSeconds += (performance.now() - e0) / 1000;
      }
    },
  });
  model.eval();
  const acc = await accuracy((x) => model.forward(x) as E.Tensor, spec.test);
  curve.push({ samples: samplesSeen, accuracy: acc });
  const seconds = (performance.now() - t0) / 1000;
  const result = {
    strategy: spec.strategy, accuracy: acc, seconds, trainableParams: trainable,
    cacheBuilds: cache.stats.builds, cachedBatches: cache.stats.cachedBatches, curve, curveSeconds,
  };
  cache.dispose();
  optimizer.dispose();
  model.dispose();
  return result;
}
