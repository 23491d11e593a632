// The engine's error path (designed once; readbacks, sync() and the pool all go through it). WebGPU reports
// errors asynchronously, so the engine wraps its own calls in error scopes: one "burst" of scopes around each
// synchronous run of its own calls (opened by the first WebGPU call, closed by the submit or at the end of the
// current task, whichever comes first), and a scope of its own around every buffer creation. No scope stays
// open while the app's own code runs in a later task, and the engine never listens to the device-wide
// `uncapturederror` event, so an app that shares the device keeps its own errors. Each popped scope becomes a
// pending check; the next readback or awaited sync() waits for the checks and throws the first error (as
// DeviceError, or ResourceError for an allocation), naming the ops the batch recorded (bind groups carry the
// op's name, so WebGPU's own message names it too) and the app buffers it used (fromGPUBuffer), plus how many
// more errors followed. Apps that push their own error scopes must pop them before the next engine call, and
// should not issue their own failing calls between engine calls in one synchronous run.
//
// Cost on the hot path: a dispatch calls openBurst, noteCommand and noteBuffers, each a flag or counter check
// while a burst is open (noteBuffers returns at once while the app has registered no buffer of its own). The
// scopes themselves (three pushes and three pops) cost once per burst, i.e. once per synchronous run of engine
// calls or per submit, not once per dispatch.

import { DeviceError, EngineError, ResourceError } from '../errors.ts';
import { boundDevice, gpuDevice, lostMessage, onDeviceReset, type BoundDevice } from './device.ts';

/** What the batch being recorded holds (until its submit), for error messages. */
interface Batch {
  /** Op names recorded in this batch, in order (the first few distinct ones go into messages). */
  ops: string[];
  commands: number;
  /** Descriptions of the app buffers (fromGPUBuffer) the batch uses. */
  external: Set<string>;
}

/** The error path's state for one bound device (a new init() starts a new one). */
interface ScopeState {
  dev: BoundDevice;
  /** Whether the error scopes of a burst are pushed now. */
  burst: boolean;
  batch: Batch;
  /** Checks (popped error scopes) that have not resolved yet. */
  pending: Set<Promise<void>>;
  /** Errors that resolved and were not thrown yet, oldest first. */
  errors: EngineError[];
}

let scopes: ScopeState | null = null;

/** The state of the bound device (made on first use after an init()); null without a device. */
function current(): ScopeState | null {
  const dev = boundDevice();
  if (!dev) return null;
  if (scopes?.dev !== dev) scopes = { dev, burst: false, batch: newBatch(), pending: new Set(), errors: [] };
  return scopes;
}

onDeviceReset(() => {
  scopes = null;
});

const SCOPES: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

function pushScopes(device: GPUDevice): void {
  for (const f of SCOPES) device.pushErrorScope(f);
}

/** Pops the scopes pushScopes pushed; resolves to the innermost-first list of errors (nulls dropped). */
function popScopes(device: GPUDevice): Promise<GPUError[]> {
  const popped = SCOPES.map(() => device.popErrorScope().catch(() => null));
  return Promise.all(popped).then((errs) => errs.filter((e): e is GPUError => e !== null));
}

function track(s: ScopeState, check: Promise<void>): void {
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

function kindOf(e: GPUError): string {
  const n = e.constructor?.name ?? '';
  if (n.includes('OutOfMemory')) return 'out-of-memory';
  if (n.includes('Internal')) return 'internal';
  return 'validation';
}

function describeException(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Opens the error scopes of a burst if none is open; they close at the submit or when the current task
 * ends (a microtask), so they never catch the app's own calls made after the engine returned.
 */
export function openBurst(): void {
  const s = current();
  if (!s || s.burst) return;
  pushScopes(gpuDevice());
  s.burst = true;
  queueMicrotask(() => {
    if (scopes === s) closeBurst();
  });
}

/** Closes the open burst's scopes; their errors arrive asynchronously as a pending check. */
export function closeBurst(): void {
  const s = current();
  if (!s || !s.burst) return;
  s.burst = false;
  if (s.dev.lost) return;
  const b = s.batch;
  const check = popScopes(s.dev.device).then((errs) => {
    for (const e of errs) {
      const external = b.external.size > 0
        ? `; it used app buffers (${[...b.external].join('; ')}): one destroyed, or made on another device, fails like this`
        : '';
      const batch = `the engine's batch of ${b.commands} commands (ops: ${listOps(b.ops) || 'none'})${external}`;
      s.errors.push(new DeviceError(`WebGPU ${kindOf(e)} error in ${batch}; that batch did not run: ${e.message}`));
    }
  });
  track(s, check);
}

/** Notes an op recorded in the open batch (its name appears in error messages). */
export function noteCommand(op: string): void {
  const b = current()?.batch;
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
  if (externalCount === 0) return;
  const b = current()?.batch;
  if (!b) return;
  for (const r of ranges) {
    const d = externalBuffers.get(r.buffer);
    if (d !== undefined) b.external.add(d);
  }
}

/** Called by the recorder after a submit (and the burst's close): the next commands start a new batch. */
export function batchSubmitted(): void {
  const s = current();
  if (s) s.batch = newBatch();
}

/**
 * Creates a GPU object inside its own error scopes. A synchronous browser exception becomes a
 * ResourceError; an asynchronous error calls `onError` once its scope resolves (e.g. to quarantine a buffer)
 * and is thrown at the next readback as a ResourceError.
 */
export function createChecked<T>(
  what: string | (() => string),
  create: (device: GPUDevice) => T,
  onError: (error: ResourceError) => void,
  onOk?: () => void,
): T {
  const s = current();
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

/**
 * Turns a browser exception from a WebGPU call (an AbortError or OperationError from mapAsync, a TypeError
 * from createBuffer) into the engine's error class: DeviceError when the device is gone or the engine was
 * shut down meanwhile, else DeviceError naming `what`. Engine errors pass through.
 */
export function engineErrorFrom(what: string, e: unknown, generation: number): EngineError {
  if (e instanceof EngineError) return e;
  const dev = boundDevice();
  if (!dev || dev.generation !== generation) {
    return new DeviceError(`${what}: the engine was shut down or re-initialized while it was pending (${describeException(e)})`);
  }
  if (dev.lost) return new DeviceError(`${what}: ${lostMessage(dev.lost)}`);
  return new DeviceError(`${what} failed: ${describeException(e)}`);
}

/**
 * Waits for every pending check and throws the oldest error not thrown yet (mentioning how many followed).
 * Readbacks and sync() call it, so a failed kernel, bind or allocation surfaces as an exception instead of
 * silently stale numbers.
 */
export async function settleGpuErrors(): Promise<void> {
  const s = current();
  if (!s) return;
  // A lost device may never answer its scopes: stop waiting when it is lost.
  while (s.pending.size > 0 && !s.dev.lost) await Promise.race([Promise.all([...s.pending]), s.dev.device.lost]);
  const first = s.errors[0];
  if (!first) return;
  const more = s.errors.length - 1;
  s.errors = [];
  if (more > 0) first.message += ` (and ${more} more WebGPU error${more > 1 ? 's' : ''} after it)`;
  throw first;
}
