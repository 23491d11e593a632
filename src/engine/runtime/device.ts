// Which GPUDevice the engine runs on. `init()` binds it: navigator.gpu in a browser, the `webgpu` package in
// Node (pass its `gpu` object), or an app's own device (`init({ device })`, which the engine never destroys).
// Every tensor remembers the generation it was made in; a new `init()` or a lost device starts a new one, so a
// stale tensor is refused with a clear error instead of touching a foreign device.

//
// The error path (designed once; readbacks, sync() and the pool all go through it). WebGPU reports errors
// asynchronously, so the engine wraps its own calls in error scopes: one "burst" of scopes around each
// synchronous run of its own calls (opened by the first WebGPU call, closed by the submit or at the end of the
// current task, whichever comes first), and a scope of its own around every buffer creation. No scope stays
// open while the app's own code runs in a later task, and the engine never listens to the device-wide
// `uncapturederror` event, so an app that shares the device keeps its own errors. Each popped scope becomes a
// pending check; the next readback or awaited sync() waits for the checks and throws the first error (as
// DeviceError, or ResourceError for an allocation), naming the ops the batch recorded (bind groups carry the
// op's name, so WebGPU's own message names it too) and the app buffers it used (fromGPUBuffer), plus how many
// more errors followed. Apps that push their own error scopes must pop them before the next engine call, and
// should not issue their own failing calls between engine calls in one synchronous run.
import { DeviceError, EngineError, ResourceError } from '../errors.ts';
import { isNode, loadNodeGpu } from './node-gpu.ts';

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
const REPORTED_LIMITS: ReadonlyArray<keyof EngineInfo['limits']> = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup'];
const REQUIRED_LIMITS: ReadonlyArray<keyof GPUSupportedLimits> = [...REPORTED_LIMITS, 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxStorageBuffersPerShaderStage'];

const pickLimits = <K extends keyof GPUSupportedLimits>(limits: GPUSupportedLimits, names: readonly K[]): Record<K, number> =>
  Object.fromEntries(names.map((k) => [k, limits[k] as number])) as Record<K, number>;

/** What the batch being recorded holds (until its submit), for error messages. */
interface Batch {
  /** Op names recorded in this batch, in order (the first few distinct ones go into messages). */
  ops: string[];
  commands: number;
  /** Descriptions of the app buffers (fromGPUBuffer) the batch uses. */
  external: Set<string>;
}

interface DeviceState {
  device: GPUDevice;
  /** Held only to keep them alive (see InitOptions.gpu). */
  keepAlive: { gpu: GPU | undefined; adapter: GPUAdapter | null };
  owned: boolean;
  /** InitOptions.bufferUsage. */
  bufferUsage: number;
  generation: number;
  lost: string | null;
  /** Whether the error scopes of a burst are pushed now. */
  burst: boolean;
  batch: Batch;
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

/** Usage flags a tensor buffer may carry besides the engine's own (all but MAP_READ / MAP_WRITE). */
const EXTRA_USAGE_ALLOWED = 0x0004 | 0x0008 | 0x0010 | 0x0020 | 0x0040 | 0x0080 | 0x0100 | 0x0200;

function checkBufferUsage(usage: unknown): number {
  if (usage === undefined) return 0;
  if (typeof usage !== 'number' || !Number.isInteger(usage) || usage < 0) throw new TypeError(`init: bufferUsage must be GPUBufferUsage flags (a non-negative integer), got ${String(usage)}`);
  const bad = usage & ~EXTRA_USAGE_ALLOWED;
  if (bad !== 0) {
    throw new TypeError(`init: bufferUsage 0x${usage.toString(16)} has flags tensor buffers cannot carry (0x${bad.toString(16)}: MAP_READ and MAP_WRITE cannot be combined with STORAGE)`);
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
    if (!gpu && isNode()) gpu = await loadNodeGpu();
    if (!gpu) throw new DeviceError('init: WebGPU is not available here (no navigator.gpu): use a browser with WebGPU, or pass { gpu } or { device }');
    adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
    if (!adapter) throw new DeviceError('init: no WebGPU adapter was found');
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
  const s: DeviceState = { device, keepAlive: { gpu, adapter }, owned, bufferUsage, generation, lost: null, burst: false, batch: newBatch(), pending: new Set(), errors: [], info };
  state = s;
  void device.lost.then((lost) => {
    s.lost = `${lost.reason}: ${lost.message}`;
  });
  return info;
}

const NO_DEVICE = 'no device: call `await init()` first';
const lostMessage = (lost: string): string => `the GPU device was lost (${lost}); call \`await init()\` again`;

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

function newBatch(): Batch {
  return { ops: [], commands: 0, external: new Set() };
}

/**
 * Opens the error scopes of a burst if none is open; they close at the submit or when the current task
 * ends (a microtask), so they never catch the app's own calls made after the engine returned.
 */
export function openBurst(): void {
  const s = state;
  if (!s || s.burst) return;
  pushScopes(gpuDevice());
  s.burst = true;
  queueMicrotask(() => {
    if (state === s) closeBurst();
  });
}

/** Notes an op recorded in the open batch (its name appears in error messages). */
export function noteCommand(op: string): void {
  const b = state?.batch;
  if (!b) return;
  b.commands++;
  if (b.ops.length < 256) b.ops.push(op);
}

/** App buffers (fromGPUBuffer) → how messages name them. */
const externalBuffers = new WeakMap<GPUBuffer, string>();
let externalCount = 0;

/** Registers an app's buffer so that an error in a batch that uses it names it (see noteBuffers). */
export function registerExternalBuffer(buffer: GPUBuffer, description: string): void {
  if (!externalBuffers.has(buffer)) externalCount++;
  externalBuffers.set(buffer, description);
}

/** Notes the app buffers among `ranges` in the open batch (cheap while the app has registered none). */
export function noteBuffers(ranges: ReadonlyArray<{ buffer: GPUBuffer }>): void {
  const b = state?.batch;
  if (!b || externalCount === 0) return;
  for (const r of ranges) {
    const d = externalBuffers.get(r.buffer);
    if (d !== undefined) b.external.add(d);
  }
}

/** Closes the open burst's scopes; their errors arrive asynchronously as a pending check. */
export function closeBurst(): void {
  const s = state;
  if (!s || !s.burst) return;
  s.burst = false;
  if (s.lost) return;
  const b = s.batch;
  const check = popScopes(s.device).then((errs) => {
    for (const e of errs) {
      const external = b.external.size > 0
        ? `; it used app buffers (${[...b.external].join('; ')}): one destroyed, or made on another device, fails like this`
        : '';
      s.errors.push(new DeviceError(`WebGPU ${kindOf(e)} error in the engine's batch of ${b.commands} commands (ops: ${listOps(b.ops) || 'none'})${external}; that batch did not run: ${e.message}`));
    }
  });
  track(s, check);
}

/** Called by the recorder after a submit (and the burst's close): the next commands start a new batch. */
export function batchSubmitted(): void {
  if (state) state.batch = newBatch();
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
  if (state.lost) return new DeviceError(`${what}: ${lostMessage(state.lost)}`);
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
