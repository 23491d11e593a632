// init()'s adapter choice (adapter.ts) without a GPU: a core adapter first, a compatibility one when there is none,
// and a clear DeviceError naming each limit an adapter offers below what the kernels need (compatibility mode's
// defaults: 4 storage buffers, 128 invocations). That compatibility mode runs the kernels is `npm run test:gles`.

import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors.ts';
import { ENGINE_NEEDS, requestEngineAdapter } from './adapter.ts';

/** A GPU whose requestAdapter answers from `byLevel` ('core' when featureLevel is absent) and records the asks. */
function fakeGpu(byLevel: Record<string, Partial<GPUSupportedLimits> | null>): { gpu: GPU; asked: GPURequestAdapterOptions[] } {
  const asked: GPURequestAdapterOptions[] = [];
  const gpu = {
    requestAdapter: async (options: GPURequestAdapterOptions = {}) => {
      asked.push(options);
      const limits = byLevel[options.featureLevel ?? 'core'];
      return limits ? ({ limits } as GPUAdapter) : null;
    },
  } as unknown as GPU;
  return { gpu, asked };
}

const COMPAT_DEFAULTS = { ...ENGINE_NEEDS, maxStorageBuffersPerShaderStage: 4, maxComputeInvocationsPerWorkgroup: 128 };

describe('requestEngineAdapter', () => {
  it('takes the core adapter when there is one', async () => {
    const { gpu, asked } = fakeGpu({ core: { ...ENGINE_NEEDS }, compatibility: { ...ENGINE_NEEDS } });
    const adapter = await requestEngineAdapter(gpu, 'high-performance');
    expect(adapter.limits.maxStorageBuffersPerShaderStage).toBe(8);
    expect(asked).toEqual([{ powerPreference: 'high-performance' }]);
  });

  it('falls back to a compatibility adapter that offers enough (Dawn on OpenGL ES offers 16 storage buffers)', async () => {
    const { gpu, asked } = fakeGpu({ core: null, compatibility: { ...ENGINE_NEEDS, maxStorageBuffersPerShaderStage: 16 } });
    const adapter = await requestEngineAdapter(gpu, undefined);
    expect(adapter.limits.maxStorageBuffersPerShaderStage).toBe(16);
    expect(asked).toEqual([{}, { featureLevel: 'compatibility' }]);
  });

  it('names every limit an adapter offers below what the kernels need', async () => {
    const { gpu } = fakeGpu({ core: null, compatibility: COMPAT_DEFAULTS });
    const err = await requestEngineAdapter(gpu, undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as Error).message).toBe(
      "init: this WebGPU adapter offers less than the engine's kernels need: " +
        'maxStorageBuffersPerShaderStage 4 (needs 8), maxComputeInvocationsPerWorkgroup 128 (needs 256)',
    );
  });

  it('says when there is no adapter at all', async () => {
    const { gpu } = fakeGpu({ core: null, compatibility: null });
    await expect(requestEngineAdapter(gpu, undefined)).rejects.toThrow(/^init: no WebGPU adapter was found$/);
  });
});
