// Reliability (issue 9): no silent wrong result, no lost work, no leak on an error path. Each test asserts the
// error class and message (or the exact value) and that the engine computes correctly right after.

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

describe('reliability', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('1. a tensor past the device limits throws synchronously, records nothing, and loses no recorded work', async () => {
    const out = await gpu.run(async (E, H) => {
      const limits = E.engineInfo().limits;
      const w = E.tensor([1, 2, 3, 4]);
      E.addInto(w, E.tensor([10, 10, 10, 10])); // an "optimizer step" recorded before the bad request
      const y = w.mul(2);
      const before = E.memoryStats();
      const [column, row] = [E.keep(E.zeros([65536, 1])), E.zeros([1, 65536])];
      const tries: Array<[string, () => unknown]> = [
        ['zeros', () => E.zeros([Math.floor(limits.maxBufferSize / 4) + 64])],
        ['broadcast', () => E.add(column, row)],
        ['elements', () => E.ones([2 ** 31])],
      ];
      const caught: Array<{ what: string; name: string; message: string }> = [];
      for (const [what, fn] of tries) {
        try {
          H.noLeak(E, fn);
          caught.push({ what, name: 'none', message: '' });
        } catch (e) {
          caught.push({ what, name: (e as Error).name, message: (e as Error).message });
        }
      }
      const mid = E.memoryStats();
      column.dispose();
      row.dispose();
      const values = Array.from(await y.data());
      const wValues = Array.from(await w.data());
      return { caught, dispatched: mid.dispatches - before.dispatches - 2, values, wValues, limits };
    });
    const [zeros, broadcast, elements] = out.caught;
    expect(zeros!.name).toBe('ResourceError');
    expect(zeros!.message).toMatch(
      /^full: a \[\d+\] float32 tensor \(.+\) (exceeds this device's (maxBufferSize|maxStorageBufferBindingSize)|has \d+ elements)/,
    );
    expect(broadcast!.name).toBe('ResourceError');
    expect(broadcast!.message).toMatch(/^add: a \[65536,65536\] float32 tensor \(16 GiB\) (has 4294967296 elements|exceeds)/);
    expect(elements!.name).toBe('ResourceError');
    expect(elements!.message).toContain('full: a [2147483648] float32 tensor (8 GiB) has 2147483648 elements; the engine\'s kernels index at most 2147483647');
    // Only the two fills of the broadcast operands ran (zeros [65536,1] and [1,65536]); nothing for the failures.
    expect(out.dispatched).toBe(0);
    expectAllClose(out.values, [22, 24, 26, 28]);
    expectAllClose(out.wValues, [11, 12, 13, 14]);
  });

  it('1. an allocation that fails asynchronously is quarantined and named at the next readback', async () => {
    const out = await gpu.run(async (E, H) => {
      const device = E.engineDevice();
      const create = device.createBuffer.bind(device);
      let sabotage = true;
      // A real out-of-memory cannot be provoked safely here; an invalid usage fails the same way (the buffer
      // object comes back, the error arrives later through the engine's error scope).
      device.createBuffer = (d: GPUBufferDescriptor) => {
        if (sabotage && d.label?.startsWith('pool-')) {
          sabotage = false;
          return create({ ...d, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
        }
        return create(d);
      };
      const x = E.ones([777]); // a size class nothing else uses: a fresh buffer
      const y = x.mul(2);
      let message = '';
      try {
        await H.noLeak(E, () => y.data());
      } catch (e) {
        message = `${(e as Error).name}: ${(e as Error).message}`;
      }
      device.createBuffer = create;
      const quarantined = E.memoryStats().quarantined;
      x.dispose();
      y.dispose();
      const after = Array.from(await E.ones([777]).mul(3).data());
      // A synchronous browser exception from createBuffer becomes the engine's error class.
      device.createBuffer = () => {
        throw new TypeError('simulated createBuffer failure');
      };
      let thrown = '';
      try {
        H.noLeak(E, () => E.zeros([5000]));
      } catch (e) {
        thrown = `${(e as Error).name}: ${(e as Error).message}`;
      }
      device.createBuffer = create;
      const again = Array.from(await E.tensor([1, 2]).add(1).data());
      return { message, quarantined, after: after.every((v) => v === 3) && after.length === 777, thrown, again };
    });
    expect(out.message).toMatch(/^ResourceError: allocating 3\.\d+ KiB of GPU memory for the output of fill failed \(WebGPU validation error\): /);
    expect(out.message).toMatch(/and \d+ more WebGPU errors? after it/);
    expect(out.quarantined).toBe(1);
    expect(out.after).toBe(true);
    expect(out.thrown).toBe('ResourceError: allocating 20 KiB of GPU memory failed: TypeError: simulated createBuffer failure');
    expectAllClose(out.again, [2, 3]);
  });

  it('2. class indices are checked on the GPU: the next readback or sync() throws IndexError naming the op', async () => {
    const out = await gpu.run(async (E, H) => {
      const logits = E.tensor([[1, 2, 3, 4, 5], [0, 0, 1, 0, 0]]);
      const errorOf = async (fn: () => Promise<unknown>): Promise<string> => {
        try {
          await H.noLeak(E, fn);
          return 'none';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      // The loss (and its targets) of a rejected readback are the caller's: made before, disposed after.
      const lossError = async (targets: number[]): Promise<string> => {
        const t = E.tensor(targets, undefined, { dtype: 'int32' });
        const l = E.crossEntropy(logits, t);
        const message = await errorOf(() => l.item());
        l.dispose();
        t.dispose();
        return message;
      };
      const badTargets = E.tensor([1, 7], undefined, { dtype: 'int32' });
      const submits0 = E.memoryStats().submits;
      const bad = E.crossEntropy(logits, badTargets);
      const recorded = E.memoryStats().submits - submits0; // no submit while recording
      const high = await errorOf(() => bad.item());
      const submitsForRead = E.memoryStats().submits - submits0;
      const negative = await lossError([-1, 0]);
      const ignored = await lossError([-100, 2]);
      E.oneHot(E.tensor([0, 3], undefined, { dtype: 'int32' }), 3);
      const viaSync = await errorOf(() => E.sync());
      const good = await E.crossEntropy(logits, E.tensor([4, 2], undefined, { dtype: 'int32' })).item();
      const hot = Array.from(await E.oneHot(E.tensor([2, 0], undefined, { dtype: 'int32' }), 3).data());
      let host = '';
      try {
        H.noLeak(E, () => E.internal.checkHostIndices('labels', [0, 4, 5], 5, -100));
      } catch (e) {
        host = `${(e as Error).name}: ${(e as Error).message}`;
      }
      return { recorded, submitsForRead, high, negative, ignored, viaSync, good, hot, host };
    });
    expect(out.recorded).toBe(0);
    expect(out.submitsForRead).toBe(1);
    const tail = 'Found on the GPU; the steps recorded before this readback already ran with the bad indices.';
    expect(out.high).toBe(`IndexError: crossEntropy: class index 7 is out of range: valid indices are [0, 5) (or the ignore index -100). ${tail}`);
    expect(out.negative).toBe(`IndexError: crossEntropy: class index -1 is out of range: valid indices are [0, 5) (or the ignore index -100). ${tail}`);
    expect(out.ignored).toBe('none');
    expect(out.viaSync).toBe(`IndexError: oneHot: class index 3 is out of range: valid indices are [0, 3). ${tail}`);
    const lse = (r: number[]): number => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    expectAllClose([out.good], [((lse([1, 2, 3, 4, 5]) - 5) + (lse([0, 0, 1, 0, 0]) - 1)) / 2]);
    expectAllClose(out.hot, [0, 0, 1, 1, 0, 0]);
    expect(out.host).toBe('IndexError: labels: class index 5 at position 2 is out of range: valid indices are [0, 5) (or the ignore index -100)');
  });

  it('3. crossEntropy with a -inf logit of a wrong class is finite, with a finite gradient', async () => {
    const out = await gpu.run(async (E) => {
      const x = E.tensor([[2, -Infinity, 0.5], [-Infinity, 1, 1]], undefined, { requiresGrad: true });
      const loss = E.crossEntropy(x, E.tensor([0, 2], undefined, { dtype: 'int32' }));
      loss.backward();
      return { loss: await loss.item(), grad: Array.from(await x.grad!.data()) };
    });
    const p0 = [Math.exp(2), 0, Math.exp(0.5)];
    const s0 = p0[0]! + p0[2]!;
    const want = (-Math.log(Math.exp(2) / s0) - Math.log(0.5)) / 2;
    expectAllClose([out.loss], [want]);
    expectAllClose(out.grad, [(p0[0]! / s0 - 1) / 2, 0, p0[2]! / s0 / 2, 0, 0.25, (0.5 - 1) / 2]);
  });

  it('4. state is checked: state dicts, hand-set gradients, disposed tensors in backward, optimizers and losses', async () => {
    const out = await gpu.run(async (E, H) => {
      const errorOf = (fn: () => unknown): string => {
        try {
          H.noLeak(E, fn);
          return 'none';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      const model = new E.nn.Linear(3, 2);
      const stateDict = errorOf(() =>
        model.loadStateDict({
          weight: { dtype: 'float32', shape: [2, 3], data: new Float32Array(5) },
          bias: { dtype: 'float32', shape: [2], data: new Float32Array(2) },
        }),
      );
      const w = model.weight;
      const [wrongShape, wrongDtype] = [E.zeros([3, 2]), E.zeros([2, 3], { dtype: 'int32' })];
      const gradShape = errorOf(() => (w.grad = wrongShape));
      const gradDtype = errorOf(() => (w.grad = wrongDtype));
      wrongShape.dispose();
      wrongDtype.dispose();
      const x = E.tensor([1, 2], undefined, { requiresGrad: true });
      const y = x.mul(3).sum();
      y.dispose();
      const backward = errorOf(() => y.backward());
      const gone = E.tensor([1, 2], undefined, { requiresGrad: true });
      gone.dispose();
      const construct = errorOf(() => new E.optim.SGD([gone], { lr: 0.1 }));
      const p = E.tensor([1, 2], undefined, { requiresGrad: true });
      const opt = new E.optim.Adam([p], { lr: 0.1 });
      p.dispose();
      const step = errorOf(() => opt.step());
      opt.dispose();
      const logits = E.tensor([[1, 2]]);
      logits.dispose();
      const zero = E.tensor([0], undefined, { dtype: 'int32' });
      const loss = errorOf(() => E.crossEntropy(logits, zero));
      zero.dispose();
      const mse = errorOf(() => E.mseLoss(logits, logits));
      w.grad = E.ones([2, 3]); // the right shape is accepted
      const after = Array.from(await w.grad.add(1).data());
      model.dispose();
      return { stateDict, gradShape, gradDtype, backward, construct, step, loss, mse, after };
    });
    expect(out.stateDict).toContain('StateDictError: loadStateDict: the state dict does not fit Linear:');
    expect(out.stateDict).toContain('"weight": host data has 5 values, its shape [2,3] needs 6');
    expect(out.gradShape).toBe('ShapeError: grad: assigned gradient has shape [3,2], the tensor "weight" [2,3] float32 has [2,3]');
    expect(out.gradDtype).toBe('DTypeError: grad: assigned gradient has dtype int32, the tensor "weight" [2,3] float32 has float32');
    expect(out.backward).toBe('DisposedError: backward: tensor [] float32 was used after dispose()');
    expect(out.construct).toBe('DisposedError: SGD: parameter [2] float32 was disposed');
    expect(out.step).toBe(
      'DisposedError: Adam.step: parameter [2] float32 of group 0 was disposed; remove it from paramGroups[0].params or make a new optimizer',
    );
    expect(out.loss).toBe('DisposedError: crossEntropy: input was disposed');
    expect(out.mse).toBe('DisposedError: mseLoss: input was disposed');
    expectAllClose(out.after, [2, 2, 2, 2, 2, 2]);
  });

  it('5. errors leak nothing: tidy frees on throw and refuses async; noGrad refuses async; failing ops free what they made', async () => {
    const out = await gpu.run(async (E, H) => {
      const errorOf = (fn: () => unknown): string => {
        try {
          H.noLeak(E, fn);
          return 'none';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      const x = E.tensor([1, 2, 3]);
      const a9 = E.zeros([1, 1, 1, 1, 1, 1, 1, 1, 2]);
      const b9 = E.zeros([1, 1, 1, 1, 1, 1, 1, 2, 1]);
      const base = E.memoryStats().inUse;
      const thrown = errorOf(() =>
        E.tidy(() => {
          x.exp().add(1);
          throw new Error('user code failed');
        }),
      );
      const afterThrow = E.memoryStats().inUse - base;
      const asyncTidy = errorOf(() => E.tidy((async () => x.exp()) as never));
      const promiseTidy = errorOf(() => E.tidy(() => Promise.resolve(x.exp()) as never));
      const afterAsync = E.memoryStats().inUse - base;
      const asyncNoGrad = errorOf(() => E.noGrad((async () => x.exp()) as never));
      const gradMode = E.isGradEnabled();
      const nineDims = errorOf(() => E.add(a9, b9));
      const afterOp = E.memoryStats().inUse - base;
      const value = Array.from(await E.tidy(() => x.mul(2)).data());
      return { thrown, afterThrow, asyncTidy, promiseTidy, afterAsync, asyncNoGrad, gradMode, nineDims, afterOp, value };
    });
    expect(out.thrown).toBe('Error: user code failed');
    expect(out.afterThrow).toBe(0);
    const tidyAsync = 'TypeError: tidy: the function must be synchronous (GPU work is recorded, not awaited); read results after tidy returns';
    expect(out.asyncTidy).toBe(tidyAsync);
    expect(out.promiseTidy).toBe(tidyAsync);
    expect(out.afterAsync).toBe(0);
    expect(out.asyncNoGrad).toMatch(/^TypeError: noGrad: the function must be synchronous/);
    expect(out.gradMode).toBe(true);
    expect(out.nineDims).toBe('ShapeError: add: at most 8 dims are supported, got [1,1,1,1,1,1,1,2,2]');
    expect(out.afterOp).toBe(0);
    expectAllClose(out.value, [2, 4, 6]);
  });

  it('7. memory is steady: uploads every step reuse memory, batches are bounded, peak memory is reported', async () => {
    const out = await gpu.run(async (E) => {
      const w = E.randn([8, 4], { seed: 3, std: 0.3, requiresGrad: true });
      const live: number[] = [];
      let loss = 0;
      let stepBase = 0;
      for (let step = 0; step < 40; step++) {
        const xb = E.randn([16, 8], { seed: 100 + step }); // a fresh upload every step
        E.resetPeakMemory();
        stepBase = E.memoryStats().inUseBytes;
        const l = E.tidy(() => E.matmul(xb, w).tanh().pow(2).mean());
        l.backward();
        E.noGrad(() => E.addInto(w, w.grad!, -0.1));
        w.grad!.dispose();
        w.grad = null;
        xb.dispose();
        if (step % 10 === 9) loss = await l.item(); // read every 10 steps only
        l.dispose();
        live.push(E.memoryStats().live);
      }
      const peak = E.memoryStats().peakInUseBytes - stepBase; // the last step's peak above what lived before it
      // A long recording with no readback is submitted in bounded batches.
      await E.sync();
      await new Promise((resolve) => setTimeout(resolve, 0));
      const s0 = E.memoryStats().submits;
      let t = E.zeros([4]);
      for (let i = 0; i < E.internal.MAX_BATCH_COMMANDS * 2 + 10; i++) {
        const next = t.add(1);
        t.dispose();
        t = next;
      }
      const autoSubmits = E.memoryStats().submits - s0;
      const liveAfterLong = E.memoryStats().live;
      const final = Array.from(await t.data());
      return { live, loss, peak, autoSubmits, liveAfterLong, final };
    });
    expect(out.live.slice(5).every((n) => n === out.live[4])).toBe(true);
    expect(Number.isFinite(out.loss)).toBe(true);
    expect(out.peak).toBeGreaterThan(0);
    expect(out.peak).toBeLessThan(64 * 1024);
    expect(out.autoSubmits).toBeGreaterThanOrEqual(2);
    expectAllClose(out.final, Array(4).fill(2 * 1024 + 10));
  });

  it('8. device loss and shutdown: pending readbacks and later calls throw DeviceError; old objects dispose quietly', async () => {
    const out = await gpu.run(async (E, H) => {
      const errorOf = async (fn: () => unknown): Promise<string> => {
        try {
          await H.noLeak(E, fn);
          return 'none';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      // An app's device destroyed while a readback is pending.
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter!.requestDevice();
      await E.init({ device });
      const same = E.engineDevice() === device;
      const a = E.tensor([1, 2, 3]);
      const pending = a.mul(2).data();
      device.destroy();
      const pendingError = await errorOf(() => pending);
      await device.lost;
      const afterLost = [
        await errorOf(() => E.tensor([1])),
        await errorOf(() => a.add(1)),
        await errorOf(() => a.reshape(3, 1)),
        await errorOf(() => E.sync()),
      ];
      // The engine's own device, shut down while a readback is pending.
      await E.init();
      const model = new E.nn.Linear(2, 2);
      const opt = new E.optim.Adam(model, { lr: 0.1 });
      const b = E.tensor([4, 5]);
      const pending2 = b.add(1).data();
      E.shutdown();
      const shutdownError = await errorOf(() => pending2);
      const afterShutdown = await errorOf(() => E.zeros([2]));
      await E.init();
      const before = E.memoryStats();
      const quiet = await errorOf(() => {
        b.dispose();
        opt.dispose();
        model.dispose();
      });
      const leaked = E.memoryStats().inUse - before.inUse;
      const fresh = Array.from(await E.tensor([1, 2]).mul(3).data());
      return { same, pendingError, afterLost, shutdownError, afterShutdown, quiet, leaked, fresh };
    });
    expect(out.same).toBe(true);
    expect(out.pendingError).toMatch(/^DeviceError: readback: the (GPU device was lost|engine was shut down)|^DeviceError: readback failed: AbortError/);
    for (const m of out.afterLost) expect(m).toMatch(/^DeviceError: (\w+: )?the GPU device was lost \(destroyed: .*\); call `await init\(\)` again$/);
    expect(out.shutdownError).toMatch(/^DeviceError: readback: the engine was shut down or re-initialized while it was pending \((AbortError|OperationError)/);
    expect(out.afterShutdown).toBe('DeviceError: no device: call `await init()` first');
    expect(out.quiet).toBe('none');
    expect(out.leaked).toBe(0);
    expectAllClose(out.fresh, [3, 6]);
  });
});
