// Training checkpoints: train N steps (conv + BatchNorm, a BatchNorm held in eval by freeze, Dropout from the
// engine's stream and one with its own seed, batches shuffled by randperm, Adam with two groups and
// clipping, StepLR), checkpoint at step K, rebuild everything from another seed, load, continue: the
// weights, buffers and learning rates equal those of the run that never stopped, bit for bit.
// Also the optimizer state dict's structure, and checkpoints that do not fit.

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

describe('training checkpoints', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('resuming from a checkpoint continues bit-identically to an uninterrupted run', async () => {
    const got = await gpu.run(async (E, H) => {
      const { nn, optim } = E;
      type T = InstanceType<typeof E.Tensor>;
      const N = 6;
      const K = 3;
      class Net extends nn.Module {
        features = new nn.Sequential(
          new nn.Conv2d(1, 3, 3, { padding: 1 }), new nn.BatchNorm2d(3), new nn.ReLU(),
          new nn.Conv2d(3, 3, 3, { padding: 1 }), new nn.BatchNorm2d(3),
        );
        head = new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.3), new nn.Dropout(0.2, { seed: 5 }), new nn.Linear(3 * 5 * 5, 3));
        forward(x: T): T {
          return this.head.forward(this.features.forward(x));
        }
      }
      const data = H.randomArray(8 * 25, 11);
      const labels = [0, 1, 2, 0, 1, 2, 0, 1];
      const build = (seed: number) => {
        E.manualSeed(seed);
        const model = new Net();
        model.freeze('features.4', { batchNorm: 'eval' });
        const groups = optim.paramGroups(model, [
          { match: 'features', lr: 1e-2 },
          { match: 'head', lr: 5e-2, weightDecay: 1e-3 },
        ]);
        const optimizer = new optim.Adam(groups, { maxGradNorm: 1 });
        const scheduler = new optim.StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
        return { model, optimizer, scheduler };
      };
      const trainStep = (r: ReturnType<typeof build>) => {
        const order = E.randperm(8).slice(0, 4);
        const xb = new Float32Array(4 * 25);
        order.forEach((s, i) => xb.set(data.subarray(s * 25, s * 25 + 25), i * 25));
        const x = E.tensor(xb, [4, 1, 5, 5]);
        const t = E.tensor(Array.from(order, (s) => labels[s]!), [4], { dtype: 'int32' });
        r.optimizer.zeroGrad();
        const out = r.model.forward(x);
        const loss = E.crossEntropy(out, t);
        loss.backward();
        r.optimizer.step();
        r.scheduler.step();
        for (const v of [x, t, out, loss]) v.dispose();
      };
      const snapshot = async (r: ReturnType<typeof build>) => {
        const host = await nn.stateDictToHost(r.model);
        return {
          state: Object.fromEntries([...host].map(([k, v]) => [k, Array.from(new Uint32Array(v.data.buffer, v.data.byteOffset, v.data.length))])),
          lrs: r.scheduler.getLastLr(),
          next: Array.from(E.randperm(8)), // the RNG stream continues identically too
        };
      };
      const dispose = (r: ReturnType<typeof build>) => {
        r.optimizer.dispose();
        r.model.dispose();
      };

      const a = build(1);
      for (let i = 0; i < N; i++) trainStep(a);
      const straight = await snapshot(a);
      dispose(a);

      const b = build(1);
      for (let i = 0; i < K; i++) trainStep(b);
      const blob = await nn.saveCheckpointBlob({ model: b.model, optimizer: b.optimizer, scheduler: b.scheduler, extra: { epoch: K, stage: 'head' } });
      dispose(b);
      const c = build(2); // other initial weights, other stream position
      c.model.unfreeze(); // and other frozen flags: the checkpoint restores them
      c.model.eval();
      const { extra, restored } = await nn.loadCheckpoint({ model: c.model, optimizer: c.optimizer, scheduler: c.scheduler }, blob);
      const frozen = c.model.namedParameters().filter(([, p]) => !p.requiresGrad).map(([k]) => k);
      const held = c.model.namedModules().filter(([, m]) => m.heldInEval).map(([k]) => k);
      const training = c.model.training;
      for (let i = K; i < N; i++) trainStep(c);
      const resumed = await snapshot(c);
      dispose(c);
      return { straight, resumed, extra, restored, frozen, held, training, bytes: blob.size };
    });
    expect(got.extra).toEqual({ epoch: 3, stage: 'head' });
    expect(got.restored).toEqual(['optimizer', 'scheduler', 'rng']);
    expect(got.frozen).toEqual(['features.4.weight', 'features.4.bias']);
    expect(got.held).toEqual(['features.4']);
    expect(got.training).toBe(true);
    expect(Object.keys(got.resumed.state)).toEqual(Object.keys(got.straight.state));
    for (const [k, bits] of Object.entries(got.straight.state)) expect(got.resumed.state[k], k).toEqual(bits);
    expect(got.resumed.lrs).toEqual(got.straight.lrs);
    expect(got.resumed.next).toEqual(got.straight.next);
    console.log(`[checkpoint] ${got.bytes} bytes; ${Object.keys(got.straight.state).length} tensors bit-identical after resume`);
  });

  it('optimizer and scheduler state dicts: PyTorch structure keyed by parameter path, round trip, clear errors', async () => {
    const got = await gpu.run(async (E, H) => {
      const { nn, optim } = E;
      E.manualSeed(3);
      const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
      const opt = new optim.SGD(model, { lr: 0.1, momentum: 0.9 });
      const x = E.rand([2, 3], { seed: 1 });
      const runStep = (o: InstanceType<typeof optim.SGD>) => {
        o.zeroGrad();
        const y = model.forward(x);
        const l = y.mul(y).sum();
        l.backward();
        o.step();
        y.dispose();
        l.dispose();
      };
      runStep(opt);
      model.freeze('0'); // parked state must be saved too
      runStep(opt);
      const sd = await opt.stateDict();
      const summary = {
        keys: Object.keys(sd.state),
        steps: Object.values(sd.state).map((s) => s.step),
        buffers: Object.values(sd.state).map((s) => Object.keys(s).filter((k) => k !== 'step')),
        groups: sd.paramGroups.map((g) => ({ ...g })),
      };
      // Round trip into a fresh optimizer over the same parameters: the same state comes back.
      const momentum = Array.from((sd.state['2.weight']!.momentumBuffer as { data: Float32Array }).data);
      opt.dispose();
      const opt2 = new optim.SGD(model, { lr: 0.5, momentum: 0.9 });
      opt2.loadStateDict(sd);
      const back = await opt2.stateDict();
      const momentumBack = Array.from((back.state['2.weight']!.momentumBuffer as { data: Float32Array }).data);
      model.unfreeze();
      const lrAfter = opt2.paramGroups[0]!.lr;
      const errors: string[] = [];
      const attempt = (fn: () => unknown) => {
        try {
          H.noLeak(E, fn);
          errors.push('no error');
        } catch (e) {
          errors.push((e as Error).message);
        }
      };
      attempt(() => opt2.loadStateDict({ ...sd, paramGroups: [] }));
      attempt(() => opt2.loadStateDict({ ...sd, state: { nope: { step: 1 } } }));
      attempt(() => opt2.loadStateDict({ ...sd, state: { '2.weight': { step: 1, expAvg: sd.state['2.weight']!.momentumBuffer! } } }));
      const sched = new optim.StepLR(opt2, { stepSize: 1, gamma: 0.5 });
      sched.step();
      const ss = sched.stateDict();
      const sched2 = new optim.LinearWarmup(opt2, { warmupSteps: 2 });
      attempt(() => sched2.loadStateDict(ss));
      // A plain weights file is not a checkpoint.
      const plain = await nn.saveSafetensors(model);
      let notCkpt = '';
      await nn.loadCheckpoint({ model }, plain).catch((e: Error) => {
        notCkpt = e.message;
      });
      // A checkpoint of another model does not load.
      const ckpt = await nn.saveCheckpoint({ model });
      const other = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(4, 2));
      let otherModel = '';
      await nn.loadCheckpoint({ model: other }, ckpt).catch((e: Error) => {
        otherModel = e.message;
      });
      opt2.dispose();
      model.dispose();
      other.dispose();
      x.dispose();
      return { summary, momentum, momentumBack, lrAfter, errors, ss, notCkpt, otherModel };
    });
    expect(got.summary.keys).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(got.summary.steps).toEqual([1, 1, 2, 2]);
    expect(got.summary.buffers).toEqual([['momentumBuffer'], ['momentumBuffer'], ['momentumBuffer'], ['momentumBuffer']]);
    expect(got.summary.groups).toEqual([
      { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, params: ['0.weight', '0.bias', '2.weight', '2.bias'] },
    ]);
    expect(got.momentumBack).toEqual(got.momentum);
    expect(got.lrAfter).toBe(0.1);
    expect(got.errors[0]).toBe('SGD.loadStateDict: the state has 0 parameter groups, the optimizer 1');
    expect(got.errors[1]).toMatch(
      /^SGD\.loadStateDict: the state has parameter "nope", which the optimizer does not hold \(it holds: 0\.weight, 0\.bias, 2\.weight, 2\.bias\)$/,
    );
    expect(got.errors[2]).toBe('SGD.loadStateDict: "2.weight": unknown state "expAvg" (SGD keeps: momentumBuffer)');
    expect(got.errors[3]).toBe('LinearWarmup.loadStateDict: the state is from a StepLR scheduler');
    expect(got.ss).toEqual({ kind: 'StepLR', lastStep: 1, baseLrs: [0.1], lastLrs: [0.05] });
    expect(got.notCkpt).toMatch(/^loadCheckpoint: this \.safetensors file is not a checkpoint/);
    expect(got.otherModel).toMatch(/^loadCheckpoint: the model's modules differ from the checkpoint's: not in the model: 2$/);
  });
});
