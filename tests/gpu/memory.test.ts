// Batching and memory: ops record into one command encoder (a submit happens at readback), a steady loop
// allocates no new GPU buffers, and tidy() gives back what it made.

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

describe('batching and the buffer pool', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('submits once per readback, not once per op', async () => {
    const out = await gpu.run(async (E) => {
      const before = E.memoryStats();
      let t = E.tensor([1, 2, 3, 4]);
      for (let i = 0; i < 20; i++) t = E.add(t, 1);
      const mid = E.memoryStats();
      const values = Array.from(await t.data());
      const after = E.memoryStats();
      return {
        recorded: mid.dispatches - before.dispatches,
        submitsWhileRecording: mid.submits - before.submits,
        submitsForRead: after.submits - mid.submits,
        values,
      };
    });
    expect(out.recorded).toBe(20);
    expect(out.submitsWhileRecording).toBe(0);
    expect(out.submitsForRead).toBe(1);
    expectAllClose(out.values, [21, 22, 23, 24]);
  });

  it('emptyCache() with work recorded but not submitted: that work still runs (its released buffers are not destroyed first)', async () => {
    const out = await gpu.run(async (E) => {
      const a = E.tensor([1, 2, 3, 4]);
      const t = E.tidy(() => E.add(E.mul(a, 2), 1)); // a·2 is released while the batch is still recording
      E.emptyCache();
      const values = Array.from(await t.data());
      const stats = E.memoryStats();
      a.dispose();
      t.dispose();
      return { values, inUse: stats.inUse, live: stats.live };
    });
    expect(out.values).toEqual([3, 5, 7, 9]);
    expect(out.live).toBe(out.inUse); // nothing pooled after it: a and t only
  });

  it('a steady training loop creates no new GPU buffers after its first steps', async () => {
    const out = await gpu.run(async (E) => {
      const w = E.randn([8, 4], { seed: 1, std: 0.3, requiresGrad: true });
      const x = E.randn([16, 8], { seed: 2 });
      const created: number[] = [];
      const inUse: number[] = [];
      const losses: number[] = [];
      for (let step = 0; step < 12; step++) {
        const loss = E.tidy(() => E.matmul(x, w).tanh().pow(2).mean());
        loss.backward();
        E.noGrad(() => E.addInto(w, w.grad!, -0.5));
        w.grad!.dispose();
        w.grad = null;
        losses.push(await loss.item());
        loss.dispose();
        created.push(E.memoryStats().created);
        inUse.push(E.memoryStats().inUse);
      }
      return { created, inUse, losses };
    });
    expect(out.created.slice(3).every((c) => c === out.created[2])).toBe(true);
    expect(out.inUse.slice(1).every((c) => c === out.inUse[0])).toBe(true);
    expect(out.losses[11]!).toBeLessThan(out.losses[0]!);
  });

  it('tidy() disposes intermediates and keeps returned tensors', async () => {
    const out = await gpu.run(async (E) => {
      const x = E.tensor([1, 2, 3]);
      const base = E.memoryStats().inUse;
      const { kept, other } = E.tidy(() => {
        const a = E.exp(x);
        const b = E.add(a, 1);
        const c = E.mul(b, 2);
        return { kept: c, other: E.keep(E.neg(b)) };
      });
      const inUseAfter = E.memoryStats().inUse - base;
      const values = Array.from(await kept.data());
      const disposed = [kept.isDisposed, other.isDisposed];
      kept.dispose();
      other.dispose();
      return { inUseAfter, values, disposed, end: E.memoryStats().inUse - base };
    });
    expect(out.inUseAfter).toBe(2);
    expect(out.disposed).toEqual([false, false]);
    expect(out.end).toBe(0);
    expectAllClose(out.values, [1, 2, 3].map((v) => 2 * (Math.exp(v) + 1)));
  });

  it('argmax, argmin and int32 tensors round-trip', async () => {
    const out = await gpu.run(async (E) => {
      const x = E.tensor([[0.1, 0.9, 0.3], [0.7, -0.2, 0.7]]);
      return {
        argmax: Array.from(await x.argmax(1).data()),
        argmin: Array.from(await x.argmin(0).data()),
        flat: await x.argmax().item(),
        ints: await E.tensor([[1, -2], [3, 2147483647]], undefined, { dtype: 'int32' }).toArray(),
        float: Array.from(await E.tensor([1, -2, 3], undefined, { dtype: 'int32' }).float().data()),
        oneHot: await E.oneHot(E.tensor([2, 0], undefined, { dtype: 'int32' }), 3).toArray(),
      };
    });
    expect(out.argmax).toEqual([1, 0]); // ties go to the first index
    expect(out.argmin).toEqual([0, 1, 0]);
    expect(out.flat).toBe(1);
    expect(out.ints).toEqual([[1, -2], [3, 2147483647]]);
    expect(out.float).toEqual([1, -2, 3]);
    expect(out.oneHot).toEqual([[0, 0, 1], [1, 0, 0]]);
  });

  it('tensors can be views into one flat buffer (as parameter groups use)', async () => {
    const out = await gpu.run(async (E, H) => {
      const flat = E.internal.Storage.allocate(2 * E.internal.VIEW_ALIGN_BYTES);
      const a = E.internal.fromStorage(flat.view(0, 12), [3]);
      const b = E.internal.fromStorage(flat.view(E.internal.VIEW_ALIGN_BYTES, 16), [2, 2]);
      flat.release(); // the views keep it alive
      E.copyInto(a, E.tensor([1, 2, 3]));
      E.copyInto(b, E.tensor([[10, 20], [30, 40]]));
      const sum = Array.from(await E.add(b, E.tensor([1, 1])).data());
      E.addInto(a, E.tensor([1, 1, 1]), 2);
      const values = [Array.from(await a.data()), Array.from(await b.data())];
      let misaligned = '';
      try {
        H.noLeak(E, () => a.storage.view(4, 4));
      } catch (e) {
        misaligned = (e as Error).message;
      }
      return { sum, values, misaligned };
    });
    expectAllClose(out.sum, [11, 21, 31, 41]);
    expectAllClose(out.values[0]!, [3, 4, 5]);
    expectAllClose(out.values[1]!, [10, 20, 30, 40]);
    expect(out.misaligned).toContain('not a multiple of 256');
  });

  it('a failed kernel surfaces as an error at the next readback instead of wrong numbers', async () => {
    const out = await gpu.run(async (E, H) => {
      const broken = { name: 'broken', code: 'this is not WGSL', bindings: ['write'], params: null } as const;
      const t = E.zeros([4]);
      E.extend.launch(broken, [t], { workgroups: [1, 1, 1] });
      let message = '';
      try {
        await H.noLeak(E, () => t.data());
      } catch (e) {
        message = `${(e as Error).name}: ${(e as Error).message}`;
      }
      const after = Array.from(await E.tensor([1, 2]).add(1).data());
      return { message, after };
    });
    expect(out.message).toMatch(
      /^DeviceError: WebGPU validation error in the engine's batch of \d+ commands \(ops: fill, broken, readback\); that batch did not run: /,
    );
    expect(out.message).toContain('"broken"');
    expectAllClose(out.after, [2, 3]);
  });
});
