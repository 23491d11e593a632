import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

describe('engine smoke', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('adds and reads back', async () => {
    const out = await gpu.run(async (E) => {
      const a = E.tensor([[1, 2, 3], [4, 5, 6]]);
      const b = E.tensor([10, 20, 30]);
      const c = a.add(b).mul(2);
      return { data: Array.from(await c.data()), nested: await c.toArray(), shape: c.shape };
    });
    expect(out.shape).toEqual([2, 3]);
    expectAllClose(out.data, [22, 44, 66, 28, 50, 72]);
    expect(out.nested).toEqual([[22, 44, 66], [28, 50, 72]]);
  });

  it('backward through matmul and sum', async () => {
    const out = await gpu.run(async (E) => {
      const x = E.tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
      const w = E.tensor([[0.5, -1], [2, 1]], undefined, { requiresGrad: true });
      const y = x.matmul(w).relu().sum();
      y.backward();
      return { y: await y.item(), gx: Array.from(await x.grad!.data()), gw: Array.from(await w.grad!.data()) };
    });
    // x@w = [[4.5, 1], [9.5, 1]] → all positive; d/dx = ones@wᵀ, d/dw = xᵀ@ones
    expect(out.y).toBeCloseTo(16);
    expectAllClose(out.gx, [-0.5, 3, -0.5, 3]);
    expectAllClose(out.gw, [4, 4, 6, 6]);
  });
});
