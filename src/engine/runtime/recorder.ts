// Records all GPU work into one shared command encoder and submits it when a result is read back or
// `flush()` is called: never once per op. Dispatches share one open compute pass; a buffer copy closes it.
//
// Bounded batches: a batch is also submitted on its own once it holds MAX_BATCH_COMMANDS commands or the
// buffers released inside it reach MAX_BATCH_RELEASED_BYTES, and before an upload that could reuse only a
// buffer released in it (see buffer-pool.ts), so a loop that never reads back still recycles its memory.
// When MAX_IN_FLIGHT submitted batches have not finished yet (tracked with onSubmittedWorkDone), the
// automatic submit waits for the oldest: recording goes on into the open batch, which is submitted once the
// oldest finishes (at the first command after that) or at the next readback. In a loop with no await at
// all those promises cannot resolve (JavaScript runs them only when the loop yields), so the open batch is
// still submitted once it reaches MAX_BATCH_COMMANDS_HARD commands: batches stay bounded either way, and
// any await (a readback every N steps, or `await sync()`) lets the in-flight count drain.
//
// Uniforms: each dispatch gets a 256-byte-aligned slice of a uniform "arena" chunk. The bytes collect on the
// CPU and are written with one writeBuffer per chunk just before the submit (queue order makes that safe even
// while the previous batch still runs), so a dispatch costs no buffer creation. The same arena carries small
// per-dispatch host tables bound as read-only storage (`stagedData`, e.g. the optimizers' per-parameter table).
//
// Bind groups: the uniform binding has a dynamic offset (the slice's offset goes to setBindGroup), and so do
// 'table' bindings (stagedData), so a bind group depends only on the buffers bound, not on where this launch's
// uniforms and tables landed in the arena; bind-groups.ts caches them, and a steady step whose buffers repeat
// creates none.

import { type BindingKind, type Kernel } from '../../shaders/kernel.ts';
import { bindGroupFor, bindGroupStats } from './bind-groups.ts';
import { bufferPool, sizeClass } from './buffer-pool.ts';
import {
  MAP_MODE_READ, SHADER_STAGE_COMPUTE, Usage, batchSubmitted, closeBurst, createChecked, currentGeneration, engineErrorFrom, gpuDevice,
  noteBuffers, noteCommand, onDeviceReset, openBurst, settleGpuErrors,
} from './device.ts';

/** A range of a GPU buffer bound to one kernel binding. */
export interface BufferRange {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

// ---------------------------------------------------------------- pipelines

interface CompiledKernel {
  module: GPUShaderModule;
  layout: GPUBindGroupLayout;
  /** Identifies `layout` in the bind-group cache's keys. */
  layoutId: number;
  /** Bytes of the uniform binding (the block rounded up to 16), 0 without one. */
  uniformBytes: number;
  pipelineLayout: GPUPipelineLayout;
  pipelines: Map<string, GPUComputePipeline>;
}

const compiled = new Map<Kernel, CompiledKernel>();
let layoutCounter = 0;

function constantsKey(constants: Record<string, number> | undefined): string {
  if (!constants) return '';
  return Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`)
    .join(',');
}

function compile(kernel: Kernel): CompiledKernel {
  let c = compiled.get(kernel);
  if (c) return c;
  const device = gpuDevice();
  const entries: GPUBindGroupLayoutEntry[] = kernel.bindings.map((kind: BindingKind, i) => ({
    binding: i,
    visibility: SHADER_STAGE_COMPUTE,
    buffer: kind === 'write' ? { type: 'storage' } : { type: 'read-only-storage', hasDynamicOffset: kind === 'table' },
  }));
  if (kernel.params) {
    // A dynamic offset: the bind group does not depend on where a launch's uniforms sit in the arena chunk.
    entries.push({ binding: kernel.bindings.length, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } });
  }
  const layout = device.createBindGroupLayout({ label: kernel.name, entries });
  c = {
    module: device.createShaderModule({ label: kernel.name, code: kernel.code }),
    layout,
    layoutId: ++layoutCounter,
    uniformBytes: kernel.params ? arenaSlotBytes(kernel.params.byteSize) : 0,
    pipelineLayout: device.createPipelineLayout({ label: kernel.name, bindGroupLayouts: [layout] }),
    pipelines: new Map(),
  };
  compiled.set(kernel, c);
  return c;
}

function pipelineFor(kernel: Kernel, constants: Record<string, number> | undefined): { pipeline: GPUComputePipeline; compiled: CompiledKernel } {
  const c = compile(kernel);
  const key = constantsKey(constants);
  let pipeline = c.pipelines.get(key);
  if (!pipeline) {
    pipeline = gpuDevice().createComputePipeline({
      label: key ? `${kernel.name}[${key}]` : kernel.name,
      layout: c.pipelineLayout,
      compute: { module: c.module, entryPoint: 'main', ...(constants ? { constants } : {}) },
    });
    c.pipelines.set(key, pipeline);
  }
  return { pipeline, compiled: c };
}

// ---------------------------------------------------------------- uniform arena

/** 1 MiB: a batch's uniforms (256 bytes a dispatch, MAX_BATCH_COMMANDS_HARD dispatches at most) fit one chunk,
 * so the chunk a dispatch lands in, part of its bind group, stays the same in loops without a readback too. */
const ARENA_CHUNK = 1 << 20;
/** Every slice starts on 256 bytes: the largest minUniformBufferOffsetAlignment / minStorageBufferOffsetAlignment
 * WebGPU allows, so the offsets are valid dynamic uniform offsets and storage binding offsets on every device. */
const UNIFORM_ALIGN = 256;

/** Bytes a slice of `byteLength` bytes binds (at least 16, a multiple of 16). */
function arenaSlotBytes(byteLength: number): number {
  return Math.max(16, Math.ceil(byteLength / 16) * 16);
}

class UniformArena {
  private chunks: GPUBuffer[] = [];
  private cpu: Uint8Array<ArrayBuffer> = new Uint8Array(ARENA_CHUNK);
  private chunk = 0;
  private offset = 0;
  private used: Uint8Array<ArrayBuffer>[] = [];

  /** Copies `words` into the current chunk and returns where they will live on the GPU. */
  place(words: Uint32Array): BufferRange {
    const bytes = arenaSlotBytes(words.byteLength);
    if (this.offset + bytes > ARENA_CHUNK) this.nextChunk();
    if (!this.chunks[this.chunk]) {
      const chunk = this.chunk;
      this.chunks[chunk] = createChecked(
        `allocating uniform arena chunk ${chunk}`,
        (d) => d.createBuffer({ size: ARENA_CHUNK, usage: Usage.UNIFORM | Usage.STORAGE | Usage.COPY_DST, label: `uniform-arena-${chunk}` }),
        () => {
          if (this.chunks[chunk]) this.chunks.length = chunk; // recreated on the next use
        },
      );
    }
    this.cpu.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), this.offset);
    const range = { buffer: this.chunks[this.chunk]!, offset: this.offset, size: bytes };
    this.offset += Math.ceil(bytes / UNIFORM_ALIGN) * UNIFORM_ALIGN;
    return range;
  }

  private nextChunk(): void {
    this.used.push(this.cpu.slice(0, this.offset));
    this.chunk++;
    this.offset = 0;
  }

  /** Writes this batch's uniforms; call right before submit. */
  upload(queue: GPUQueue): void {
    if (this.offset > 0) this.used.push(this.cpu.slice(0, this.offset));
    this.used.forEach((bytes, i) => {
      if (bytes.byteLength > 0) queue.writeBuffer(this.chunks[i]!, 0, bytes);
    });
    this.used = [];
    this.chunk = 0;
    this.offset = 0;
  }

  reset(): void {
    this.chunks = [];
    this.used = [];
    this.chunk = 0;
    this.offset = 0;
  }
}

// ---------------------------------------------------------------- recording

export interface RecorderStats {
  dispatches: number;
  submits: number;
  pipelines: number;
  /** Bind groups created (a steady step takes all of its from the cache: 0 new ones). */
  bindGroups: number;
  /** Bind groups the cache holds now. */
  cachedBindGroups: number;
  /** Submitted batches the GPU has not finished yet. */
  inFlight: number;
}

/** A batch is submitted on its own after this many commands (dispatches and copies). */
export const MAX_BATCH_COMMANDS = 1024;
/** … or once buffers released inside it reach this many bytes. */
export const MAX_BATCH_RELEASED_BYTES = 64 * 1024 * 1024;
/** Automatic submits wait while this many submitted batches are unfinished. */
export const MAX_IN_FLIGHT = 3;
/** … but a batch is submitted at this many commands even then (see the header). */
export const MAX_BATCH_COMMANDS_HARD = 4 * MAX_BATCH_COMMANDS;

let encoder: GPUCommandEncoder | null = null;
let pass: GPUComputePassEncoder | null = null;
let batchCommands = 0;
const arena = new UniformArena();
const counters = { dispatches: 0, submits: 0 };
const inFlight = new Set<Promise<unknown>>();
let kernelLog: string[] | null = null;
let launchLog: LaunchRecord[] | null = null;

function currentEncoder(): GPUCommandEncoder {
  if (!encoder) {
    openBurst();
    encoder = gpuDevice().createCommandEncoder({ label: 'engine-batch' });
  }
  return encoder;
}

/** After each recorded command: submits the batch when it has grown past its bounds (see the header). */
function afterCommand(op: string): void {
  noteCommand(op);
  batchCommands++;
  if (inFlight.size >= MAX_IN_FLIGHT && batchCommands < MAX_BATCH_COMMANDS_HARD) return;
  if (batchCommands >= MAX_BATCH_COMMANDS || bufferPool.releasedBytesThisBatch() >= MAX_BATCH_RELEASED_BYTES) flush();
}

function currentPass(): GPUComputePassEncoder {
  if (!pass) pass = currentEncoder().beginComputePass({ label: 'engine-pass' });
  return pass;
}

function closePass(): void {
  if (pass) {
    pass.end();
    pass = null;
  }
}

export interface Launch {
  buffers: readonly BufferRange[];
  /** The uniform block, packed by the kernel's declaration (launch.ts does it). */
  uniforms?: Uint32Array;
  constants?: Record<string, number>;
  workgroups: readonly [number, number, number];
  /** Name recorded by traceKernels (defaults to the kernel's name), e.g. 'relu' for the unary kernel. */
  label?: string;
}

/**
 * Records one dispatch. Nothing runs until the next submit. launch.ts is the one caller: it packs the
 * uniforms from the kernel's declaration, so they are present exactly when the kernel has a block, and of its size.
 */
export function dispatch(kernel: Kernel, launch: Launch): void {
  if (launch.buffers.length !== kernel.bindings.length) {
    throw new Error(`${kernel.name}: expected ${kernel.bindings.length} buffers, got ${launch.buffers.length}`);
  }
  const [x, y, z] = launch.workgroups;
  if (x === 0 || y === 0 || z === 0) return;
  openBurst();
  const op = launch.label ?? kernel.name;
  const { pipeline, compiled: c } = pipelineFor(kernel, launch.constants);
  // Dynamic offsets, in binding order: the 'table' bindings', then the uniform slice's.
  const dynamicOffsets: number[] = [];
  const ranges: BufferRange[] = launch.buffers.map((r, i) => {
    if (kernel.bindings[i] !== 'table') return r;
    if (r.offset % UNIFORM_ALIGN !== 0) throw new Error(`${kernel.name}: binding ${i} (a table) starts at byte ${r.offset}, not a multiple of ${UNIFORM_ALIGN}`);
    dynamicOffsets.push(r.offset);
    return { buffer: r.buffer, offset: 0, size: r.size };
  });
  if (launch.uniforms) {
    const u = arena.place(launch.uniforms);
    ranges.push({ buffer: u.buffer, offset: 0, size: c.uniformBytes });
    dynamicOffsets.push(u.offset);
  }
  bufferPool.noteUse(launch.buffers, op);
  noteBuffers(launch.buffers);
  // The bind group carries the op's name, so WebGPU's own error messages name the op.
  const bindGroup = bindGroupFor(c.layout, c.layoutId, op, ranges);
  const p = currentPass();
  p.setPipeline(pipeline);
  if (dynamicOffsets.length > 0) p.setBindGroup(0, bindGroup, dynamicOffsets);
  else p.setBindGroup(0, bindGroup);
  p.dispatchWorkgroups(x, y, z);
  kernel.bindings.forEach((kind, i) => {
    if (kind === 'write') bumpWriteVersion(launch.buffers[i]!.buffer);
  });
  counters.dispatches++;
  kernelLog?.push(op);
  launchLog?.push({ op, kernel: kernel.name, constants: { ...launch.constants }, workgroups: [x, y, z] });
  afterCommand(op);
}

/** Writes host bytes into a buffer range through the queue (the caller guarantees no pending command reads it). */
export function writeBuffer(dst: BufferRange, host: ArrayBufferView, op = 'upload'): void {
  if (host.byteLength === 0) return;
  openBurst();
  noteBuffers([dst]);
  gpuDevice().queue.writeBuffer(dst.buffer, dst.offset, host.buffer, host.byteOffset, host.byteLength);
  bumpWriteVersion(dst.buffer);
  noteCommand(op);
}

/** Largest table `stagedData` takes. */
export const MAX_STAGED_BYTES = 65536;

/**
 * Host data for dispatches of the current batch, bound as a read-only storage buffer (a 'table' binding, see
 * kernel.ts, so that where it lands does not change the bind group): placed in the uniform
 * arena and written with it right before the submit, so it needs no buffer of its own and cannot race the
 * commands recorded before it. At most MAX_STAGED_BYTES.
 */
export function stagedData(words: Uint32Array | Float32Array | Int32Array): BufferRange {
  if (words.byteLength > MAX_STAGED_BYTES) throw new Error(`stagedData: ${words.byteLength} bytes exceed MAX_STAGED_BYTES (${MAX_STAGED_BYTES})`);
  return arena.place(new Uint32Array(words.buffer, words.byteOffset, words.length));
}

/** Records a buffer-to-buffer copy (sizes and offsets multiples of 4). */
export function copyBuffer(src: BufferRange, dst: BufferRange): void {
  if (src.size !== dst.size) throw new Error(`copyBuffer: sizes differ (${src.size} vs ${dst.size})`);
  if (src.size === 0) return;
  closePass();
  noteBuffers([src, dst]);
  currentEncoder().copyBufferToBuffer(src.buffer, src.offset, dst.buffer, dst.offset, src.size);
  bumpWriteVersion(dst.buffer);
  kernelLog?.push('copy');
  afterCommand('copy');
}

// Write versions: a counter per GPU buffer that every recorded write to it (a kernel's read_write binding, a
// copy's destination, a queue write) bumps. Caches of derived values (the transfer feature cache) compare versions to know
// whether what they were computed from may have changed, whoever wrote it. Counting is per buffer, not per
// byte range: a write to one parameter of a flat buffer bumps its neighbours too (a spurious rebuild, never a
// stale cache).
const writeVersions = new WeakMap<GPUBuffer, number>();

function bumpWriteVersion(buffer: GPUBuffer): void {
  writeVersions.set(buffer, (writeVersions.get(buffer) ?? 0) + 1);
}

/** How many recorded writes `buffer` has had (0 for one never written by a kernel or copy). */
export function writeVersion(buffer: GPUBuffer): number {
  return writeVersions.get(buffer) ?? 0;
}

/**
 * Benchmarks: records the dispatches `fn` makes into a compute pass of their own that writes GPU timestamps
 * at its start and end (the device needs 'timestamp-query'). A copy inside `fn` ends the timed pass early.
 */
export function timedPass(timestampWrites: GPUComputePassTimestampWrites, fn: () => void): void {
  closePass();
  pass = currentEncoder().beginComputePass({ label: 'engine-timed-pass', timestampWrites });
  try {
    fn();
  } finally {
    closePass();
  }
}

/** Submits everything recorded so far (and closes the batch's error scopes). Cheap when nothing is pending. */
export function flush(): void {
  if (!encoder) {
    closeBurst(); // uploads alone open a burst too
    batchSubmitted();
    bufferPool.batchSubmitted();
    return;
  }
  openBurst(); // the encoder's own errors (those of its passes) surface at finish()
  closePass();
  const device = gpuDevice();
  arena.upload(device.queue);
  device.queue.submit([encoder.finish()]);
  encoder = null;
  batchCommands = 0;
  closeBurst();
  batchSubmitted();
  counters.submits++;
  bufferPool.batchSubmitted();
  const done = device.queue.onSubmittedWorkDone().catch(() => undefined);
  inFlight.add(done);
  void done.finally(() => inFlight.delete(done));
}

bufferPool.submitBatch = flush;

const stagingPool = new Map<number, GPUBuffer[]>();

function stagingBuffer(size: number): GPUBuffer {
  const reused = stagingPool.get(size)?.pop();
  if (reused) return reused;
  const buffer = createChecked(`allocating a ${size}-byte readback buffer`, (d) => d.createBuffer({ size, usage: Usage.MAP_READ | Usage.COPY_DST, label: 'readback' }), () => {
    badStaging.add(buffer);
  });
  return buffer;
}
/** Staging buffers whose creation failed asynchronously: never pooled. */
const badStaging = new WeakSet<GPUBuffer>();

/**
 * Words that the next readback brings back behind its data, in the same staging buffer (same submit, same
 * map): the device-side index checks (index-checks.ts) arm one when a checking kernel is recorded. After the
 * map, `check` gets the words and returns the error to throw, or null. The recorder knows nothing else about
 * them, so an app that never records a checking kernel bundles none of it.
 */
export interface ReadbackTrailer {
  range(): BufferRange;
  check(words: Int32Array): Error | null;
}

let trailer: ReadbackTrailer | null = null;

/** Asks the next readback (or awaited `sync()`) to bring `t`'s words back and check them. */
export function armReadbackTrailer(t: ReadbackTrailer): void {
  trailer = t;
}

/**
 * Copies a buffer range back to the CPU: records the copy, submits, and waits for the map. Then throws, in
 * this order, any WebGPU error of the work submitted so far (naming its op), and the armed trailer's error
 * (an index a kernel found out of range). Browser exceptions (AbortError, OperationError from mapAsync)
 * become DeviceError.
 */
export async function readBuffer(src: BufferRange, what = 'readback'): Promise<ArrayBuffer> {
  const generation = currentGeneration();
  if (src.size === 0) {
    await settleGpuErrors();
    return new ArrayBuffer(0);
  }
  const armed = trailer;
  trailer = null;
  const extra = armed?.range();
  const total = src.size + (extra?.size ?? 0);
  const size = sizeClass(total);
  const staging = stagingBuffer(size);
  closePass();
  const enc = currentEncoder();
  enc.copyBufferToBuffer(src.buffer, src.offset, staging, 0, src.size);
  if (extra) enc.copyBufferToBuffer(extra.buffer, extra.offset, staging, src.size, extra.size);
  noteCommand(what);
  flush();
  try {
    await staging.mapAsync(MAP_MODE_READ, 0, total);
  } catch (e) {
    staging.destroy();
    if (generation === currentGeneration()) await settleGpuErrors(); // a root cause of this batch comes first
    throw engineErrorFrom(what, e, generation);
  }
  const mapped = staging.getMappedRange(0, total);
  const bytes = mapped.slice(0, src.size);
  const words = extra ? new Int32Array(mapped.slice(src.size, total)) : null;
  staging.unmap();
  if (generation === currentGeneration() && !badStaging.has(staging)) {
    let list = stagingPool.get(size);
    if (!list) stagingPool.set(size, (list = []));
    list.push(staging);
  }
  await settleGpuErrors();
  const error = words ? armed!.check(words) : null;
  if (error) throw error;
  return bytes;
}

/**
 * Resolves when the GPU has finished all work submitted so far (flushes first); throws like a readback: a
 * WebGPU error of that work, or the armed trailer's error (an index found out of range on the GPU).
 */
export async function sync(): Promise<void> {
  if (trailer) {
    await readBuffer(trailer.range(), 'sync');
    return;
  }
  const generation = currentGeneration();
  flush();
  try {
    await gpuDevice().queue.onSubmittedWorkDone();
  } catch (e) {
    throw engineErrorFrom('sync', e, generation);
  }
  await settleGpuErrors();
}

export function recorderStats(): RecorderStats {
  let pipelines = 0;
  for (const c of compiled.values()) pipelines += c.pipelines.size;
  return { ...counters, pipelines, ...bindGroupStats(), inFlight: inFlight.size };
}

/**
 * Records the name of every kernel dispatched while `fn` runs (copies appear as 'copy'). Tests use it to prove
 * what ran, e.g. that a frozen trunk dispatches no backward kernels.
 */
export async function traceKernels(fn: () => unknown): Promise<string[]> {
  const log: string[] = [];
  const previous = kernelLog;
  kernelLog = log;
  try {
    await fn();
  } finally {
    kernelLog = previous;
  }
  return log;
}

/** One dispatch as traceLaunches records it: the op label, the kernel (its WGSL file name), the override
 * constants it was compiled with and the workgroup grid. */
export interface LaunchRecord {
  op: string;
  kernel: string;
  constants: Record<string, number>;
  workgroups: [number, number, number];
}

/**
 * Like traceKernels, with what each dispatch was compiled and launched with: the kernel explorer shows the
 * tile constants the default dispatch chose for a size.
 */
export async function traceLaunches(fn: () => unknown): Promise<LaunchRecord[]> {
  const log: LaunchRecord[] = [];
  const previous = launchLog;
  launchLog = log;
  try {
    await fn();
  } finally {
    launchLog = previous;
  }
  return log;
}

onDeviceReset(() => {
  compiled.clear();
  stagingPool.clear();
  arena.reset();
  encoder = null;
  pass = null;
  batchCommands = 0;
  inFlight.clear();
  trailer = null;
});
