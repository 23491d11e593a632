// ReLU folded into max-pooling (reluMaxPool2d, pool_max.wgsl with RELU): the same values and gradients as
// maxPool2d(relu(x)), NaN and ±inf included, with padding, stride and dilation; and nn.Sequential runs a ReLU
// followed by a MaxPool2d as that one op, and a Linear followed by a ReLU as linearAct (ReLU in the epilogue).
// Also a residual's sum and ReLU as one addRelu (ResNet's BasicBlock): relu(a + b), broadcasting included.

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

const gpu = useGpuPage();

beforeAll(async () => {
  await gpu.run(async (E) => {
    await E.init();
  });
});

type Value = number | 'NaN' | 'Infinity' | '-Infinity';

describe('addRelu', () => {
  it('equals relu(add(a, b)): values and both gradients, with broadcasting, exact zeros, NaN and ±inf', async () => {
    const shape = [2, 3, 4, 5];
    const as: Value[] = Array.from({ length: 120 }, (_, i) => Math.round(Math.sin(i * 1.9) * 6) / 2);
    as[7] = 'NaN';
    as[20] = 'Infinity';
    as[33] = '-Infinity';
    const bFull: Value[] = Array.from({ length: 120 }, (_, i) => Math.round(Math.cos(i * 0.7) * 4) / 2);
    bFull[20] = '-Infinity'; // inf + -inf = NaN
    const bRow: Value[] = [1, -0.5, 'NaN', 0, 2, -3, 0.5, 1.5, -1, 0, 'Infinity', -2, 1, 0, -0.5];
    const out = await gpu.run(async (E, _H, a: Value[], b1: Value[], b2: Value[], aShape: number[]) => {
      const decode = (v: Value): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
      const encode = (v: number): Value => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
      const res: Array<{ fused: Value[]; composed: Value[]; forward: string[] }> = [];
      for (const [bValues, bShape] of [[b1, aShape], [b2, [3, 1, 5]]] as const) {
        const run = async (fused: boolean) => {
          const x = E.tensor(a.map(decode), aShape, { requiresGrad: true });
          const z = E.tensor(bValues.map(decode), [...bShape], { requiresGrad: true });
          let y!: InstanceType<typeof E.Tensor>;
          const forward = await E.extend.traceKernels(() => {
            y = fused ? E.internal.addRelu(x, z) : E.relu(E.add(x, z));
          });
          const g = E.tensor(Array.from({ length: y.size }, (_, i) => ((i % 7) - 3) * 0.25), y.shape);
          y.backward(g);
          const v = [...Array.from(await y.data()), ...Array.from(await x.grad!.data()), ...Array.from(await z.grad!.data())].map(encode);
          for (const t of [x, z, y, g]) t.dispose();
          return { v, forward };
        };
        const f = await run(true);
        const u = await run(false);
        res.push({ fused: f.v, composed: u.v, forward: f.forward });
      }
      return res;
    }, as, bFull, bRow, shape);
    for (const [i, r] of out.entries()) {
      expect(r.fused, `case ${i}`).toEqual(r.composed);
      expect(r.forward, `case ${i}`).toEqual(['addRelu']);
    }
    // Not a test that cannot fail: the outputs hold NaN, zeros and positives, and both gradients are nonzero.
    expect(out[0]!.fused.slice(0, 120)).toContain('NaN');
    expect(out[0]!.fused.slice(120, 240).some((v) => typeof v === 'number' && v !== 0)).toBe(true);
  });
});

describe('reluMaxPool2d', () => {
  it('equals maxPool2d(relu(x)): values and gradients, negatives-only windows, ties, NaN and ±inf', async () => {
    const N = 2;
    const C = 3;
    const H = 7;
    const W = 6;
    const xs: Value[] = Array.from({ length: N * C * H * W }, (_, i) => Math.round(Math.sin(i * 2.3) * 4) / 2 - 0.5);
    for (let i = 0; i < H * W; i++) xs[i] = -1 - (i % 3); // a plane of negatives only
    xs[50] = 'NaN';
    xs[61] = 'Infinity';
    xs[70] = '-Infinity';
    xs[90] = 'NaN';
    xs[91] = 'Infinity';
    const configs = [
      { k: 2, options: {} },
      { k: 3, options: { stride: 2, padding: 1 } },
      { k: 2, options: { stride: 1, dilation: 2 } },
    ];
    const out = await gpu.run(async (E, _H, values: Value[], shape: number[], cfgs: typeof configs) => {
      const decode = (v: Value): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
      const encode = (v: number): Value => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
      const res: Array<{ fused: Value[]; composed: Value[]; kernels: string[] }> = [];
      for (const c of cfgs) {
        const run = async (fused: boolean) => {
          const x = E.tensor(values.map(decode), shape, { requiresGrad: true });
          let y!: InstanceType<typeof E.Tensor>;
          const kernels = await E.extend.traceKernels(() => {
            y = fused ? E.internal.reluMaxPool2d(x, c.k, c.options) : E.maxPool2d(E.relu(x), c.k, c.options);
          });
          const g = E.tensor(Array.from({ length: y.size }, (_, i) => ((i % 5) - 2) * 0.5), y.shape);
          y.backward(g);
          const v = [...Array.from(await y.data()), ...Array.from(await x.grad!.data())].map(encode);
          x.dispose();
          y.dispose();
          g.dispose();
          return { v, kernels };
        };
        const f = await run(true);
        const u = await run(false);
        res.push({ fused: f.v, composed: u.v, kernels: f.kernels });
      }
      return res;
    }, xs, [N, C, H, W], configs);
    for (const [i, r] of out.entries()) {
      expect(r.fused, `config ${i}`).toEqual(r.composed);
      expect(r.kernels).toEqual(['reluMaxPool2d.forward']);
    }
  });

  it('nn.Sequential runs ReLU → MaxPool2d as one reluMaxPool2d and Linear → ReLU as linearAct, with the unfused values and gradients', async () => {
    const out = await gpu.run(async (E) => {
      const { nn } = E;
      E.manualSeed(3);
      const conv = new nn.Conv2d(2, 4, 3, { padding: 1 });
      const fc = new nn.Linear(36, 5);
      const model = new nn.Sequential(conv, new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), fc, new nn.ReLU());
      const x = E.randn([2, 2, 6, 6], { seed: 4 });
      let y!: InstanceType<typeof E.Tensor>;
      const kernels = await E.extend.traceKernels(() => {
        y = model.forward(x);
      });
      y.sum().backward();
      const fused = [...Array.from(await y.data()), ...Array.from(await conv.weight.grad!.data())];
      conv.weight.grad = null;
      conv.bias!.grad = null;
      fc.weight.grad = null;
      fc.bias!.grad = null;
      const z = E.relu(fc.forward(E.flatten(E.maxPool2d(E.relu(conv.forward(x)), 2), 1)));
      z.sum().backward();
      const composed = [...Array.from(await z.data()), ...Array.from(await conv.weight.grad!.data())];
      return { kernels, fused, composed };
    });
    expect(out.kernels).toContain('reluMaxPool2d.forward');
    expect(out.kernels).not.toContain('relu');
    out.fused.forEach((v, i) => expect(Math.abs(v - out.composed[i]!)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(out.composed[i]!)));
  });
});
