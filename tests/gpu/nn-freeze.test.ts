// Freezing: path globs, requiresGrad on one parameter, what a frozen trunk dispatches in backward (counted
// with traceKernels), no gradient buffers for frozen parameters, freezing and unfreezing under a live
// optimizer (PyTorch's skip-and-resume semantics), BatchNorm held in eval mode, per-layer learning rates.

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

describe('nn freezing', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('frozen trunk: no backward kernels below the head, no gradients, no gradient buffers', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, optim } = E;
      class Net extends nn.Module {
        trunk = this.registerModule('trunk', new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(32, 6)));
        head = this.registerModule('head', new nn.Linear(6, 3));
        forward(x: InstanceType<typeof E.Tensor>) {
          return this.head.forward(this.trunk.forward(x));
        }
      }
      const x = E.randn([4, 1, 4, 4], { seed: 1 });
      const t = E.tensor([0, 1, 2, 1], [4], { dtype: 'int32' });
      const backwardOf = async (model: Net) => {
        const loss = E.crossEntropy(model.forward(x), t);
        const kernels = await E.extend.traceKernels(() => loss.backward());
        loss.dispose();
        return kernels;
      };
      const full = new Net();
      const fullKernels = await backwardOf(full);
      const frozen = new Net();
      const paths = frozen.freeze('trunk');
      const frozenKernels = await backwardOf(frozen);
      const grads = frozen.namedParameters().map(([k, p]) => [k, p.grad !== null] as const);
      const opt = new optim.SGD(frozen, { lr: 0.1, momentum: 0.9 });
      const flatSize = opt.flatSize;
      const stepKernels = await E.extend.traceKernels(() => opt.step());
      opt.dispose();
      full.dispose();
      frozen.dispose();
      return { paths, fullKernels, frozenKernels, grads, flatSize, stepKernels };
    });
    expect(got.paths).toEqual(['trunk.0.weight', 'trunk.0.bias', 'trunk.3.weight', 'trunk.3.bias']);
    expect(got.grads).toEqual([
      ['trunk.0.weight', false],
      ['trunk.0.bias', false],
      ['trunk.3.weight', false],
      ['trunk.3.bias', false],
      ['head.weight', true],
      ['head.bias', true],
    ]);
    // The full model differentiates through every layer...
    expect(got.fullKernels).toContain('conv2d.wgrad');
    expect(got.fullKernels).toContain('conv2d.relu_grad'); // Conv2d → ReLU runs as conv2dAct in the Sequential
    expect(got.fullKernels.filter((k) => k === 'linear.grad_weight')).toHaveLength(2);
    // ...the frozen one only through the loss and the head's weight and bias: no input gradient for the head
    // (its input needs none), nothing for ReLU, Linear(32,6) or the conv.
    const trunkish = got.frozenKernels.filter((k) => k.startsWith('conv2d') || k === 'linear.grad_input' || k.endsWith('Grad') || k.endsWith('_grad'));
    expect(trunkish).toEqual([]);
    expect(got.frozenKernels.filter((k) => k === 'linear.grad_weight')).toHaveLength(1);
    expect(got.frozenKernels.filter((k) => k === 'accumulate')).toHaveLength(0); // first backward: grads are set, not added
    console.log(`[nn kernels] backward full: ${got.fullKernels.length} kernels, trunk frozen: ${got.frozenKernels.length} (${got.frozenKernels.join(' ')})`);
    // The optimizer holds only the head: 18 + 3 values, each slot rounded up to 64.
    expect(got.flatSize).toBe(128);
    expect(got.stepKernels).toEqual(['optim.sgd']);
  });

  it('globs match whole segments; requiresGrad on one parameter; unknown globs are errors', async () => {
    const got = await gpu.run(async (E, H) => {
      const { nn } = E;
      const m = new nn.Sequential({
        head: new nn.Linear(2, 2),
        header: new nn.Linear(2, 2),
        body: new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 2)),
      });
      const head = m.freeze('head');
      m.unfreeze();
      const biases = m.freeze('**.bias');
      m.unfreeze();
      const inner = m.freeze('body.*.weight');
      m.unfreeze();
      let error = '';
      try {
        H.noLeak(E, () => m.freeze('hed'));
      } catch (e) {
        error = `${(e as Error).name}: ${(e as Error).message}`;
      }
      (m.getSubmodule('header') as InstanceType<typeof nn.Linear>).bias!.requiresGrad = false;
      const x = E.randn([3, 2], { seed: 2 });
      m.forward(x).sum().backward();
      const hasGrad = m.namedParameters().filter(([, p]) => p.grad !== null).map(([k]) => k);
      m.dispose();
      return { head, biases, inner, error, hasGrad };
    });
    expect(got.head).toEqual(['head.weight', 'head.bias']);
    expect(got.biases).toEqual(['head.bias', 'header.bias', 'body.0.bias', 'body.1.bias']);
    expect(got.inner).toEqual(['body.0.weight', 'body.1.weight']);
    expect(got.error).toMatch(/^EngineError: freeze: "hed" matches no parameter of Sequential \(parameters: head\.weight, head\.bias/);
    expect(got.hasGrad).toEqual(['head.weight', 'head.bias', 'header.weight', 'body.0.weight', 'body.0.bias', 'body.1.weight', 'body.1.bias']);
  });

  it('freezing under a live optimizer skips the parameters and resumes them with their own state (PyTorch semantics)', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, optim } = E;
      const make = () => new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));
      const a = make();
      const b = make();
      b.loadStateDict(a.stateDict());
      const x = E.randn([5, 4], { seed: 3 });
      const t = E.tensor([0, 1, 2, 1, 0], [5], { dtype: 'int32' });
      // a: one Adam over everything, layer 0 frozen during steps 2..3.
      const optA = new optim.Adam(a, { lr: 0.05 });
      // b: the reference, one Adam per layer, layer 0's stepped only while it is trainable.
      const opt0 = new optim.Adam(b.parameters('0'), { lr: 0.05 });
      const opt2 = new optim.Adam(b.parameters('2'), { lr: 0.05 });
      const dispatches: number[] = [];
      for (let step = 0; step < 6; step++) {
        const frozen = step === 2 || step === 3;
        if (step === 2) { a.freeze('0'); b.freeze('0'); }
        if (step === 4) { a.unfreeze('0'); b.unfreeze('0'); }
        for (const [m, opts] of [[a, [optA]], [b, frozen ? [opt2] : [opt0, opt2]]] as const) {
          for (const o of opts) o.zeroGrad();
          const loss = E.crossEntropy(m.forward(x), t);
          loss.backward();
          loss.dispose();
          for (const o of opts) o.step();
        }
        dispatches.push(optA.dispatchesPerStep);
      }
      const frozenGradAfterFreeze = a.parameters('0').every((p) => p.grad !== null);
      const pa = await Promise.all(a.parameters().map(async (p) => Array.from(await p.data())));
      const pb = await Promise.all(b.parameters().map(async (p) => Array.from(await p.data())));
      const steps = optA.stepCounts;
      for (const o of [optA, opt0, opt2]) o.dispose();
      a.dispose();
      b.dispose();
      return { pa, pb, dispatches, steps, frozenGradAfterFreeze };
    });
    got.pa.forEach((v, i) => expectAllClose(v, got.pb[i]!, { atol: 1e-6, rtol: 1e-5 }));
    // One dispatch per group throughout: layer 0, 2 steps behind after unfreezing, keeps its own step count in the per-parameter table.
    expect(got.dispatches).toEqual([1, 1, 1, 1, 1, 1]);
    expect(got.steps).toEqual([6]);
    expect(got.frozenGradAfterFreeze).toBe(true);
  });

  it('syncTrainable() follows freezing at once, leaving the other gradients alone; unfreezing brings the state back', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, optim } = E;
      const m = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 2));
      const opt = new optim.SGD(m, { lr: 0.1, momentum: 0.9 });
      const x = E.randn([4, 2], { seed: 5 });
      const backward = () => {
        const y = m.forward(x);
        const loss = y.mul(y).sum();
        loss.backward();
        loss.dispose();
      };
      backward();
      opt.step();
      opt.zeroGrad();
      backward();
      const sizeBefore = opt.flatSize;
      const headGrad = Array.from(await m.parameters('1')[0]!.grad!.data());
      const frozenWeight = Array.from(await m.parameters('0')[0]!.data());
      m.freeze('0');
      opt.syncTrainable();
      const sizeFrozen = opt.flatSize;
      const headGradAfter = Array.from(await m.parameters('1')[0]!.grad!.data());
      const frozenGrads = m.parameters('0').map((p) => p.grad);
      const frozenWeightAfter = Array.from(await m.parameters('0')[0]!.data());
      m.unfreeze('0');
      opt.syncTrainable();
      const sizeUnfrozen = opt.flatSize;
      const steps = m.parameters().map((p) => opt.stepCount.get(p) ?? 0);
      const momentum = (await opt.stateDict()).state['0.weight']!.momentumBuffer as { data: Float32Array };
      opt.dispose();
      m.dispose();
      const sizes = [sizeBefore, sizeFrozen, sizeUnfrozen];
      return { sizes, headGrad, headGradAfter, frozenGrads, frozenWeight, frozenWeightAfter, steps, momentumSize: momentum.data.length };
    });
    // Four slots of 64 elements; freezing layer 0 leaves the head's two.
    expect(got.sizes).toEqual([256, 128, 256]);
    expect(got.headGradAfter).toEqual(got.headGrad); // synced, not zeroed
    expect(got.frozenGrads).toEqual([null, null]);
    expect(got.frozenWeightAfter).toEqual(got.frozenWeight); // copied out of the flat buffer unchanged
    expect(got.steps).toEqual([1, 1, 1, 1]);
    expect(got.momentumSize).toBe(6);
  });

  it('BatchNorm in a frozen trunk: follows train() by default, held in eval with { batchNorm: "eval" }', async () => {
    const got = await gpu.run(async (E) => {
      const { nn } = E;
      const make = () => new nn.Sequential(new nn.Conv2d(2, 3, 3), new nn.BatchNorm2d(3), new nn.ReLU());
      const x = E.randn([2, 2, 5, 5], { seed: 4, mean: 1, std: 2 });
      const run = async (options?: { batchNorm: 'eval' }) => {
        const m = make();
        m.freeze(['0', '1'], options);
        m.train();
        const bn = m.at(1) as InstanceType<typeof nn.BatchNorm2d>;
        const training = bn.training;
        E.tidy(() => m.forward(x));
        const stats = { mean: Array.from(await bn.runningMean!.data()), count: await bn.numBatchesTracked!.item() };
        m.unfreeze();
        const afterUnfreeze = bn.training;
        m.dispose();
        return { training, stats, afterUnfreeze };
      };
      return { plain: await run(), held: await run({ batchNorm: 'eval' }) };
    });
    expect(got.plain.training).toBe(true);
    expect(got.plain.stats.count).toBe(1);
    expect(got.plain.stats.mean.some((v) => v !== 0)).toBe(true);
    expect(got.held.training).toBe(false);
    expect(got.held.stats.count).toBe(0);
    expect(got.held.stats.mean).toEqual([0, 0, 0]);
    expect(got.held.afterUnfreeze).toBe(true);
  });

  it('per-layer learning rates: glob groups (last match wins) and layer-wise decay', async () => {
    const got = await gpu.run(async (E) => {
      const { nn, optim } = E;
      const m = new nn.Sequential({ stem: new nn.Linear(2, 4), body: new nn.Linear(4, 4), head: new nn.Linear(4, 2) });
      const names = (gs: Array<{ name: string; params: unknown[] }>, ps: Map<unknown, string>) =>
        gs.map((g) => [g.name, (g as { lr?: number }).lr ?? null, g.params.map((p) => ps.get(p))]);
      const pathOf = new Map(m.namedParameters().map(([k, p]) => [p as unknown, k]));
      const globbed = optim.paramGroups(m, [
        { match: '**', lr: 0.01 },
        { match: 'head', lr: 0.1 },
        { match: '**.bias', exclude: 'stem', weightDecay: 0, lr: 0.2 },
      ]);
      const layerwise = optim.layerwiseLrGroups(m, { baseLr: 1, decay: 0.5 });
      const opt = new optim.AdamW(globbed);
      const kernels = await E.extend.traceKernels(() => opt.step());
      const lrs = opt.paramGroups.map((g) => g.lr);
      opt.dispose();
      m.dispose();
      return { globbed: names(globbed, pathOf), layerwise: names(layerwise, pathOf), kernels, lrs };
    });
    expect(got.globbed).toEqual([
      ['**', 0.01, ['stem.weight', 'stem.bias', 'body.weight']],
      ['head', 0.1, ['head.weight']],
      ['**.bias', 0.2, ['body.bias', 'head.bias']],
    ]);
    expect(got.layerwise).toEqual([
      ['depth 2', 0.25, ['stem.weight', 'stem.bias']],
      ['depth 1', 0.5, ['body.weight', 'body.bias']],
      ['depth 0', 1, ['head.weight', 'head.bias']],
    ]);
    expect(got.kernels).toEqual(['optim.adamw', 'optim.adamw', 'optim.adamw']);
    expect(got.lrs).toEqual([0.01, 0.1, 0.2]);
  });

  it('optimizer edge cases: grads replaced by hand, addParamGroup for an unfrozen trunk, one owner per parameter', async () => {
    const got = await gpu.run(async (E, H) => {
      const { nn, optim } = E;
      const m = new nn.Sequential({ trunk: new nn.Linear(3, 3), head: new nn.Linear(3, 2) });
      m.freeze('trunk');
      const opt = new optim.SGD(m.parameters('head'), { lr: 1 });
      const w = m.parameters('head')[0]!;
      const before = Array.from(await w.data());
      // A gradient set by hand is copied into the optimizer's buffer; null means zero.
      w.grad = E.full([2, 3], 0.5);
      m.parameters('head')[1]!.grad = null;
      opt.step();
      const afterManual = Array.from(await w.data());
      let claimed = '';
      try {
        H.noLeak(E, () => new optim.Adam(m.parameters('head')));
      } catch (e) {
        claimed = (e as Error).message;
      }
      // Unfreeze the trunk and give it its own group.
      m.unfreeze('trunk');
      opt.addParamGroup({ params: m.parameters('trunk'), lr: 0.1 });
      opt.zeroGrad();
      E.tidy(() => m.forward(E.ones([1, 3])).sum()).backward();
      const kernels = await E.extend.traceKernels(() => opt.step());
      const live = E.memoryStats().inUse;
      opt.dispose();
      const afterDispose = E.memoryStats().inUse;
      const grads = m.parameters().map((p) => p.grad === null);
      m.dispose();
      return { before, afterManual, claimed, kernels, liveDrop: live - afterDispose, grads };
    });
    expectAllClose(got.afterManual, got.before.map((v) => v - 0.5), { atol: 1e-6, rtol: 1e-6 });
    expect(got.claimed).toMatch(/is already managed by another optimizer/);
    expect(got.kernels).toEqual(['optim.sgd', 'optim.sgd']);
    expect(got.liveDrop).toBeGreaterThan(0);
    expect(got.grads).toEqual([true, true, true, true]);
  });
});
