// PyTorch parity for the optimizers: the 6 trajectories of tests/fixtures/torch/optim.json (5 steps each on
// OptimNet: SGD with momentum, SGD nesterov + weight decay, Adam with two groups and trunk.0 frozen, AdamW,
// SGD with clip_grad_norm_, Adam with L2 decay). Per step: the loss before the step, the clip norm, and the full
// state dict after it. Also the dispatch counts of a step and of zeroGrad.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

interface T {
  shape: number[];
  dtype: 'float32' | 'int64';
  data: number[];
}
interface OptimCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  input: T;
  target: T;
  initial_state: Record<string, T>;
  frozen: string[];
  param_groups: Array<Record<string, unknown> & { params: string[] }>;
  clip_grad_norm: { max_norm: number } | null;
  steps: Array<{ loss: number; total_norm?: number; state: Record<string, T> }>;
}

// The set_to_none cases (TwoHeadNet, another schema) are checked by optim-no-grad.test.ts.
const cases = (JSON.parse(readFileSync(new URL('../fixtures/torch/optim.json', import.meta.url), 'utf8')) as { cases: OptimCase[] })
  .cases.filter((c) => !('uses' in c));

let worst = 0;
const kernelLog: Record<string, unknown> = {};

describe('optimizers vs PyTorch fixtures', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });
  afterAll(() => {
    console.log(`[nn parity] optim.json max |err| / max |ref| over all states: ${worst}`);
    console.log(`[nn kernels] ${JSON.stringify(kernelLog)}`);
  });

  for (const c of cases) {
    it(`${c.name}: ${c.steps.length} steps`, async () => {
      const got = await gpu.run(async (E, _H, c) => {
        const { nn, optim } = E;
        class OptimNet extends nn.Module {
          trunk = this.registerModule(
            'trunk', new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(32, 6)),
          );
          head = this.registerModule('head', new nn.Linear(6, 3));
          forward(x: InstanceType<typeof E.Tensor>) {
            return this.head.forward(this.trunk.forward(x));
          }
        }
        const model = new OptimNet();
        model.loadStateDict(Object.fromEntries(Object.entries(c.initial_state).map(([k, t]) => [
          k, { dtype: 'float32' as const, shape: t.shape, data: Float32Array.from(t.data) },
        ])));
        if (c.frozen.length) model.freeze(c.frozen);
        const byPath = new Map(model.namedParameters());
        const weightBefore = model.head.weight;
        const groups = c.param_groups.map((g) => {
          const h: Record<string, unknown> = { params: g.params.map((k) => byPath.get(k)!), lr: g.lr };
          if (c.optimizer === 'SGD') Object.assign(h, { momentum: g.momentum, dampening: g.dampening, weightDecay: g.weight_decay, nesterov: g.nesterov });
          else Object.assign(h, { betas: g.betas, eps: g.eps, weightDecay: g.weight_decay });
          return h;
        });
        const options = { maxGradNorm: c.clip_grad_norm ? c.clip_grad_norm.max_norm : null };
        const opt = c.optimizer === 'SGD' ? new optim.SGD(groups as never, options)
          : c.optimizer === 'Adam' ? new optim.Adam(groups as never, options)
          : new optim.AdamW(groups as never, options);
        const x = E.tensor(c.input.data, c.input.shape);
        const t = E.tensor(c.target.data, c.target.shape, { dtype: 'int32' });
        const steps: Array<{ loss: number; norm: number | null; state: Record<string, number[]> }> = [];
        const traces: Record<string, string[]> = {};
        for (let i = 0; i < c.steps.length; i++) {
          const trace = async (name: string, fn: () => void) => {
            const k = await E.extend.traceKernels(fn);
            if (i === 1) traces[name] = k;
          };
          await trace('zeroGrad', () => opt.zeroGrad());
          const loss = model.forward(x);
          const l = E.crossEntropy(loss, t);
          loss.dispose();
          await trace('backward', () => l.backward());
          const submits = E.memoryStats().submits;
          await trace('step', () => opt.step());
          if (E.memoryStats().submits !== submits) throw new Error('step() submitted GPU work (a readback?)');
          const normT = opt.lastGradNorm();
          const state: Record<string, number[]> = {};
          for (const [k, v] of model.stateDict()) state[k] = Array.from(await v.data());
          steps.push({ loss: await l.item(), norm: normT ? await normT.item() : null, state });
          l.dispose();
          normT?.dispose();
        }
        const frozenGrads = c.frozen.map((k) => byPath.get(k)!.grad === null);
        const sameObject = model.head.weight === weightBefore && byPath.get('head.weight') === weightBefore;
        const dispatches = opt.dispatchesPerStep;
        opt.dispose();
        const afterDispose = Array.from(await model.head.weight.data());
        model.dispose();
        x.dispose();
        t.dispose();
        return { steps, traces, frozenGrads, sameObject, dispatches, afterDispose };
      }, c);
      expect(got.sameObject).toBe(true);
      expect(got.frozenGrads.every(Boolean)).toBe(true);
      c.steps.forEach((want, i) => {
        const s = got.steps[i]!;
        expect(s.loss).toBeCloseTo(want.loss, 5);
        if (want.total_norm !== undefined) expect(Math.abs(s.norm! - want.total_norm) / want.total_norm).toBeLessThan(1e-5);
        for (const [k, w] of Object.entries(want.state)) {
          const a = s.state[k]!;
          let err = 0;
          let scale = 0;
          w.data.forEach((v, j) => {
            err = Math.max(err, Math.abs(a[j]! - v));
            scale = Math.max(scale, Math.abs(v));
          });
          worst = Math.max(worst, err / scale);
          expectAllClose(a, w.data, { atol: 1e-5, rtol: 1e-4, shape: w.shape });
        }
      });
      // The optimizer's copy-out on dispose keeps the trained values.
      expectAllClose(got.afterDispose, c.steps.at(-1)!.state['head.weight']!.data, { atol: 1e-6, rtol: 1e-6 });
      // One update dispatch per group, two more for the clip norm; zeroGrad is one fill.
      const stepKernels = got.traces.step!;
      const groups = c.param_groups.length;
      expect(stepKernels.filter((k) => k.startsWith('optim.') && !k.startsWith('optim.grad_norm'))).toHaveLength(groups);
      expect(stepKernels).toHaveLength(groups + (c.clip_grad_norm ? 2 : 0));
      expect(got.dispatches).toBe(stepKernels.length);
      expect(got.traces.zeroGrad).toEqual(['fill']);
      kernelLog[c.name] = { step: stepKernels, backwardKernels: got.traces.backward!.length };
      // Frozen trunk.0: no conv kernels in backward at all (the conv is the first layer and its input needs no grad).
      if (c.frozen.length) expect(got.traces.backward!.filter((k) => k.startsWith('conv2d'))).toEqual([]);
    });
  }

  it('clipGradNorm (standalone) and gradNorm() match clip_grad_norm_ of the sgd_clip_grad_norm case', async () => {
    const c = cases.find((k) => k.name === 'sgd_clip_grad_norm')!;
    const got = await gpu.run(async (E, _H, c) => {
      const { nn, optim } = E;
      const model = new nn.Sequential({
        trunk: new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(32, 6)),
        head: new nn.Linear(6, 3),
      });
      model.loadStateDict(Object.fromEntries(Object.entries(c.initial_state).map(([k, t]) => [
        k, { dtype: 'float32' as const, shape: t.shape, data: Float32Array.from(t.data) },
      ])));
      const opt = new optim.SGD(model, { lr: c.param_groups[0]!.lr as number });
      const x = E.tensor(c.input.data, c.input.shape);
      const t = E.tensor(c.target.data, c.target.shape, { dtype: 'int32' });
      opt.zeroGrad();
      E.tidy(() => E.crossEntropy(model.forward(x), t)).backward();
      const viaOptimizer = opt.gradNorm();
      const viaFunction = optim.clipGradNorm(model, c.clip_grad_norm!.max_norm);
      const after = opt.gradNorm();
      opt.step();
      const state: Record<string, number[]> = {};
      for (const [k, v] of model.stateDict()) state[k] = Array.from(await v.data());
      const out = { viaOptimizer: await viaOptimizer.item(), viaFunction: await viaFunction.item(), after: await after.item(), state };
      for (const d of [viaOptimizer, viaFunction, after, x, t]) d.dispose();
      opt.dispose();
      model.dispose();
      return out;
    }, c);
    const want = c.steps[0]!;
    expect(got.viaOptimizer).toBeCloseTo(want.total_norm!, 6);
    expect(got.viaFunction).toBeCloseTo(want.total_norm!, 6);
    expect(got.after).toBeCloseTo(c.clip_grad_norm!.max_norm, 5);
    for (const [k, w] of Object.entries(want.state)) expectAllClose(got.state[k]!, w.data, { atol: 1e-5, rtol: 1e-4, shape: w.shape });
  });
});
