// Edge cases: empty tensors, 0-d tensors, sizes past the 65,535-workgroup limit of one dispatch dimension,
// long reduction rows, and extreme values in softmax.

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

describe('edge cases', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('empty tensors flow through ops', async () => {
    const out = await gpu.run(async (E) => {
      const a = E.zeros([0, 3]);
      const b = E.tensor([1, 2, 3]);
      const sum = E.add(a, b);
      const mm = E.matmul(E.zeros([2, 0]), E.zeros([0, 3])); // K = 0: all zeros
      const cat = E.concat([a, E.ones([2, 3])], 0);
      return {
        sumShape: [...sum.shape],
        sumData: Array.from(await sum.data()),
        total: await E.sum(a).item(),
        mm: Array.from(await mm.data()),
        cat: [...cat.shape],
        empty: await E.tensor([]).toArray(),
      };
    });
    expect(out.sumShape).toEqual([0, 3]);
    expect(out.sumData).toEqual([]);
    expect(out.total).toBe(0);
    expect(out.mm).toEqual([0, 0, 0, 0, 0, 0]);
    expect(out.cat).toEqual([2, 3]);
    expect(out.empty).toEqual([]);
  });

  it('0-d tensors', async () => {
    const out = await gpu.run(async (E) => {
      const s = E.tensor(3, undefined, { requiresGrad: true });
      const y = E.mul(s, s).add(1);
      y.backward();
      return { shape: [...y.shape], y: await y.toArray(), g: await s.grad!.item() };
    });
    expect(out.shape).toEqual([]);
    expect(out.y).toBe(10);
    expect(out.g).toBe(6);
  });

  it('more outputs than one dispatch dimension holds (reduce, softmax, elementwise)', async () => {
    const out = await gpu.run(async (E) => {
      const rows = 70_000; // > 65,535 workgroups for the one-workgroup-per-row kernels
      const x = E.arange(rows * 2).reshape(rows, 2);
      const sums = await E.sum(x, 1).data();
      const sm = await E.softmax(x, 1).data();
      const big = E.add(E.zeros([300_000 * 64]), 1); // 19.2M elements: > 65,535 × 256 threads
      const bigSum = await E.sum(big).item();
      return {
        firstSums: Array.from(sums.subarray(0, 3)),
        lastSum: sums[rows - 1]!,
        smLast: Array.from(sm.subarray(sm.length - 2)),
        bigSum,
      };
    });
    expectAllClose(out.firstSums, [1, 5, 9]);
    expect(out.lastSum).toBe(2 * 69_999 + 2 * 69_999 + 1);
    expectAllClose(out.smLast, [1 / (1 + Math.E), Math.E / (1 + Math.E)]);
    expect(out.bigSum).toBeCloseTo(19_200_000, -2);
  });

  it('softmax and logSoftmax stay finite for extreme logits', async () => {
    const out = await gpu.run(async (E) => {
      const x = E.tensor([[1000, 0, -1000], [-1e30, -1e30, 0]]);
      return { p: Array.from(await E.softmax(x, 1).data()), lp: Array.from(await E.logSoftmax(x, 1).data()) };
    });
    expectAllClose(out.p, [1, 0, 0, 0, 0, 1]);
    expectAllClose(out.lp, [0, -1000, -2000, -1e30, -1e30, 0], { rtol: 1e-5 });
  });

  it('long rows with few outputs are reduced in two passes (split rows) with the same results', async () => {
    const shape = [3, 9001, 2]; // sum/max over dim 1: 6 outputs, rows of 9001 → split into chunks
    const n = shape[0]! * shape[1]! * shape[2]!;
    const data = Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 3 + (i % 7) * 0.01);
    const out = await gpu.run(async (E, _H, values, shp) => {
      const x = E.tensor(values, shp);
      return {
        sum: Array.from(await E.sum(x, 1).data()),
        max: Array.from(await E.max(x, 1).data()),
        min: Array.from(await E.min(x, 1).data()),
        mean: await E.mean(x).item(),
        trace: await E.extend.traceKernels(() => E.sum(x, 1)),
      };
    }, data, shape);
    const want = { sum: [] as number[], max: [] as number[], min: [] as number[] };
    for (let o = 0; o < shape[0]!; o++) {
      for (let i = 0; i < shape[2]!; i++) {
        let s = 0;
        let mx = -Infinity;
        let mn = Infinity;
        for (let r = 0; r < shape[1]!; r++) {
          const v = data[(o * shape[1]! + r) * shape[2]! + i]!;
          s += v;
          mx = Math.max(mx, v);
          mn = Math.min(mn, v);
        }
        want.sum.push(s);
        want.max.push(mx);
        want.min.push(mn);
      }
    }
    expect(out.trace).toEqual(['sum', 'sum']); // two passes
    expectAllClose(out.sum, want.sum, { atol: 1e-3, rtol: 1e-4 });
    expectAllClose(out.max, want.max);
    expectAllClose(out.min, want.min);
    expect(out.mean).toBeCloseTo(want.sum.reduce((a, b) => a + b, 0) / n, 4);
  });
});
