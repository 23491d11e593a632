// Bad input: a clear error naming the op and the shapes, thrown synchronously before any GPU work, and the
// engine keeps computing correctly afterwards. A rejected call leaves no buffer behind (H.noLeak, the leaks the
// held-out probes found: stack, a Sequential's 2nd layer, matmul past the workgroup limit, requiresGrad on int32,
// argmax of an empty tensor, a hand-set gradient), and int32 data out of range is refused at creation as PyTorch
// refuses it (tensor, full, arange, a state dict's host values).

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
    const out = await gpu.run(async (E, H) => {
      const a = E.tensor([[1, 2, 3], [4, 5, 6]]);
      const b = E.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]]);
      const short = E.tensor([1, 2]);
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
        ['concat', () => E.concat([a, short], 0)],
        ['permute', () => a.permute(0, 0)],
        ['backward', () => total.backward()],
      ];
      const results: Array<{ what: string; name: string; message: string; dispatched: number }> = [];
      for (const [what, fn] of attempts) {
        const before = E.memoryStats().dispatches;
        try {
          H.noLeak(E, fn);
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

  it('leaves no buffer behind when it rejects a call (the leaks the held-out probes found)', async () => {
    const out = await gpu.run(async (E, H) => {
      const { nn } = E;
      const attempt = async (fn: () => unknown): Promise<string> => {
        try {
          await H.noLeak(E, fn);
          return 'no error';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      const a = E.zeros([2]);
      const b = E.zeros([3]);
      const x = E.zeros([4, 3]);
      const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(5, 2));
      const row = E.zeros([1, 1]);
      const wide = E.zeros([1, 1_300_000]); // 5.2 MB: [1, 1] @ [1, 1.3M] needs 81,250 workgroups of 16 columns
      const empty = E.zeros([0]);
      const p = new nn.Parameter(E.zeros([2, 3]));
      const grads = [E.zeros([3, 2]), E.zeros([5]), E.zeros([2, 3], { dtype: 'int32' })];
      const bn = new nn.BatchNorm1d(2);
      const errors = {
        stack: await attempt(() => E.stack([a, b])),
        sequential: await attempt(() => model.forward(x)),
        sequentialNoGrad: await attempt(() => E.noGrad(() => model.forward(x))),
        // v1's grid (16 columns a workgroup) is what the probe found; the GPU rules' matrix–vector v5 takes this shape.
        matmulGrid: await attempt(() => E.extend.kernelVersions.using({ matmul: 'v1' }, () => E.matmul(row, wide))),
        requiresGradInt: await attempt(() => E.tensor([1, 2], undefined, { dtype: 'int32', requiresGrad: true })),
        fullInt: await attempt(() => E.full([2], 1, { dtype: 'int32', requiresGrad: true })),
        argmaxEmpty: await attempt(() => E.argmax(empty)),
        argminEmptyDim: await attempt(() => E.argmin(empty, 0)),
        gradShape: await attempt(() => (p.grad = grads[0]!)),
        gradSize: await attempt(() => (p.grad = grads[1]!)),
        gradDtype: await attempt(() => (p.grad = grads[2]!)),
        int32Overflow: await attempt(() => E.tensor([3e9], [1], { dtype: 'int32' })),
        int32Underflow: await attempt(() => E.tensor([1, -2147483649], [2], { dtype: 'int32' })),
        int32FromFloat32Array: await attempt(() => E.tensor(Float32Array.of(1, 2 ** 31), [2], { dtype: 'int32' })),
        int32NotInteger: await attempt(() => E.tensor([1.5], [1], { dtype: 'int32' })),
        fullOverflow: await attempt(() => E.full([2], 2 ** 31, { dtype: 'int32' })),
        fullNotInteger: await attempt(() => E.full([2], 0.5, { dtype: 'int32' })),
        arangeOverflow: await attempt(() => E.arange(2147483646, 2147483649, 1, { dtype: 'int32' })),
        stateDictInt32: await attempt(() =>
          bn.loadStateDict({ num_batches_tracked: { dtype: 'int32', shape: [], data: Float32Array.of(3e9) } }, { strict: false }),
        ),
      };
      const ok = {
        int32Edges: await E.tensor([-2147483648, 2147483647], [2], { dtype: 'int32' }).toArray(),
        fullEdge: await E.full([1], -2147483648, { dtype: 'int32' }).toArray(),
      };
      for (const t of [a, b, x, row, wide, empty, p, ...grads]) t.dispose();
      model.dispose();
      bn.dispose();
      return { errors, ok };
    });
    const e = out.errors;
    expect(e.stack).toBe('ShapeError: stack: expected tensors of equal shape, got [2] at entry 0 and [3] at entry 1');
    expect(e.sequential).toBe('ShapeError: Linear "1": expected input [..., 5], got [4,4]');
    expect(e.sequentialNoGrad).toBe(e.sequential);
    expect(e.matmulGrid).toMatch(/^ShapeError: matmul: .*65535 workgroups/);
    expect(e.requiresGradInt).toMatch(/^DTypeError: .*only float32 tensors can require gradients/);
    expect(e.fullInt).toMatch(/^DTypeError: .*only float32 tensors can require gradients/);
    expect(e.argmaxEmpty).toBe('ShapeError: argmax: cannot reduce over an empty dim of [0]');
    expect(e.argminEmptyDim).toBe('ShapeError: argmin: cannot reduce over an empty dim of [0]');
    expect(e.gradShape).toMatch(/^ShapeError: grad: assigned gradient has shape \[3,2\]/);
    expect(e.gradSize).toMatch(/^ShapeError: grad: assigned gradient has shape \[5\]/);
    expect(e.gradDtype).toMatch(/^DTypeError: grad: assigned gradient has dtype int32/);
    // PyTorch refuses values an int32 cannot hold ("value cannot be converted to type int32_t without overflow").
    expect(e.int32Overflow).toBe('DTypeError: tensor: value 3000000000 at index 0 overflows int32 (range -2147483648 to 2147483647)');
    expect(e.int32Underflow).toBe('DTypeError: tensor: value -2147483649 at index 1 overflows int32 (range -2147483648 to 2147483647)');
    expect(e.int32FromFloat32Array).toBe('DTypeError: tensor: value 2147483648 at index 1 overflows int32 (range -2147483648 to 2147483647)');
    expect(e.int32NotInteger).toBe('DTypeError: tensor: int32 data must be integers, got 1.5 at index 0');
    expect(e.fullOverflow).toBe('DTypeError: full: value 2147483648 overflows int32 (range -2147483648 to 2147483647)');
    expect(e.fullNotInteger).toBe('DTypeError: full: int32 data must be integers, got 0.5');
    expect(e.arangeOverflow).toBe('DTypeError: arange: value 2147483648 at index 2 overflows int32 (range -2147483648 to 2147483647)');
    expect(e.stateDictInt32).toMatch(/^StateDictError: .*"num_batches_tracked": int32 host value 3000000000 at index 0 is not an integer an int32 holds/s);
    expect(out.ok.int32Edges).toEqual([-2147483648, 2147483647]);
    expect(out.ok.fullEdge).toEqual([-2147483648]);
  });

  it('refuses tensors from a previous device after init() again', async () => {
    const out = await gpu.run(async (E, H) => {
      const old = E.tensor([1, 2, 3]);
      await E.init();
      let message = '';
      try {
        H.noLeak(E, () => E.add(old, 1));
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
    const out = await gpu.run(async (E, H) => {
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter!.requestDevice();
      await E.init({ device }); // the app's own device: the engine does not own it
      const before = Array.from(await E.tensor([1, 2]).mul(2).data());
      device.destroy();
      await device.lost;
      let message = '';
      try {
        H.noLeak(E, () => E.tensor([1, 2]));
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
