// Embedding the engine in an app's WebGPU code: tensors over the app's buffers (fromGPUBuffer) and the
// buffers behind tensors (t.gpuBuffer()), the ordering contract with flush() in both directions, bad
// buffers reported clearly, extra usage flags, and the app's own GPU errors left to the app.

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

describe('GPU buffer interop', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('a tensor over an app buffer (with an offset) computes without a copy and leaves the buffer to the app', async () => {
    const out = await gpu.run(async (E) => {
      const device = E.engineDevice();
      const U = GPUBufferUsage;
      const buffer = device.createBuffer({ label: 'app-data', size: 512 + 16, usage: U.STORAGE | U.COPY_SRC | U.COPY_DST, mappedAtCreation: true });
      const mapped = new Float32Array(buffer.getMappedRange());
      mapped.set([9, 9, 9, 9], 0);
      mapped.set([1, 2, 3, 4], 512 / 4);
      buffer.unmap();
      const t = E.fromGPUBuffer(buffer, [2, 2], { offset: 512 });
      const range = t.gpuBuffer();
      const doubled = Array.from(await E.mul(t, 2).data());
      const own = Array.from(await t.data());
      t.dispose();
      // Still the app's: not destroyed by dispose(), so it can be read again through a new tensor.
      const again = Array.from(await E.fromGPUBuffer(buffer, [4]).data());
      return { sameBuffer: range.buffer === buffer, offset: range.offset, size: range.size, doubled, own, again };
    });
    expect(out).toMatchObject({ sameBuffer: true, offset: 512, size: 16 });
    expectAllClose(out.doubled, [2, 4, 6, 8]);
    expectAllClose(out.own, [1, 2, 3, 4]);
    expectAllClose(out.again, [9, 9, 9, 9]);
  });

  it('ordering: gpuBuffer() submits pending ops before the app reads; flush() before the app writes', async () => {
    const out = await gpu.run(async (E) => {
      const device = E.engineDevice();
      const U = GPUBufferUsage;
      const readBack = async (src: GPUBuffer, offset: number, size: number): Promise<number[]> => {
        const staging = device.createBuffer({ size, usage: U.MAP_READ | U.COPY_DST });
        const enc = device.createCommandEncoder();
        enc.copyBufferToBuffer(src, offset, staging, 0, size);
        device.queue.submit([enc.finish()]);
        await staging.mapAsync(GPUMapMode.READ);
        const values = Array.from(new Float32Array(staging.getMappedRange().slice(0)));
        staging.destroy();
        return values;
      };
      // Engine → app: an op still being recorded; the app's own submit after gpuBuffer() sees its result.
      const y = E.tensor([1, 2, 3]).mul(10);
      const submitsBefore = E.memoryStats().submits;
      const r = y.gpuBuffer();
      const submitted = E.memoryStats().submits - submitsBefore;
      const appSees = await readBack(r.buffer, r.offset, r.size);

      // App → engine: an op recorded before the app's write sees the old contents when flushed first…
      const buffer = device.createBuffer({ size: 16, usage: U.STORAGE | U.COPY_SRC | U.COPY_DST });
      device.queue.writeBuffer(buffer, 0, new Float32Array([1, 1, 1, 1]));
      const t = E.fromGPUBuffer(buffer, [4]);
      const before = t.add(1);
      E.flush();
      device.queue.writeBuffer(buffer, 0, new Float32Array([5, 6, 7, 8]));
      // …and ops recorded after the app's write see the new contents.
      const after = t.add(1);
      const beforeValues = Array.from(await before.data());
      const afterValues = Array.from(await after.data());
      // Without flush(), the app's write overtakes the recorded op (documented: ops see the buffer at the submit).
      const unflushed = t.mul(2);
      device.queue.writeBuffer(buffer, 0, new Float32Array([0, 0, 0, 0]));
      return { submitted, appSees, before: beforeValues, after: afterValues, unflushed: Array.from(await unflushed.data()) };
    });
    expect(out.submitted).toBe(1);
    expectAllClose(out.appSees, [10, 20, 30]);
    expectAllClose(out.before, [2, 2, 2, 2]);
    expectAllClose(out.after, [6, 7, 8, 9]);
    expectAllClose(out.unflushed, [0, 0, 0, 0]);
  });

  it('bad buffers are refused before any GPU work, naming the call, and the engine keeps working', async () => {
    const out = await gpu.run(async (E, H) => {
      const device = E.engineDevice();
      const U = GPUBufferUsage;
      const good = device.createBuffer({ label: 'good', size: 1024, usage: U.STORAGE | U.COPY_SRC | U.COPY_DST });
      const vertexOnly = device.createBuffer({ label: 'vertices', size: 1024, usage: U.VERTEX | U.COPY_DST });
      const dispatches = E.memoryStats().dispatches;
      const errorOf = (fn: () => unknown): string => {
        try {
          H.noLeak(E, fn);
          return 'no error';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      return {
        misaligned: errorOf(() => E.fromGPUBuffer(good, [4], { offset: 4 })),
        tooSmall: errorOf(() => E.fromGPUBuffer(good, [16, 16], { offset: 256 })),
        noStorage: errorOf(() => E.fromGPUBuffer(vertexOnly, [4])),
        notBuffer: errorOf(() => E.fromGPUBuffer({} as GPUBuffer, [4])),
        badDtype: errorOf(() => E.fromGPUBuffer(good, [4], { dtype: 'float16' as 'float32' })),
        typo: errorOf(() => E.fromGPUBuffer(good, [4], { ofset: 256 } as object)),
        align: device.limits.minStorageBufferOffsetAlignment,
        dispatched: E.memoryStats().dispatches - dispatches,
        after: Array.from(await E.tensor([1, 2]).add(1).data()),
      };
    });
    expect(out.misaligned).toBe(
      'EngineError: fromGPUBuffer(buffer "good", [4] float32): offset 4 must be a non-negative multiple of ' +
        `this device's minStorageBufferOffsetAlignment (${out.align} bytes)`,
    );
    expect(out.tooSmall).toBe(
      'ResourceError: fromGPUBuffer(buffer "good", [16,16] float32): needs 1024 bytes from offset 256 (1280 in all), but the buffer has 1024 bytes',
    );
    expect(out.noStorage).toContain(
      'fromGPUBuffer(buffer "vertices", [4] float32): the buffer\'s usage is COPY_DST | VERTEX; the engine needs STORAGE | COPY_SRC',
    );
    expect(out.notBuffer).toBe('TypeError: fromGPUBuffer: expected a GPUBuffer, got object');
    expect(out.badDtype).toBe("DTypeError: fromGPUBuffer: dtype must be 'float32' or 'int32', got float16");
    expect(out.typo).toContain('unknown option "ofset" (did you mean "offset"?)');
    expect(out.dispatched).toBe(0);
    expectAllClose(out.after, [2, 3]);
  });

  it('a destroyed buffer or one from another device fails at first use with an error naming the tensor', async () => {
    const out = await gpu.run(async (E, H) => {
      const device = E.engineDevice();
      const U = GPUBufferUsage;
      // The readback of `y` rejects; y is the caller's, made before and disposed after.
      const messageOf = async (y: InstanceType<typeof E.Tensor>): Promise<string> => {
        try {
          await H.noLeak(E, () => y.data());
          return 'no error';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        } finally {
          y.dispose();
        }
      };
      const gone = device.createBuffer({ label: 'gone', size: 16, usage: U.STORAGE | U.COPY_SRC });
      const t = E.fromGPUBuffer(gone, [4], { name: 'positions' });
      gone.destroy();
      const destroyed = await messageOf(E.add(t, 1));
      const ok1 = Array.from(await E.tensor([1, 2]).add(1).data());

      const adapter = await navigator.gpu.requestAdapter();
      const other = await adapter!.requestDevice();
      const foreignBuffer = other.createBuffer({ label: 'foreign', size: 16, usage: U.STORAGE | U.COPY_SRC });
      const f = E.fromGPUBuffer(foreignBuffer, [4]);
      const foreign = await messageOf(E.add(f, 1));
      other.destroy();
      const ok2 = Array.from(await E.tensor([1, 2]).add(2).data());
      return { destroyed, foreign, ok1, ok2 };
    });
    expect(out.destroyed).toMatch(/^DeviceError: WebGPU validation error in the engine's batch of \d+ commands \(ops: [^)]*add/);
    expect(out.destroyed).toContain(
      'it used app buffers (fromGPUBuffer(buffer "gone", "positions", [4] float32) at offset 0): one destroyed, or made on another device, fails like this',
    );
    expect(out.foreign).toMatch(/^DeviceError: WebGPU validation error in the engine's batch/);
    expect(out.foreign).toContain('fromGPUBuffer(buffer "foreign", [4] float32) at offset 0');
    expectAllClose(out.ok1, [2, 3]);
    expectAllClose(out.ok2, [3, 4]);
  });

  it('an optimizer refuses a parameter that lives in an app buffer', async () => {
    const message = await gpu.run(async (E, H) => {
      const device = E.engineDevice();
      const buffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      const w = E.fromGPUBuffer(buffer, [4], { name: 'w' });
      w.requiresGrad = true;
      try {
        H.noLeak(E, () => new E.optim.SGD([w], { lr: 0.1 }));
        return 'no error';
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    });
    expect(message).toContain('EngineError: SGD: parameter "w" [4] float32 lives in an app\'s GPU buffer (fromGPUBuffer)');
  });

  it("the app's own GPU errors stay the app's: its listener gets them and the engine's next call succeeds", async () => {
    const out = await gpu.run(async (E) => {
      const device = E.engineDevice();
      const appErrors: string[] = [];
      device.addEventListener('uncapturederror', (ev) => appErrors.push((ev as GPUUncapturedErrorEvent).error.message));
      const x = E.tensor([1, 2, 3]);
      const pending = x.mul(2); // recorded, not submitted: the batch stays open while the app fails
      await Promise.resolve();
      // The app's mistakes: an invalid buffer and a submit of a command buffer that uses it.
      const bad = device.createBuffer({ label: 'app-bad', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
      const enc = device.createCommandEncoder({ label: 'app-encoder' });
      enc.clearBuffer(bad);
      device.queue.submit([enc.finish()]);
      await new Promise((r) => setTimeout(r, 50));
      const values = Array.from(await pending.data());
      const more = Array.from(await E.add(x, 1).data());
      await E.sync();
      await new Promise((r) => setTimeout(r, 50));
      return { values, more, appErrors: appErrors.length, mentionsApp: appErrors.some((m) => m.includes('app-bad') || m.includes('app-encoder')) };
    });
    expectAllClose(out.values, [2, 4, 6]);
    expectAllClose(out.more, [2, 3, 4]);
    expect(out.appErrors).toBeGreaterThan(0);
    expect(out.mentionsApp).toBe(true);
  });

  it('init({ bufferUsage }) gives every tensor buffer extra usage flags (e.g. VERTEX); MAP_READ is refused', async () => {
    const out = await gpu.run(async (E, H) => {
      let refused = '';
      try {
        await H.noLeak(E, () => E.init({ bufferUsage: GPUBufferUsage.MAP_READ }));
      } catch (e) {
        refused = `${(e as Error).name}: ${(e as Error).message}`;
      }
      await E.init({ bufferUsage: GPUBufferUsage.VERTEX });
      const t = E.tensor([0, 0, 1, 0, 0, 1]).mul(0.5);
      const { buffer } = t.gpuBuffer();
      // The app binds the tensor as a vertex buffer in its own render pass: no validation error.
      const device = E.engineDevice();
      device.pushErrorScope('validation');
      const target = device.createTexture({ size: [4, 4], format: 'rgba8unorm', usage: GPUTextureUsage.RENDER_ATTACHMENT });
      const module = device.createShaderModule({
        code:
          '@vertex fn vs(@location(0) p: vec2f) -> @builtin(position) vec4f { return vec4f(p, 0, 1); }\n' +
          '@fragment fn fs() -> @location(0) vec4f { return vec4f(1); }',
      });
      const pipeline = device.createRenderPipeline({
        layout: 'auto',
        vertex: { module, entryPoint: 'vs', buffers: [{ arrayStride: 8, attributes: [{ shaderLocation: 0, offset: 0, format: 'float32x2' }] }] },
        fragment: { module, entryPoint: 'fs', targets: [{ format: 'rgba8unorm' }] },
      });
      const enc = device.createCommandEncoder();
      const pass = enc.beginRenderPass({ colorAttachments: [{ view: target.createView(), loadOp: 'clear', storeOp: 'store' }] });
      pass.setPipeline(pipeline);
      pass.setVertexBuffer(0, buffer);
      pass.draw(3);
      pass.end();
      device.queue.submit([enc.finish()]);
      const renderError = await device.popErrorScope();
      const values = Array.from(await t.data());
      await E.init();
      const plain = E.tensor([1]).gpuBuffer().buffer.usage;
      return {
        refused,
        vertex: (buffer.usage & GPUBufferUsage.VERTEX) !== 0,
        renderError: renderError?.message ?? null,
        values,
        plainVertex: (plain & GPUBufferUsage.VERTEX) !== 0,
      };
    });
    expect(out.refused).toBe(
      'TypeError: init: bufferUsage 0x1 has flags tensor buffers cannot carry (0x1: MAP_READ and MAP_WRITE cannot be combined with STORAGE)',
    );
    expect(out.vertex).toBe(true);
    expect(out.renderError).toBeNull();
    expectAllClose(out.values, [0, 0, 0.5, 0, 0, 0.5]);
    expect(out.plainVertex).toBe(false);
  });
});
