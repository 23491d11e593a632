// Bad input: a clear error naming the op and the shapes, thrown synchronously before any GPU work, and the
// engine keeps computing correctly afterwards.

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

describe('errors', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('names the op and shapes, records no GPU work, and leaves the engine working', async () => {
    const out = await gpu.run(async (E) => {
      const a = E.tensor([[1, 2, 3], [4, 5, 6]]);
      const b = E.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]]);
      const labels = E.tensor([1, 2], undefined, { dtype: 'int32' });
      const gone = E.tensor([1, 2, 3]);
      gone.dispose();
      const total = a.sum();
      const attempts: Array<[string, () => unknown]> = [
        ['add', () => E.add(a, b)],
        ['matmul', () => E.matmul(a, a)],
        ['exp int', () => E.exp(labels)],
        ['disposed', () => E.mul(gone, 2)],
        ['reshape', () => a.reshape(4, 2)],
        ['sum dim', () => a.sum(2)],
        ['concat', () => E.concat([a, E.tensor([1, 2])], 0)],
        ['permute', () => a.permute(0, 0)],
        ['backward', () => total.backward()],
      ];
      const results: Array<{ what: string; name: string; message: string; dispatched: number }> = [];
      for (const [what, fn] of attempts) {
        const before = E.memoryStats().dispatches;
        try {
          fn();
          results.push({ what, name: 'none', message: '', dispatched: 0 });
        } catch (e) {
          results.push({ what, name: (e as Error).name, message: (e as Error).message, dispatched: E.memoryStats().dispatches - before });
        }
      }
      const after = Array.from(await E.add(a, E.tensor([10, 20, 30])).data());
      return { results, after };
    });
    const byWhat = Object.fromEntries(out.results.map((r) => [r.what, r]));
    expect(byWhat.add!.message).toBe('add: shapes [2,3] and [4,3] cannot be broadcast (dim 0: 2 vs 4)');
    expect(byWhat.add!.name).toBe('ShapeError');
    expect(byWhat.matmul!.message).toBe('matmul: inner dimensions differ: [2,3] @ [2,3] (3 vs 2)');
    expect(byWhat['exp int']!.name).toBe('DTypeError');
    expect(byWhat['exp int']!.message).toContain('exp: expected float32, got int32 [2] int32');
    expect(byWhat.disposed!.name).toBe('DisposedError');
    expect(byWhat.disposed!.message).toContain('mul: first operand [3] float32 was used after dispose()');
    expect(byWhat.reshape!.message).toContain('reshape: cannot reshape [2,3] (6 elements) to [4,2]');
    expect(byWhat['sum dim']!.message).toContain('sum: dim 2 is out of range for a tensor of rank 2');
    expect(byWhat.concat!.message).toContain('concat:');
    expect(byWhat.permute!.message).toContain('permute: repeated dim');
    expect(byWhat.backward!.message).toContain('does not require grad');
    for (const r of out.results) {
      expect(r.name, r.what).not.toBe('none');
      expect(r.dispatched, `${r.what} recorded GPU work before failing`).toBe(0);
    }
    expectAllClose(out.after, [11, 22, 33, 14, 25, 36]);
  });

  it('refuses tensors from a previous device after init() again', async () => {
    const out = await gpu.run(async (E) => {
      const old = E.tensor([1, 2, 3]);
      await E.init();
      let message = '';
      try {
        E.add(old, 1);
      } catch (e) {
        message = `${(e as Error).name}: ${(e as Error).message}`;
      }
      const fresh = Array.from(await E.add(E.tensor([1, 2, 3]), 1).data());
      return { message, fresh };
    });
    expect(out.message).toContain('DisposedError');
    expect(out.message).toContain('another device');
    expectAllClose(out.fresh, [2, 3, 4]);
  });

  it('reports a lost device on the next call, and init() recovers', async () => {
    const out = await gpu.run(async (E) => {
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter!.requestDevice();
      await E.init({ device }); // the app's own device: the engine does not own it
      const before = Array.from(await E.tensor([1, 2]).mul(2).data());
      device.destroy();
      await device.lost;
      let message = '';
      try {
        E.tensor([1, 2]);
      } catch (e) {
        message = `${(e as Error).name}: ${(e as Error).message}`;
      }
      await E.init();
      const after = Array.from(await E.tensor([1, 2]).mul(3).data());
      return { before, message, after };
    });
    expectAllClose(out.before, [2, 4]);
    expect(out.message).toMatch(/^DeviceError: .*lost.*init\(\)/);
    expectAllClose(out.after, [3, 6]);
  });
});
