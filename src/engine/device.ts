// Which GPUDevice the engine runs on. `init()` binds it: navigator.gpu in a browser, the `webgpu` package in
// Node (pass its `gpu` object), or an app's own device (`init({ device })`, which the engine never destroys).
// Every tensor remembers the generation it was made in; a new `init()` or a lost device starts a new one, so a
// stale tensor is refused with a clear error instead of touching a foreign device.

import { DeviceError } from './errors.ts';

export interface InitOptions {
  /** Use this device (embedding in an app). The engine will not destroy it. */
  device?: GPUDevice;
  /** The GPU object to ask for an adapter: defaults to `navigator.gpu`; in Node pass `create([])` from `webgpu`. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
}

export interface EngineInfo {
  /** Adapter description as the browser reports it (vendor, architecture, description). */
  adapter: string;
  /** Whether GPU timestamps are available (for benchmarks). */
  timestampQuery: boolean;
  /** Whether subgroup operations are available (kernels may use them as an optional fast path). */
  subgroups: boolean;
  limits: { maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number; maxComputeInvocationsPerWorkgroup: number };
}

interface DeviceState {
  device: GPUDevice;
  owned: boolean;
  generation: number;
  lost: string | null;
  /** The first WebGPU validation error since the last readback (they arrive asynchronously). */
  gpuError?: string;
  info: EngineInfo;
}

let state: DeviceState | null = null;
let generationCounter = 0;
const resetHooks: Array<() => void> = [];

/** Modules that cache per-device objects (pipelines, pooled buffers) register here to be cleared on init. */
export function onDeviceReset(hook: () => void): void {
  resetHooks.push(hook);
}

function describeAdapter(adapter: GPUAdapter | null, device: GPUDevice): string {
  const info = adapter?.info ?? (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  if (!info) return 'unknown adapter';
  return [info.vendor, info.architecture, info.description].filter((s) => s).join(' / ') || 'unknown adapter';
}

export async function init(options: InitOptions = {}): Promise<EngineInfo> {
  if (state) {
    for (const hook of resetHooks) hook();
    if (state.owned && !state.lost) state.device.destroy();
    state = null;
  }
  let device = options.device;
  let adapter: GPUAdapter | null = null;
  const owned = !device;
  if (!device) {
    const gpu = options.gpu ?? (typeof navigator !== 'undefined' ? navigator.gpu : undefined);
    if (!gpu) throw new DeviceError('init: WebGPU is not available (no navigator.gpu); in Node pass { gpu } from the `webgpu` package');
    adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
    if (!adapter) throw new DeviceError('init: no WebGPU adapter was found');
    const requiredFeatures: GPUFeatureName[] = [];
    // timestamp-query: per-pass GPU times for the benchmarks. subgroups: optional fast paths in reductions.
    for (const f of ['timestamp-query', 'subgroups'] as GPUFeatureName[]) if (adapter.features.has(f)) requiredFeatures.push(f);
    const al = adapter.limits;
    device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        // Large tensors and flat parameter buffers: take as much as the adapter offers.
        maxStorageBufferBindingSize: al.maxStorageBufferBindingSize,
        maxBufferSize: al.maxBufferSize,
        // Tiled matmul/conv kernels keep A and B tiles in workgroup memory.
        maxComputeWorkgroupStorageSize: al.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: al.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: al.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupSizeY: al.maxComputeWorkgroupSizeY,
        // Kernels such as the optimizer step bind several inputs and outputs.
        maxStorageBuffersPerShaderStage: al.maxStorageBuffersPerShaderStage,
      },
    });
  }
  const generation = ++generationCounter;
  const info: EngineInfo = {
    adapter: describeAdapter(adapter, device),
    timestampQuery: device.features.has('timestamp-query'),
    subgroups: device.features.has('subgroups'),
    limits: {
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
    },
  };
  const s: DeviceState = { device, owned, generation, lost: null, info };
  state = s;
  void device.lost.then((lost) => {
    s.lost = `${lost.reason}: ${lost.message}`;
  });
  device.addEventListener('uncapturederror', (e) => {
    const message = (e as GPUUncapturedErrorEvent).error.message;
    console.error(`[engine] uncaptured WebGPU error: ${message}`);
    // Keep root causes only: "X is invalid due to a previous error" follows an error already reported.
    if (!message.includes('due to a previous error')) s.gpuError ??= message;
  });
  return info;
}

/** The bound device; throws if `init()` was not called or the device was lost. */
export function gpuDevice(): GPUDevice {
  if (!state) throw new DeviceError('no device: call `await init()` first');
  if (state.lost) throw new DeviceError(`the GPU device was lost (${state.lost}); call \`await init()\` again`);
  return state.device;
}

/**
 * Throws (once) the first WebGPU validation error reported since the last call. Readbacks call it, so a
 * kernel that failed to compile or bind surfaces as an exception instead of silently wrong numbers.
 */
export function throwPendingGpuError(): void {
  const message = state?.gpuError;
  if (!message || !state) return;
  delete state.gpuError;
  throw new DeviceError(`a WebGPU error occurred in recorded work: ${message}`);
}

export function currentGeneration(): number {
  return state?.generation ?? 0;
}

export function engineInfo(): EngineInfo {
  if (!state) throw new DeviceError('no device: call `await init()` first');
  return state.info;
}

/** Releases the device if the engine created it. Tensors made before become unusable. */
export function shutdown(): void {
  if (!state) return;
  for (const hook of resetHooks) hook();
  if (state.owned && !state.lost) state.device.destroy();
  state = null;
}

/**
 * WebGPU flag values, spelled out so that importing the engine does not need the GPUBufferUsage globals
 * (in Node they exist only after the `webgpu` package's globals are installed).
 */
export const Usage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;
export const SHADER_STAGE_COMPUTE = 0x4;
export const MAP_MODE_READ = 0x0001;
