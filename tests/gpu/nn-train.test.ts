// Training end to end: the README fine-tuning example (README.md#fine-tuning, after <!-- fine-tuning -->) run verbatim, and a leak
// check: 200 training steps with a constant number of live GPU buffers and bytes after the first steps.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { docBlock } from '../harness/doc-blocks.ts';
import { useGpuPage } from '../harness/gpu.ts';

const fileBytes = Array.from(readFileSync(new URL('../fixtures/torch/model.safetensors', import.meta.url)));

/** The ```ts block of the snippet, with its one import line turned into a destructuring of the engine. */
function snippetBody(): string {
  const code = docBlock('README.md#fine-tuning');
  const importLine = /^import \{([^}]*)\} from 'webgpu-tensor';$/m;
  expect(code).toMatch(importLine);
  return code.replace(importLine, 'const {$1} = E;');
}

describe('nn training', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('runs the README fine-tuning snippet verbatim', async () => {
    const body = snippetBody();
    expect(body.split('\n').filter((l) => l.trim()).length).toBeLessThanOrEqual(18);
    const got = await gpu.run(async (E, _H, body, bytes) => {
      const x = E.randn([6, 3, 8, 8], { seed: 11 });
      const y = E.tensor([0, 1, 2, 3, 4, 0], [6], { dtype: 'int32' });
      const batches = Array.from({ length: 40 }, () => ({ x, y }));
      const weights = new Uint8Array(bytes).buffer;
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
      const run = new AsyncFunction('E', 'weights', 'batches', `${body}\nreturn { model, opt };`);
      // The engine the snippet sees, with crossEntropy spied on to keep a copy of every loss.
      const losses: Array<InstanceType<typeof E.Tensor>> = [];
      const spied = { ...E, crossEntropy: (...a: Parameters<typeof E.crossEntropy>) => {
        const l = E.crossEntropy(...a);
        losses.push(E.keep(E.noGrad(() => l.clone())));
        return l;
      } };
      const { model, opt } = (await run(spied, weights, batches)) as { model: InstanceType<typeof E.nn.Module>; opt: InstanceType<typeof E.optim.AdamW> };
      const state = Object.fromEntries(await Promise.all([...model.stateDict()].map(async ([k, t]) => [k, Array.from(await t.data())] as const)));
      const head = model.getSubmodule('classifier.2') as InstanceType<typeof E.nn.Linear>;
      const bn = model.getSubmodule('features.1');
      const frozenGrads = model.parameters('features').map((p) => p.grad);
      model.eval();
      const after = await E.tidy(() => E.crossEntropy(model.forward(x), y)).item();
      const groups = opt.paramGroups.map((g) => ({ name: g.name, lr: g.lr, weightDecay: g.weightDecay, n: g.params.length }));
      const steps = opt.stepCounts;
      opt.dispose();
      model.dispose();
      const trainLosses = await Promise.all(losses.map((l) => l.item()));
      for (const l of losses) l.dispose();
      return {
        state, headShape: [...head.weight.shape], bnTraining: bn.training, frozenGrads: frozenGrads.map((g) => g === null),
        after, groups, steps, trainLosses,
      };
    }, body, fileBytes);
    // The trunk is exactly the pretrained one (frozen, BatchNorm statistics untouched)...
    const file = JSON.parse(readFileSync(new URL('../fixtures/torch/model.safetensors.json', import.meta.url), 'utf8')) as {
      tensors: Record<string, { data: number[] }>;
    };
    for (const k of Object.keys(file.tensors).filter((k) => k.startsWith('features.'))) expect(got.state[k], k).toEqual(file.tensors[k]!.data.map(Math.fround));
    expect(got.frozenGrads.every(Boolean)).toBe(true);
    expect(got.bnTraining).toBe(false);
    // ...the head is new and trained, with two learning rates: the loss goes down.
    expect(got.headShape).toEqual([5, 72]);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const first = mean(got.trainLosses.slice(0, 5));
    const last = mean(got.trainLosses.slice(-5));
    console.log(`[nn snippet] train loss, first 5 steps ${first.toFixed(3)}, last 5 ${last.toFixed(3)}, eval after ${got.after.toFixed(3)}`);
    expect(got.trainLosses).toHaveLength(40);
    expect(last).toBeLessThan(first - 0.2);
    expect(got.after).toBeLessThan(first);
    expect(got.groups).toEqual([
      { name: 'classifier', lr: 1e-3, weightDecay: 0.01, n: 1 },
      { name: 'classifier.**.bias', lr: 1e-2, weightDecay: 0, n: 1 },
      { name: 'rest', lr: 1e-3, weightDecay: 0.01, n: 4 },
    ]);
    expect(got.steps).toEqual([40, 40, 0]);
  });

  it('200 training steps leak nothing: live GPU buffers and bytes stay constant', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, optim } = E;
      const model = new nn.Sequential(
        new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Flatten(), new nn.Dropout(0.2), new nn.Linear(16, 8), new nn.GELU(), new nn.Linear(8, 3),
      );
      const opt = new optim.Adam([{ params: model.parameters('0'), lr: 1e-3 }, { params: model.parameters(['1', '6', '8']), lr: 1e-2 }], { maxGradNorm: 1 });
      const sched = new optim.CosineWarmup(opt, { warmupSteps: 10, totalSteps: 200 });
      const x = E.randn([4, 1, 4, 4], { seed: 5 });
      const t = E.tensor([0, 1, 2, 1], [4], { dtype: 'int32' });
      const stats: Array<{ step: number; live: number; liveBytes: number; inUse: number; inUseBytes: number }> = [];
      const losses: number[] = [];
      let kernelsPerStep = 0;
      for (let step = 0; step < 200; step++) {
        const body = () => E.tidy(() => {
          const loss = E.crossEntropy(model.forward(x), t);
          loss.backward();
          opt.step();
          opt.zeroGrad();
          return loss;
        });
        let loss!: InstanceType<typeof E.Tensor>;
        if (step === 5) kernelsPerStep = (await E.extend.traceKernels(() => { loss = body(); })).length;
        else loss = body();
        sched.step();
        if (step % 20 === 19) losses.push(await loss.item());
        loss.dispose();
        if (step % 20 === 19 || step < 4) {
          await E.sync();
          const s = E.memoryStats();
          stats.push({ step, live: s.live, liveBytes: s.liveBytes, inUse: s.inUse, inUseBytes: s.inUseBytes });
        }
      }
      opt.dispose();
      model.dispose();
      x.dispose();
      t.dispose();
      return { stats, losses, kernelsPerStep };
    });
    const losses = got.losses.map((l) => l.toFixed(3)).join(' ');
    console.log(`[nn leak] ${JSON.stringify(got.stats)}; ${got.kernelsPerStep} kernels per training step; losses ${losses}`);
    const steady = got.stats.filter((s) => s.step >= 3);
    expect(steady.length).toBeGreaterThanOrEqual(10);
    for (const s of steady) {
      expect({ ...s, step: 0 }).toEqual({ ...steady[0]!, step: 0 });
    }
    expect(got.losses.at(-1)!).toBeLessThan(got.losses[0]!);
  });
});
