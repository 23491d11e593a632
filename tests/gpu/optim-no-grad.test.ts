// Optimizer semantics for parameters without a gradient (PyTorch ≥ 2.0): the set_to_none cases of
// tests/fixtures/torch/optim.json. TwoHeadNet trains a shared trunk and two heads; in some steps head_b's
// task is absent, so after zeroGrad() (set to none) its parameters have no gradient and step() must skip
// them entirely: no AdamW/L2 decay, no momentum, no Adam moment update, their step count unchanged. With
// zeroGrad({ setToNone: false }) they are stepped with a zero gradient (decay and momentum still act).

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

interface T { shape: number[]; dtype: 'float32' | 'int64'; data: number[] }
interface NoGradCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  input: T;
  target_a: T;
  target_b: T;
  set_to_none: boolean;
  uses: string[][];
  hyper: Record<string, unknown>;
  initial_state: Record<string, T>;
  steps: Array<{ loss: number; has_grad: string[]; state: Record<string, T>; step_counts: Record<string, number> }>;
}

const cases = (JSON.parse(readFileSync(new URL('../fixtures/torch/optim.json', import.meta.url), 'utf8')) as { cases: NoGradCase[] })
  .cases.filter((c) => 'uses' in c);

describe('optimizers skip parameters without a gradient (PyTorch 2 zero_grad(set_to_none=True))', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });
  it('has the fixtures', () => expect(cases.length).toBe(5));

  for (const c of cases) {
    it(c.name, async () => {
      const got = await gpu.run(async (E, _H, c) => {
        const { nn, optim } = E;
        class TwoHeadNet extends nn.Module {
          trunk = this.registerModule('trunk', new nn.Sequential(new nn.Linear(4, 6), new nn.Tanh()));
          head_a = this.registerModule('head_a', new nn.Linear(6, 3));
          head_b = this.registerModule('head_b', new nn.Linear(6, 2));
          forward(x: InstanceType<typeof E.Tensor>) { return this.trunk.forward(x); }
        }
        const model = new TwoHeadNet();
        model.loadStateDict(Object.fromEntries(Object.entries(c.initial_state).map(([k, t]) => [
          k, { dtype: 'float32' as const, shape: t.shape, data: Float32Array.from(t.data) },
        ])));
        const h = c.hyper;
        const opt = c.optimizer === 'SGD'
          ? new optim.SGD(model, { lr: h.lr as number, momentum: h.momentum as number, weightDecay: h.weight_decay as number })
          : new (c.optimizer === 'Adam' ? optim.Adam : optim.AdamW)(model, {
            lr: h.lr as number, betas: h.betas as [number, number], eps: h.eps as number, weightDecay: h.weight_decay as number,
          });
        const x = E.tensor(c.input.data, c.input.shape);
        const ta = E.tensor(c.target_a.data, c.target_a.shape, { dtype: 'int32' });
        const tb = E.tensor(c.target_b.data, c.target_b.shape, { dtype: 'int32' });
        const names = new Map(model.namedParameters().map(([k, p]) => [p, k]));
        const steps: Array<{ loss: number; hasGrad: string[]; state: Record<string, number[]>; counts: Record<string, number>; kernels: string[] }> = [];
        for (const uses of c.uses) {
          opt.zeroGrad({ setToNone: c.set_to_none });
          const loss = E.tidy(() => {
            const z = model.forward(x);
            let l: InstanceType<typeof E.Tensor> | null = null;
            if (uses.includes('a')) l = E.crossEntropy(model.head_a.forward(z), ta);
            if (uses.includes('b')) {
              const lb = E.crossEntropy(model.head_b.forward(z), tb);
              l = l ? l.add(lb) : lb;
            }
            return l!;
          });
          loss.backward();
          const hasGrad = model.namedParameters().filter(([, p]) => p.grad !== null).map(([k]) => k);
          const kernels = await E.extend.traceKernels(() => opt.step());
          const state: Record<string, number[]> = {};
          for (const [k, v] of model.stateDict()) state[k] = Array.from(await v.data());
          const counts: Record<string, number> = {};
          for (const [p, n] of opt.stepCount) counts[names.get(p as never)!] = n;
          steps.push({ loss: await loss.item(), hasGrad, state, counts, kernels });
          loss.dispose();
        }
        opt.dispose();
        model.dispose();
        for (const t of [x, ta, tb]) t.dispose();
        return steps;
      }, c);
      c.steps.forEach((want, i) => {
        const s = got[i]!;
        expect(s.loss).toBeCloseTo(want.loss, 5);
        expect(s.hasGrad).toEqual(want.has_grad);
        // One update kernel for the whole (single) group, whichever parameters are skipped.
        expect(s.kernels).toHaveLength(1);
        for (const [k, w] of Object.entries(want.state)) {
          const a = s.state[k]!;
          expectAllClose(a, w.data, { atol: 1e-5, rtol: 1e-4, shape: w.shape });
          // A skipped parameter is bit-identical to its value before the step.
          if (!want.has_grad.includes(k) && i > 0) expect(a).toEqual(got[i - 1]!.state[k]);
        }
        if (c.optimizer !== 'SGD') expect(s.counts).toEqual(want.step_counts);
      });
    });
  }
});
