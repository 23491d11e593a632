// Module property registration (a Module or Parameter assigned as a property is registered, PyTorch-style),
// unknown option keys throwing everywhere, and determinism (manualSeed, Dropout masks, randperm, RNG state).

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

describe('nn registration, option checks, determinism', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('class fields and assignments register modules and parameters in order; reassigning replaces', async () => {
    const got = await gpu.run(async (E, H) => {
      const { nn } = E;
      class Fields extends nn.Module {
        trunk = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU());
        head = new nn.Linear(8, 3);
        plain = E.zeros([2]); // a plain tensor: not registered (PyTorch ignores it too)
        forward(x: InstanceType<typeof E.Tensor>) {
          return this.head.forward(this.trunk.forward(x));
        }
      }
      class Assigned extends nn.Module {
        head: InstanceType<typeof nn.Linear>;
        scale: InstanceType<typeof nn.Parameter>;
        explicit = this.registerModule('explicit', new nn.Linear(2, 2));
        constructor() {
          super();
          this.scale = new nn.Parameter(E.ones([3]));
          this.head = new nn.Linear(3, 1);
        }
        forward(x: InstanceType<typeof E.Tensor>) {
          return this.head.forward(x.mul(this.scale));
        }
      }
      const f = new Fields();
      const keysF = [...f.stateDict().keys()];
      const namesF = f.parameters().map((p) => p.name);
      const a = new Assigned();
      const keysA = [...a.stateDict().keys()];
      const childrenA = a.namedChildren().map(([n]) => n);
      // Reassigning replaces (same position), and the property and the registry agree.
      const old = a.head;
      a.head = new nn.Linear(3, 2);
      const replaced = a.getSubmodule('head') === a.head && a.head !== old && a.namedChildren().length === 2;
      const shapeAfter = a.stateDict().get('head.weight')!.shape;
      old.dispose();
      // The explicit form registers once.
      const explicitOnce = a.namedChildren().filter(([n]) => n === 'explicit').length;
      // null removes a child.
      (a as unknown as { explicit: null }).explicit = null;
      const afterNull = a.namedChildren().map(([n]) => n);
      const errors: string[] = [];
      const expectThrow = (fn: () => void) => {
        try {
          H.noLeak(E, fn);
          errors.push('no error');
        } catch (e) {
          errors.push(`${(e as Error).name}: ${(e as Error).message}`);
        }
      };
      const scale = E.ones([3]);
      const listed = [new nn.Linear(2, 2), new nn.Linear(2, 2)];
      expectThrow(() => {
        (a as unknown as { scale: unknown }).scale = scale;
      });
      expectThrow(() => {
        class Listed extends nn.Module {
          blocks = listed;
          forward() {}
        }
        new Listed();
      });
      scale.dispose();
      for (const l of listed) l.dispose();
      // A list of already registered children is fine.
      class Kept extends nn.Module {
        a = new nn.Linear(2, 2);
        b = new nn.Linear(2, 2);
        all = [this.a, this.b];
        forward() {}
      }
      const kept = new Kept();
      const keptKeys = [...kept.stateDict().keys()];
      // A new name for a module already in the tree is a reference: no second registration, no new path.
      class Aliased extends nn.Module {
        features = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU());
        first = this.features.at(0);
        fc = this.registerModule('classifier', new nn.Linear(2, 1));
        forward() {}
      }
      const aliased = new Aliased();
      const aliasInfo = {
        keys: [...aliased.stateDict().keys()],
        children: aliased.namedChildren().map(([n]) => n),
        name: aliased.features.at(0).parameters()[0]!.name,
      };
      aliased.dispose();
      const out = await f.forward(E.ones([1, 4])).data();
      f.dispose();
      a.dispose();
      kept.dispose();
      return { keysF, namesF, keysA, childrenA, replaced, shapeAfter, explicitOnce, afterNull, errors, keptKeys, aliasInfo, outLen: out.length };
    });
    expect(got.keysF).toEqual(['trunk.0.weight', 'trunk.0.bias', 'head.weight', 'head.bias']);
    expect(got.namesF).toEqual(['trunk.0.weight', 'trunk.0.bias', 'head.weight', 'head.bias']);
    expect(got.keysA).toEqual(['scale', 'explicit.weight', 'explicit.bias', 'head.weight', 'head.bias']);
    expect(got.childrenA).toEqual(['explicit', 'head']);
    expect(got.replaced).toBe(true);
    expect(got.shapeAfter).toEqual([2, 3]);
    expect(got.explicitOnce).toBe(1);
    expect(got.afterNull).toEqual(['head']);
    expect(got.errors[0]).toMatch(/^EngineError: Assigned: cannot assign a plain Tensor .* to parameter "scale": assign a Parameter/);
    expect(got.errors[1]).toMatch(/^EngineError: Listed: "blocks" is an array holding modules .* new nn\.Sequential/);
    expect(got.keptKeys).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
    expect(got.aliasInfo).toEqual({
      keys: ['features.0.weight', 'features.0.bias', 'classifier.weight', 'classifier.bias'],
      children: ['features', 'classifier'],
      name: 'features.0.weight',
    });
    expect(got.outLen).toBe(3);
  });

  it('unknown option keys throw, naming the key and the accepted ones', async () => {
    const got = await gpu.run(async (E, H) => {
      const { nn, optim } = E;
      const model = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 2));
      const messages: string[] = [];
      const attempt = (fn: () => unknown) => {
        try {
          H.noLeak(E, fn);
          messages.push('no error');
        } catch (e) {
          messages.push(`${(e as Error).name}: ${(e as Error).message}`);
        }
      };
      const bad = { weight_decay: 0.1 } as never;
      attempt(() => new optim.AdamW(model, bad));
      attempt(() => new optim.SGD(model, { lr: 0.1, nesterow: true } as never));
      attempt(() => new optim.Adam(optim.paramGroups(model, [{ match: '0', lr: 1e-3, weight_decay: 0 }])));
      attempt(() => new optim.Adam(optim.paramGroups(model, [{ match: '0', momentum: 0.9 }])));
      attempt(() => new nn.Linear(2, 2, { bais: false } as never));
      attempt(() => new nn.Conv2d(1, 1, 3, { pading: 1 } as never));
      attempt(() => new nn.BatchNorm2d(2, { momentun: 0.1 } as never));
      attempt(() => new nn.Dropout(0.5, { sed: 1 } as never));
      attempt(() => new nn.MaxPool2d(2, { strides: 2 } as never));
      attempt(() => model.freeze('0', { batchnorm: 'eval' } as never));
      attempt(() => model.loadStateDict(model.stateDict(), { stric: false } as never));
      const opt = new optim.SGD(model, { lr: 0.1 });
      attempt(() => new optim.StepLR(opt, { stepSize: 2, gama: 0.5 } as never));
      const x = E.zeros([2, 2]);
      const labels = E.tensor([0, 1], [2], { dtype: 'int32' });
      attempt(() => E.mseLoss(x, x, { reduce: 'sum' } as never));
      attempt(() => E.crossEntropy(x, labels, { label_smoothing: 0.1 } as never));
      attempt(() => E.randn([2], { stdev: 2 } as never));
      attempt(() => E.randperm(4, { seeed: 1 } as never));
      opt.dispose();
      x.dispose();
      labels.dispose();
      model.dispose();
      return messages;
    });
    expect(got[0]).toBe(
      'EngineError: AdamW: unknown option "weight_decay" (did you mean "weightDecay"?); accepted: lr, betas, eps, weightDecay, maximize, amsgrad, maxGradNorm',
    );
    expect(got[1]).toMatch(/^EngineError: SGD: unknown option "nesterow" \(did you mean "nesterov"\?\)/);
    expect(got[2]).toMatch(
      /^EngineError: Adam group 0 \(0\): unknown option "weight_decay" \(did you mean "weightDecay"\?\); accepted: params, name, initialLr, lr, betas/,
    );
    expect(got[3]).toMatch(/^EngineError: Adam group 0 \(0\): unknown option "momentum"/);
    expect(got[4]).toMatch(/^EngineError: Linear: unknown option "bais" \(did you mean "bias"\?\); accepted: bias$/);
    expect(got[5]).toMatch(/^EngineError: Conv2d: unknown option "pading" \(did you mean "padding"\?\)/);
    expect(got[6]).toMatch(/^EngineError: BatchNorm2d: unknown option "momentun"/);
    expect(got[7]).toMatch(/^EngineError: Dropout: unknown option "sed"/);
    expect(got[8]).toMatch(/^EngineError: MaxPool2d: unknown option "strides" \(did you mean "stride"\?\)/);
    expect(got[9]).toMatch(/^EngineError: freeze: unknown option "batchnorm" \(did you mean "batchNorm"\?\)/);
    expect(got[10]).toMatch(/^EngineError: loadStateDict: unknown option "stric"/);
    expect(got[11]).toMatch(/^EngineError: StepLR: unknown option "gama" \(did you mean "gamma"\?\); accepted: stepSize, gamma$/);
    expect(got[12]).toMatch(/^EngineError: mseLoss: unknown option "reduce"; accepted: reduction, mask$/);
    expect(got[13]).toMatch(/^EngineError: crossEntropy: unknown option "label_smoothing" \(did you mean "labelSmoothing"\?\)/);
    expect(got[14]).toMatch(/^EngineError: randn: unknown option "stdev"/);
    expect(got[15]).toMatch(/^EngineError: randperm: unknown option "seeed" \(did you mean "seed"\?\)/);
  });

  it('manualSeed makes initialization and dropout (layers without a seed) bit-identical; the RNG state restores the stream', async () => {
    const got = await gpu.run(async (E, H) => {
      const { nn } = E;
      const run = async (seed: number) => {
        E.manualSeed(seed);
        const model = new nn.Sequential(new nn.Linear(6, 16), new nn.Dropout(0.5), new nn.Linear(16, 2));
        const x = E.rand([4, 6], { seed: 3 });
        const y1 = model.forward(x);
        const y2 = model.forward(x);
        const out = [...(await y1.data()), ...(await y2.data())];
        const perm = Array.from(E.randperm(10));
        y1.dispose();
        y2.dispose();
        x.dispose();
        model.dispose();
        return { out, perm };
      };
      const a = await run(7);
      const b = await run(7);
      const c = await run(8);
      // Saved and restored state: the draws after it repeat.
      E.manualSeed(11);
      const state = E.getRngState();
      const d1 = Array.from(await E.rand([5]).data());
      const p1 = Array.from(E.randperm(6));
      E.randperm(100);
      E.setRngState(JSON.parse(JSON.stringify(state)));
      const d2 = Array.from(await E.rand([5]).data());
      const p2 = Array.from(E.randperm(6));
      const seededPerm = [Array.from(E.randperm(8, { seed: 5 })), Array.from(E.randperm(8, { seed: 5 }))];
      let badState = '';
      try {
        H.noLeak(E, () => E.setRngState({ algorithm: 'mt' } as never));
      } catch (e) {
        badState = (e as Error).message;
      }
      return { a, b, c, d1, d2, p1, p2, seededPerm, badState };
    });
    expect(got.a.out).toEqual(got.b.out); // bit-identical (exact float equality)
    expect(got.a.perm).toEqual(got.b.perm);
    expect(got.a.out).not.toEqual(got.c.out);
    // Two forwards of one Dropout layer draw two masks.
    expect(got.a.out.slice(0, 8)).not.toEqual(got.a.out.slice(8));
    expect([...got.a.perm].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(got.d1).toEqual(got.d2);
    expect(got.p1).toEqual(got.p2);
    expect(got.seededPerm[0]).toEqual(got.seededPerm[1]);
    expect(got.badState).toMatch(/^setRngState: expected \{ algorithm: 'lcg32'/);
  });
});
