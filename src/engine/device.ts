// Which GPUDevice the engine runs on. `init()` binds it: navigator.gpu in a browser, the `webgpu` package in
// Node (pass its `gpu` object), or an app's own device (`init({ device })`, which the engine never destroys).
// Every tensor remembers the generation it was made in; a new `init()` or a lost device starts a new one, so a
// stale tensor is refused with a clear error instead of touching a foreign device.

//
// The error path (designed once; readbacks, sync() and the pool all go through it). WebGPU reports errors
// asynchronously, so the engine wraps its own calls in error scopes: one "burst" of scopes from the first
// call of a recorded batch to its submit, and a scope of its own around every buffer creation. It never
// listens to the device-wide `uncapturederror` event, so an app that shares the device keeps its own errors.
// Each popped scope becomes a pending check; the next readback or awaited sync() waits for the checks and
// throws the first error (as DeviceError, or ResourceError for an allocation), naming the ops the batch
// recorded (bind groups carry the op's name, so WebGPU's own message names it too), plus how many more
// errors followed. Nothing is filtered out. Apps that push their own error scopes must pop them before the
// next engine call.
import { DeviceError, EngineError, ResourceError } from './errors.ts';

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
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number; maxComputeInvocationsPerWorkgroup: number };
}

interface Burst {
  /** Op names recorded in this batch, in order (the first few distinct ones go into messages). */
  ops: string[];
  commands: number;
}

interface DeviceState {
  device: GPUDevice;
  owned: boolean;
  generation: number;
  lost: string | null;
  /** Error scopes pushed for the batch being recorded, or null. */
  burst: Burst | null;
  /** Checks (popped error scopes) that have not resolved yet. */
  pending: Set<Promise<void>>;
  /** Errors that resolved and were not thrown yet, oldest first. */
  errors: EngineError[];
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
      maxBufferSize: device.limits.maxBufferSize,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
    },
  };
  const s: DeviceState = { device, owned, generation, lost: null, burst: null, pending: new Set(), errors: [], info };
  state = s;
  void device.lost.then((lost) => {
    s.lost = `${lost.reason}: ${lost.message}`;
  });
  return info;
}

/** The bound device; throws if `init()` was not called or the device was lost. */
export function gpuDevice(): GPUDevice {
  if (!state) throw new DeviceError('no device: call `await init()` first');
  if (state.lost) throw new DeviceError(`the GPU device was lost (${state.lost}); call \`await init()\` again`);
  return state.device;
}

/** The engine's device, read-only, for apps that need it (e.g. to share buffers); throws like every call. */
export function engineDevice(): GPUDevice {
  return gpuDevice();
}

const SCOPES: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

function pushScopes(device: GPUDevice): void {
  for (const f of SCOPES) device.pushErrorScope(f);
}

/** Pops the scopes pushScopes pushed; resolves to the innermost-first list of errors (nulls dropped). */
function popScopes(device: GPUDevice): Promise<GPUError[]> {
  const popped = SCOPES.map(() => device.popErrorScope().catch(() => null));
  return Promise.all(popped).then((errs) => errs.filter((e): e is GPUError => e !== null));
}

function track(s: DeviceState, check: Promise<void>): void {
  s.pending.add(check);
  void check.finally(() => s.pending.delete(check));
}

function listOps(ops: string[]): string {
  const distinct = [...new Set(ops)];
  const shown = distinct.slice(0, 8).join(', ');
  return distinct.length > 8 ? `${shown}, … (${distinct.length} distinct)` : shown;
}

/** Opens the error scopes of a recorded batch if none is open. Every engine call into WebGPU is inside one. */
export function openBurst(): void {
  const s = state;
  if (!s || s.burst) return;
  const device = gpuDevice();
  pushScopes(device);
  s.burst = { ops: [], commands: 0 };
}

/** Notes an op recorded in the open batch (its name appears in error messages). */
export function noteCommand(op: string): void {
  const b = state?.burst;
  if (!b) return;
  b.commands++;
  if (b.ops.length < 256) b.ops.push(op);
}

/** Closes the open batch's scopes (after its submit); their errors arrive asynchronously as a pending check. */
export function closeBurst(): void {
  const s = state;
  const b = s?.burst;
  if (!s || !b) return;
  s.burst = null;
  if (s.lost) return;
  const check = popScopes(s.device).then((errs) => {
    for (const e of errs) {
      s.errors.push(new DeviceError(`WebGPU ${kindOf(e)} error in the engine's batch of ${b.commands} commands (ops: ${listOps(b.ops) || 'none'}); that batch did not run: ${e.message}`));
    }
  });
  track(s, check);
}

function kindOf(e: GPUError): string {
  const n = e.constructor?.name ?? '';
  if (n.includes('OutOfMemory')) return 'out-of-memory';
  if (n.includes('Internal')) return 'internal';
  return 'validation';
}

/**
 * Creates a GPU object inside its own error scopes. A synchronous browser exception becomes a
 * ResourceError; an asynchronous error calls `onError` once its scope resolves (e.g. to quarantine a buffer)
 * and is thrown at the next readback as a ResourceError.
 */
export function createChecked<T>(what: string | (() => string), create: (device: GPUDevice) => T, onError: (error: ResourceError) => void, onOk?: () => void): T {
  const s = state;
  const device = gpuDevice();
  pushScopes(device);
  let made: T;
  try {
    made = create(device);
  } catch (e) {
    void popScopes(device);
    throw new ResourceError(`${typeof what === 'string' ? what : what()} failed: ${describeException(e)}`);
  }
  const check = popScopes(device).then((errs) => {
    const e = errs[0];
    if (!e) onOk?.();
    if (!e || !s) return;
    const err = new ResourceError(`${typeof what === 'string' ? what : what()} failed (WebGPU ${kindOf(e)} error): ${e.message}`);
    onError(err);
    s.errors.push(err);
  });
  if (s) track(s, check);
  return made;
}

function describeException(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Turns a browser exception from a WebGPU call (an AbortError or OperationError from mapAsync, a TypeError
 * from createBuffer) into the engine's error class: DeviceError when the device is gone or the engine was
 * shut down meanwhile, else DeviceError naming `what`. Engine errors pass through.
 */
export function engineErrorFrom(what: string, e: unknown, generation: number): EngineError {
  if (e instanceof EngineError) return e;
  if (!state || state.generation !== generation) return new DeviceError(`${what}: the engine was shut down or re-initialized while it was pending (${describeException(e)})`);
  if (state.lost) return new DeviceError(`${what}: the GPU device was lost (${state.lost}); call \`await init()\` again`);
  return new DeviceError(`${what} failed: ${describeException(e)}`);
}

/**
 * Waits for every pending check and throws the oldest error not thrown yet (mentioning how many followed).
 * Readbacks and sync() call it, so a failed kernel, bind or allocation surfaces as an exception instead of
 * silently stale numbers.
 */
export async function settleGpuErrors(): Promise<void> {
  const s = state;
  if (!s) return;
  // A lost device may never answer its scopes: stop waiting when it is lost.
  while (s.pending.size > 0 && !s.lost) await Promise.race([Promise.all([...s.pending]), s.device.lost]);
  const first = s.errors[0];
  if (!first) return;
  const more = s.errors.length - 1;
  s.errors = [];
  if (more > 0) first.message += ` (and ${more} more WebGPU error${more > 1 ? 's' : ''} after it)`;
  throw first;
}

/** Throws the DeviceError every call gives after a loss (checks the resolved `lost` promise). */
export function checkDeviceLive(what: string): void {
  if (!state) throw new DeviceError(`${what}: no device: call \`await init()\` first`);
  if (state.lost) throw new DeviceError(`${what}: the GPU device was lost (${state.lost}); call \`await init()\` again`);
}

export function currentGeneration(): number {
  return state?.generation ?? 0;
}

export function engineInfo(): EngineInfo {
  if (!state) throw new DeviceError('no device: call `await init()` first');
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
