// Which adapter init() takes, and whether the engine can run on it. A core adapter first; where there is none
// (WebGPU's compatibility mode: OpenGL ES 3.1 and Direct3D 11 devices, e.g. Dawn's OpenGL ES backend), a
// compatibility adapter. The engine uses compute only (no textures, no vertex stage), so compatibility mode's
// restrictions do not touch it, except its lower default limits: init() asks for what the adapter offers, and
// refuses, naming the limit, an adapter that offers less than the kernels need (WebGPU's core defaults).

import { DeviceError } from '../errors.ts';

/**
 * The least the engine's kernels need: 8 storage buffers in one kernel (BatchNorm's backward pass, the Adam
 * step), 256-thread workgroups (16 × 16 tiles, 256-wide reductions), 16 KiB of workgroup memory (the
 * tiled matmul and conv kernels). All are WebGPU's core defaults; a compatibility device's defaults are lower.
 */
export const ENGINE_NEEDS = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupStorageSize: 16384,
} as const satisfies Partial<Record<keyof GPUSupportedLimits, number>>;

/** A core adapter, else a compatibility one; throws a DeviceError when there is none or it offers too little. */
export async function requestEngineAdapter(gpu: GPU, powerPreference: GPUPowerPreference | undefined): Promise<GPUAdapter> {
  const options: GPURequestAdapterOptions = powerPreference ? { powerPreference } : {};
  const adapter = (await gpu.requestAdapter(options)) ?? (await gpu.requestAdapter({ ...options, featureLevel: 'compatibility' }));
  if (!adapter) throw new DeviceError('init: no WebGPU adapter was found');
  const short = Object.entries(ENGINE_NEEDS).filter(([k, need]) => (adapter.limits[k as keyof GPUSupportedLimits] as number) < need);
  if (short.length > 0) {
    const what = short.map(([k, need]) => `${k} ${String(adapter.limits[k as keyof GPUSupportedLimits])} (needs ${need})`).join(', ');
    throw new DeviceError(`init: this WebGPU adapter offers less than the engine's kernels need: ${what}`);
  }
  return adapter;
}
