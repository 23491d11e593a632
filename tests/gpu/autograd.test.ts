// Autograd semantics (PyTorch's): accumulation, noGrad, graphs that record nothing, freed graphs, detach,
// and tidy() around the forward pass.

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

describe('autograd', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('accumulates .grad across backward calls until it is zeroed', async () => {
    const out = await gpu.run(async (E) => {
      const x = E.tensor([1, 2, 3], undefined, { requiresGrad: true });
      E.mul(x, x).sum().backward(); // 2x
      const once = Array.from(await x.grad!.data());
      E.mul(x, 3).sum().backward(); // + 3
      const twice = Array.from(await x.grad!.data());
      x.grad!.dispose();
      x.grad = null;
      E.mul(x, 3).sum().backward();
      const fresh = Array.from(await x.grad!.data());
      return { once, twice, fresh };
    });
    expectAllClose(out.once, [2, 4, 6]);
    expectAllClose(out.twice, [5, 7, 9]);
    expectAllClose(out.fresh, [3, 3, 3]);
  });

  it('sums the gradient of a tensor used several times (x·x + x, diamond graphs)', async () => {
    const g = await gpu.run(async (E) => {
      const x = E.tensor([[0.5, -1], [2, 3]], undefined, { requiresGrad: true });
      const a = x.exp();
      const y = E.add(E.mul(a, x), a).sum(); // d/dx = eˣ·x + eˣ + eˣ
      y.backward();
      return Array.from(await x.grad!.data());
    });
    expectAllClose(g, [0.5, -1, 2, 3].map((v) => Math.exp(v) * (v + 2)));
  });

  it('records nothing under noGrad or when no input requires grad', async () => {
    const out = await gpu.run(async (E) => {
      const w = E.tensor([1, 2], undefined, { requiresGrad: true });
      const c = E.tensor([3, 4]);
      const inNoGrad = E.noGrad(() => E.mul(w, 2));
      const plain = E.mul(c, 2);
      const tracked = E.mul(w, c);
      return {
        noGrad: [inNoGrad.requiresGrad, inNoGrad.gradFn === null],
        plain: [plain.requiresGrad, plain.gradFn === null],
        tracked: [tracked.requiresGrad, tracked.gradFn?.op ?? null, tracked.isLeaf],
        enabledAfter: E.isGradEnabled(),
      };
    });
    expect(out.noGrad).toEqual([false, true]);
    expect(out.plain).toEqual([false, true]);
    expect(out.tracked).toEqual([true, 'mul', false]);
    expect(out.enabledAfter).toBe(true);
  });

  it('refuses a second backward through a freed graph and a non-scalar backward without a gradient', async () => {
    const errors = await gpu.run(async (E, H) => {
      const x = E.tensor([1, 2], undefined, { requiresGrad: true });
      const y = E.mul(x, x).sum();
      y.backward();
      const messages: string[] = [];
      try {
        H.noLeak(E, () => y.backward());
      } catch (e) {
        messages.push((e as Error).message);
      }
      const twice = E.mul(x, 2);
      try {
        H.noLeak(E, () => twice.backward());
      } catch (e) {
        messages.push((e as Error).message);
      }
      return messages;
    });
    expect(errors[0]).toContain('second time');
    expect(errors[1]).toContain('single-element');
  });

  it('keeps what backward needs when tidy() disposes the forward intermediates', async () => {
    const g = await gpu.run(async (E) => {
      const w = E.tensor([[1, -2], [0.5, 4]], undefined, { requiresGrad: true });
      const x = E.tensor([[1, 1], [2, -1]]);
      const loss = E.tidy(() => E.sigmoid(E.matmul(x, w)).mean());
      loss.backward();
      loss.dispose();
      return Array.from(await w.grad!.data());
    });
    // CPU: s = σ(x@w); d/dw = xᵀ (s(1−s)/4)
    const x = [[1, 1], [2, -1]];
    const w = [[1, -2], [0.5, 4]];
    const z = x.map((r) => [0, 1].map((j) => r[0]! * w[0]![j]! + r[1]! * w[1]![j]!));
    const d = z.map((r) => r.map((v) => { const s = 1 / (1 + Math.exp(-v)); return (s * (1 - s)) / 4; }));
    const want = [0, 1].flatMap((i) => [0, 1].map((j) => x[0]![i]! * d[0]![j]! + x[1]![i]! * d[1]![j]!));
    expectAllClose(g, want);
  });

  it('detach() cuts the graph', async () => {
    const g = await gpu.run(async (E) => {
      const x = E.tensor([1, 2, 3], undefined, { requiresGrad: true });
      const y = E.mul(x, x);
      const z = E.add(E.mul(y.detach(), x), y).sum(); // d/dx = y + 2x (y treated as a constant in the first term)
      z.backward();
      return Array.from(await x.grad!.data());
    });
    expectAllClose(g, [1 + 2, 4 + 4, 9 + 6]);
  });

  it('backward through a leaf with a given gradient, and int tensors cannot require grad', async () => {
    const out = await gpu.run(async (E, H) => {
      const x = E.tensor([1, 2], undefined, { requiresGrad: true });
      x.backward(E.tensor([5, 6]));
      let message = '';
      try {
        H.noLeak(E, () => E.tensor([1, 2], undefined, { dtype: 'int32', requiresGrad: true }));
      } catch (e) {
        message = (e as Error).message;
      }
      return { g: Array.from(await x.grad!.data()), message };
    });
    expectAllClose(out.g, [5, 6]);
    expect(out.message).toContain('only float32');
  });
});
