// Bounded batches: the README's fine-tuning loop, run for 500 steps without a single readback or await,
// submits in bounded batches (at most MAX_BATCH_COMMANDS_HARD commands each, since a loop that never yields
// cannot see its batches finish) and stops creating GPU buffers after its first steps.

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

describe('bounded batches and backpressure', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it("the README's fine-tuning loop, 500 steps with no readback: live buffers stop growing", async () => {
    const out = await gpu.run(async (E) => {
      const { nn, optim, crossEntropy, tidy } = E;
      const model = new nn.Sequential({
        features: new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2)),
        classifier: new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(72, 10)),
      });
      model.freeze('features', { batchNorm: 'eval' });
      model.setSubmodule('classifier.2', new nn.Linear(72, 5)).dispose();
      const opt = new optim.AdamW(optim.paramGroups(model, [
        { match: 'classifier', lr: 1e-3 },
        { match: 'classifier.**.bias', lr: 1e-2, weightDecay: 0 },
      ]), { maxGradNorm: 1 });
      const data = Array.from({ length: 5 }, (_, i) => ({
        x: E.randn([4, 3, 8, 8], { seed: 10 + i }),
        y: E.tensor([0, 1, 2, 3].map((c) => (c + i) % 5), [4], { dtype: 'int32' }),
      }));
      const batches = Array.from({ length: 500 }, (_, i) => data[i % data.length]!);
      await E.sync();
      const before = E.memoryStats();
      const live: number[] = [];
      const submits: number[] = [];
      let step = 0;
      for (const { x, y } of batches) {
        tidy(() => { crossEntropy(model.forward(x), y).backward(); opt.step(); opt.zeroGrad(); });
        if (++step % 50 === 0) {
          live.push(E.memoryStats().live);
          submits.push(E.memoryStats().submits - before.submits);
        }
      }
      const recorded = E.memoryStats().dispatches - before.dispatches;
      await E.sync();
      const logits = Array.from(await model.forward(data[0]!.x).data());
      return { live, submits, recorded, liveBefore: before.live, finite: logits.every(Number.isFinite), maxBatch: E.internal.MAX_BATCH_COMMANDS_HARD };
    });
    // Recording went on in bounded batches (submitted without any readback)…
    expect(out.submits[out.submits.length - 1]!).toBeGreaterThanOrEqual(Math.floor(out.recorded / out.maxBatch) - 1);
    expect(out.submits[out.submits.length - 1]!).toBeGreaterThan(0);
    // …and from the second checkpoint on the pool holds as many buffers as at the first: no growth.
    expect(out.live.slice(1).every((n) => n === out.live[0])).toBe(true);
    expect(out.live[0]! - out.liveBefore).toBeLessThan(64);
    expect(out.finite).toBe(true);
  });
});
