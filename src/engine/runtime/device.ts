// Which GPUDevice the engine runs on. `init()` binds it: navigator.gpu in a browser, the `webgpu` package in
// Node (pass its `gpu` object), or an app's own device (`init({ device })`, which the engine never destroys).
// Every tensor remembers the generation it was made in; a new `init()` or a lost device starts a new one, so a
// stale tensor is refused with a clear error instead of touching a foreign device.
//
// This module acquires the device (adapter, features, limits), keeps it alive, and answers whether it is still
// live. What rides on top of it has its own module: the error scopes around the engine's calls
// (error-scopes.ts), the pipeline cache (pipelines.ts), the uniform arena (uniform-arena.ts), the pool
// (buffer-pool.ts); each registers with onDeviceReset to drop its per-device objects.

import { DeviceError } from '../errors.ts';
import { isNode, nodeNoAdapterMessage, openNodeAdapter } from './node-gpu.ts';
import { requestEngineAdapter } from './adapter.ts';

export interface InitOptions {
  /** Use this device (embedding in an app). The engine will not destroy it. */
  device?: GPUDevice;
  /**
   * The GPU object to ask for an adapter. Defaults to `navigator.gpu`; in Node without one, the `webgpu`
   * package is loaded (`create([])`). The engine keeps it (and the adapter) alive until shutdown() or the
   * next init(): in Node, a GPU object that is garbage-collected takes its devices down with it.
   */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /**
   * Usage flags every tensor buffer the engine creates carries besides STORAGE | COPY_SRC | COPY_DST, so
   * that an app can bind tensors (`t.gpuBuffer()`) in its own passes, e.g. `GPUBufferUsage.VERTEX`.
   * MAP_READ and MAP_WRITE cannot be combined with STORAGE and are refused.
   */
  bufferUsage?: number;
  /**
   * Which kernel rules the auto choices follow: 'gpu' (fill a GPU: WebGPU's default limits, 132 compute units
   * assumed) or 'cpu' (a CPU implementation of WebGPU: a few workgroups per core). Unset: the
   * WEBGPU_TENSOR_RULES environment variable in Node, else detected from the adapter. Tests force 'gpu' to
   * validate on SwiftShader every version a GPU would run.
   */
  rules?: RulesProfile;
}

/** The kernel rules a device runs under (see InitOptions.rules). */
export type RulesProfile = 'gpu' | 'cpu';

export interface EngineInfo {
  /** Adapter description as the browser reports it (vendor, architecture, description). */
  adapter: string;
  /** Whether GPU timestamps are available (for benchmarks). */
  timestampQuery: boolean;
  /** Whether subgroup operations are available (kernels may use them as an optional fast path). */
  subgroups: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number; maxComputeInvocationsPerWorkgroup: number };
  /** The kernel rules in force: InitOptions.rules, WEBGPU_TENSOR_RULES, or 'cpu' on a CPU adapter and 'gpu' elsewhere. */
  rules: RulesProfile;
}

/**
 * The limits the engine asks the adapter for, all it offers: large tensors and flat parameter buffers
 * (buffer and binding sizes), the tiled matmul/conv kernels' workgroup memory and sizes, and the kernels
 * that bind several inputs and outputs (the optimizer step). The first four are reported in EngineInfo.
 */
const REPORTED_LIMITS: ReadonlyArray<keyof EngineInfo['limits']> = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
];
const REQUIRED_LIMITS: ReadonlyArray<keyof GPUSupportedLimits> = [
  ...REPORTED_LIMITS,
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxStorageBuffersPerShaderStage',
];

const pickLimits = <K extends keyof GPUSupportedLimits>(limits: GPUSupportedLimits, names: readonly K[]): Record<K, number> =>
  Object.fromEntries(names.map((k) => [k, limits[k] as number])) as Record<K, number>;

interface DeviceState {
  device: GPUDevice;
  /** Held only to keep them alive (see InitOptions.gpu). */
  keepAlive: { gpu: GPU | undefined; adapter: GPUAdapter | null };
  owned: boolean;
  /** InitOptions.bufferUsage. */
  bufferUsage: number;
  generation: number;
  lost: string | null;
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

/** Usage flags a tensor buffer may carry besides the engine's own (all but MAP_READ / MAP_WRITE). */
const EXTRA_USAGE_ALLOWED = 0x0004 | 0x0008 | 0x0010 | 0x0020 | 0x0040 | 0x0080 | 0x0100 | 0x0200;

function checkBufferUsage(usage: unknown): number {
  if (usage === undefined) return 0;
  if (typeof usage !== 'number' || !Number.isInteger(usage) || usage < 0) {
    throw new TypeError(`init: bufferUsage must be GPUBufferUsage flags (a non-negative integer), got ${String(usage)}`);
  }
  const bad = usage & ~EXTRA_USAGE_ALLOWED;
  if (bad !== 0) {
    throw new TypeError(
      `init: bufferUsage 0x${usage.toString(16)} has flags tensor buffers cannot carry ` +
        `(0x${bad.toString(16)}: MAP_READ and MAP_WRITE cannot be combined with STORAGE)`,
    );
  }
  return usage;
}

/** InitOptions.rules, else WEBGPU_TENSOR_RULES (read in Node only), else null (detect from the adapter). */
function requestedRules(rules: unknown): RulesProfile | null {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WEBGPU_TENSOR_RULES;
  const [value, from] = rules !== undefined ? [rules, 'rules'] : isNode() && env ? [env, 'WEBGPU_TENSOR_RULES'] : [null, ''];
  if (value === null || value === 'gpu' || value === 'cpu') return value;
  throw new TypeError(`init: ${from} must be 'gpu' or 'cpu', got ${JSON.stringify(value)}`);
}

export async function init(options: InitOptions = {}): Promise<EngineInfo> {
  const bufferUsage = checkBufferUsage(options.bufferUsage);
  const rules = requestedRules(options.rules);
  if (state) {
    for (const hook of resetHooks) hook();
    if (state.owned && !state.lost) state.device.destroy();
    state = null;
  }
  let device = options.device;
  let adapter: GPUAdapter | null = null;
  let gpu = options.gpu;
  const owned = !device;
  if (!device) {
    gpu ??= typeof navigator !== 'undefined' ? navigator.gpu : undefined;
    if (!gpu && isNode()) {
      ({ gpu, adapter } = await openNodeAdapter(options.powerPreference)); // finds SwiftShader itself on a GPU-less Linux
    } else {
      if (!gpu) throw new DeviceError('init: WebGPU is not available here (no navigator.gpu): use a browser with WebGPU, or pass { gpu } or { device }');
      adapter = await requestEngineAdapter(gpu, options.powerPreference, isNode() ? nodeNoAdapterMessage() : undefined);
    }
    const requiredFeatures: GPUFeatureName[] = [];
    // timestamp-query: per-pass GPU times for the benchmarks. subgroups: optional fast paths in reductions.
    for (const f of ['timestamp-query', 'subgroups'] as GPUFeatureName[]) if (adapter.features.has(f)) requiredFeatures.push(f);
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits: pickLimits(adapter.limits, REQUIRED_LIMITS) });
  }
  const generation = ++generationCounter;
  const description = describeAdapter(adapter, device);
  const info: EngineInfo = {
    adapter: description,
    timestampQuery: device.features.has('timestamp-query'),
    subgroups: device.features.has('subgroups'),
    limits: pickLimits(device.limits, REPORTED_LIMITS),
    rules: rules ?? (CPU_ADAPTER.test(description) ? 'cpu' : 'gpu'),
  };
  const s: DeviceState = { device, keepAlive: { gpu, adapter }, owned, bufferUsage, generation, lost: null, info };
  state = s;
  void device.lost.then((lost) => {
    s.lost = `${lost.reason}: ${lost.message}`;
  });
  return info;
}

const NO_DEVICE = 'no device: call `await init()` first';
export const lostMessage = (lost: string): string => `the GPU device was lost (${lost}); call \`await init()\` again`;

/** The live state; throws DeviceError, prefixed with `what`, if `init()` was not called or the device was lost. */
function liveState(what: string): DeviceState {
  const at = what ? `${what}: ` : '';
  if (!state) throw new DeviceError(at + NO_DEVICE);
  if (state.lost) throw new DeviceError(at + lostMessage(state.lost));
  return state;
}

/** The bound device; throws if `init()` was not called or the device was lost. */
export function gpuDevice(): GPUDevice {
  return liveState('').device;
}

/** The engine's device, read-only, for apps that need it (e.g. to share buffers); throws like every call. */
export function engineDevice(): GPUDevice {
  return gpuDevice();
}

/** The bound device as the runtime's other modules see it: which device, which generation, whether lost. */
export interface BoundDevice {
  readonly device: GPUDevice;
  readonly generation: number;
  /** Why the device was lost, once its `lost` promise resolved; null while it is live. */
  readonly lost: string | null;
}

/** The bound device, live or lost; null before init() and after shutdown(). Throws nothing. */
export function boundDevice(): BoundDevice | null {
  return state;
}

/** Throws the DeviceError every call gives after a loss (checks the resolved `lost` promise). */
export function checkDeviceLive(what: string): void {
  liveState(what);
}

/** The extra usage flags of tensor buffers (InitOptions.bufferUsage). */
export function extraBufferUsage(): number {
  return state?.bufferUsage ?? 0;
}

export function currentGeneration(): number {
  return state?.generation ?? 0;
}

/** CPU implementations of WebGPU, by the adapter's description. */
const CPU_ADAPTER = /swiftshader|llvmpipe|lavapipe|warp/i;

/**
 * Whether the kernels follow the CPU rules: the rules init() was given (InitOptions.rules, WEBGPU_TENSOR_RULES),
 * else whether the adapter is a CPU implementation of WebGPU (SwiftShader, llvmpipe/lavapipe, WARP). There
 * kernels with a split (the weight gradients, long reductions) aim for a few workgroups per core instead of
 * enough to fill a GPU, since each extra split only adds partial sums and barriers. The one place that decides.
 */
export function onCpuAdapter(): boolean {
  return engineInfo().rules === 'cpu';
}

export function engineInfo(): EngineInfo {
  if (!state) throw new DeviceError(NO_DEVICE);
  return state.info;
}

/**
 * Releases the device if the engine created it. Tensors made before become unusable; every later call throws
 * DeviceError at once, and a readback still pending rejects with DeviceError.
 */
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
