// BatchNorm2d's fused kernels: what a train-mode step dispatches, and the frozen cases (no input gradient
// for a first layer, no weight/bias gradient when frozen). Parity with PyTorch is in nn-layers.test.ts.

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

describe('BatchNorm2d kernels', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('a train step is 3 forward kernels and 2 backward kernels plus the two parameter-gradient rows', async () => {
    const out = await gpu.run(async (E) => {
      const bn = new E.nn.BatchNorm2d(3);
      const x = E.randn([2, 3, 4, 5], { seed: 3, requiresGrad: true });
      let y: InstanceType<typeof E.Tensor> | null = null;
      const forward = await E.extend.traceKernels(() => {
        y = bn.forward(x);
      });
      const g = E.randn([2, 3, 4, 5], { seed: 4 });
      const backward = await E.extend.traceKernels(() => y!.backward(g));
      // Frozen affine parameters and an input that needs no gradient: nothing to compute at all.
      bn.freeze();
      const x2 = E.randn([2, 3, 4, 5], { seed: 5 });
      const y2 = bn.forward(x2);
      return { forward, backward, frozenRecordsGraph: y2.requiresGrad };
    });
    expect(out.forward).toEqual(['batchnorm.stats', 'batchnorm.running', 'batchnorm.forward']);
    expect(out.backward.filter((k) => k.startsWith('batchnorm'))).toEqual(['batchnorm.backward_sums', 'batchnorm.backward_input']);
    expect(out.frozenRecordsGraph).toBe(false);
  });

  it('eval-mode gradients match finite differences of the eval forward', async () => {
    const out = await gpu.run(async (E) => {
      const bn = new E.nn.BatchNorm2d(2);
      E.copyInto(bn.runningMean!, E.tensor([0.3, -0.2]));
      E.copyInto(bn.runningVar!, E.tensor([1.5, 0.7]));
      E.copyInto(bn.weight!, E.tensor([1.2, -0.8]));
      E.copyInto(bn.bias!, E.tensor([0.1, 0.4]));
      bn.eval();
      const xs = [0.5, -1, 2, 0.25, 1.5, -0.5, 0.75, -2];
      const gs = [1, -2, 0.5, 3, -1, 0.25, 2, -0.5];
      const x = E.tensor(xs, [1, 2, 2, 2], { requiresGrad: true });
      bn.forward(x).backward(E.tensor(gs, [1, 2, 2, 2]));
      return { dx: Array.from(await x.grad!.data()), dw: Array.from(await bn.weight!.grad!.data()), db: Array.from(await bn.bias!.grad!.data()) };
    });
    // y = (x − rm)/sqrt(rv + eps)·w + b: dx = g·w/sqrt(rv + eps), dw = Σ g·(x − rm)/sqrt(rv + eps), db = Σ g
    const rm = [0.3, -0.2];
    const rv = [1.5, 0.7];
    const w = [1.2, -0.8];
    const xs = [0.5, -1, 2, 0.25, 1.5, -0.5, 0.75, -2];
    const gs = [1, -2, 0.5, 3, -1, 0.25, 2, -0.5];
    const istd = rv.map((v) => 1 / Math.sqrt(v + 1e-5));
    const c = (i: number): number => Math.floor(i / 4);
    expect(out.dx.map((v) => +v.toFixed(5))).toEqual(gs.map((g, i) => +(g * w[c(i)]! * istd[c(i)]!).toFixed(5)));
    const dw = [0, 1].map((ch) => xs.reduce((acc, x, i) => (c(i) === ch ? acc + gs[i]! * (x - rm[ch]!) * istd[ch]! : acc), 0));
    const db = [0, 1].map((ch) => gs.reduce((acc, g, i) => (c(i) === ch ? acc + g : acc), 0));
    out.dw.forEach((v, i) => expect(v).toBeCloseTo(dw[i]!, 5));
    out.db.forEach((v, i) => expect(v).toBeCloseTo(db[i]!, 5));
  });
});
