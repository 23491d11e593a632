// The GPU harness itself: the page has WebGPU, raw compute works, values and errors cross intact.
// Uses only navigator.gpu and the in-page helpers, not the engine.

import { describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';
import { randomArray } from '../harness/cpu.ts';

const gpu = useGpuPage();

describe('headless WebGPU page', () => {
  it('has a WebGPU adapter', async () => {
    const info = await gpu.run(async () => {
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) throw new Error('no adapter');
      return { vendor: adapter.info.vendor, features: [...adapter.features] };
    });
    expect(typeof info.vendor).toBe('string');
    expect(Array.isArray(info.features)).toBe(true);
  });

  it('runs an inline compute shader that doubles an array', async () => {
    const input = randomArray(1000, 7);
    const out = await gpu.run(async (_E, _H, data: Float32Array<ArrayBuffer>) => {
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter!.requestDevice();
      const module = device.createShaderModule({
        code: /* wgsl */ `
          @group(0) @binding(0) var<storage, read_write> values: array<f32>;
          @compute @workgroup_size(64)
          fn main(@builtin(global_invocation_id) id: vec3u) {
            if (id.x < arrayLength(&values)) { values[id.x] = 2.0 * values[id.x]; }
          }`,
      });
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const storage = device.createBuffer({
        size: data.byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      const readback = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(storage, 0, data);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: storage } }] }));
      pass.dispatchWorkgroups(Math.ceil(data.length / 64));
      pass.end();
      encoder.copyBufferToBuffer(storage, 0, readback, 0, data.byteLength);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const result = new Float32Array(readback.getMappedRange().slice(0));
      readback.unmap();
      device.destroy();
      return result;
    }, input);
    expect(out).toBeInstanceOf(Float32Array);
    expectAllClose(out, input.map((x) => 2 * x), { atol: 0, rtol: 0 });
  });

  it('produces the same seeded data as Node', async () => {
    const inPage = await gpu.run((_E, H, n: number, seed: number) => H.randomArray(n, seed), 64, 123);
    expect(Array.from(inPage)).toEqual(Array.from(randomArray(64, 123)));
  });

  it('carries NaN, infinities, -0 and typed arrays both ways', async () => {
    const back = await gpu.run((_E, _H, x: { a: number[]; t: Int32Array }) => ({ ...x, extra: [NaN, -0] }), {
      a: [NaN, Infinity, -Infinity, 1.5],
      t: new Int32Array([1, -2]),
    });
    expect(back.a).toEqual([NaN, Infinity, -Infinity, 1.5]);
    expect(back.t).toEqual(new Int32Array([1, -2]));
    expect(Object.is(back.extra[1], -0)).toBe(true);
    expect(await gpu.run(() => undefined)).toBeUndefined();
  });

  it('rethrows page errors with their name and message', async () => {
    await expect(
      gpu.run(() => {
        throw new RangeError('matmul: inner dimensions differ: [2,3] @ [4,5]');
      }),
    ).rejects.toThrow('RangeError: matmul: inner dimensions differ: [2,3] @ [4,5]');

    await expect(
      gpu.run(async () => {
        class ShapeError extends Error {
          override name = 'ShapeError';
        }
        await Promise.resolve();
        throw new ShapeError('reshape: [6] to [4]');
      }),
    ).rejects.toMatchObject({ name: 'PageError', pageErrorName: 'ShapeError', message: 'ShapeError: reshape: [6] to [4]' });
  });

  it("runs functions whose source calls esbuild's __name helper (keepNames)", async () => {
    // What esbuild-based transforms make of a named inner function; Node has no __name, the page does.
    const fn = new Function('E', 'H', 'const twice = __name((x) => 2 * x, "twice"); return twice(21);');
    expect(await gpu.run(fn as () => number)).toBe(42);
  });

  it('explains a function that uses a variable of the test file', async () => {
    const outside = 3;
    await expect(gpu.run(() => outside)).rejects.toThrow(/ReferenceError: .*pass values from the caller as arguments/);
  });
});
