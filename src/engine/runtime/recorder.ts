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
// A dispatch takes its pipeline from the cache (pipelines.ts), places its uniforms in the uniform arena
// (uniform-arena.ts, uploaded right before each submit), and binds with dynamic offsets for the uniform slice
// and the 'table' bindings (stagedData), so a bind group depends only on the buffers bound, not on where this
// launch's uniforms and tables landed in the arena; bind-groups.ts caches them, and a steady step whose buffers
// repeat creates none. Every command is noted for the error messages (error-scopes.ts), bumps the write
// versions of what it writes (write-versions.ts), and is reported to any open trace (trace.ts). Reading
// results back (the staging buffers, the readback trailer, sync) is readback.ts.

import type { Kernel } from '../../shaders/kernel.ts';
import { bindGroupFor, bindGroupStats } from './bind-groups.ts';
import type { BufferRange } from './buffer-range.ts';
import { bufferPool } from './buffer-pool.ts';
import { gpuDevice, onDeviceReset } from './device.ts';
import { batchSubmitted, closeBurst, noteBuffers, noteCommand, openBurst } from './error-scopes.ts';
import { pipelineCount, pipelineFor } from './pipelines.ts';
import { traceCopy, traceDispatch } from './trace.ts';
import { UNIFORM_ALIGN, uniformArena } from './uniform-arena.ts';
import { bumpWriteVersion } from './write-versions.ts';

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
const counters = { dispatches: 0, submits: 0 };
const inFlight = new Set<Promise<unknown>>();

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
    if (r.offset % UNIFORM_ALIGN !== 0) {
      throw new Error(`${kernel.name}: binding ${i} (a table) starts at byte ${r.offset}, not a multiple of ${UNIFORM_ALIGN}`);
    }
    dynamicOffsets.push(r.offset);
    return { buffer: r.buffer, offset: 0, size: r.size };
  });
  if (launch.uniforms) {
    const u = uniformArena.place(launch.uniforms);
    ranges.push({ buffer: u.buffer, offset: 0, size: c.uniformBytes });
    dynamicOffsets.push(u.offset);
  }
  bufferPool.noteUse(launch.buffers, op);
  noteBuffers(launch.buffers);
  // The bind group carries the op's name, so WebGPU's own error messages name the op.
  const bindGroup = bindGroupFor(c.layout, c.layoutId, op, ranges);
  const timed = dispatchTimer?.(op) ?? null;
  if (timed) {
    closePass();
    pass = currentEncoder().beginComputePass({ label: op, timestampWrites: timed });
  }
  const p = currentPass();
  p.setPipeline(pipeline);
  if (dynamicOffsets.length > 0) p.setBindGroup(0, bindGroup, dynamicOffsets);
  else p.setBindGroup(0, bindGroup);
  p.dispatchWorkgroups(x, y, z);
  kernel.bindings.forEach((kind, i) => {
    if (kind === 'write') bumpWriteVersion(launch.buffers[i]!.buffer);
  });
  if (timed) closePass();
  counters.dispatches++;
  traceDispatch(op, kernel.name, launch.constants, launch.workgroups);
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

/** Records a buffer-to-buffer copy (sizes and offsets multiples of 4). */
export function copyBuffer(src: BufferRange, dst: BufferRange): void {
  if (src.size !== dst.size) throw new Error(`copyBuffer: sizes differ (${src.size} vs ${dst.size})`);
  if (src.size === 0) return;
  closePass();
  noteBuffers([src, dst]);
  currentEncoder().copyBufferToBuffer(src.buffer, src.offset, dst.buffer, dst.offset, src.size);
  bumpWriteVersion(dst.buffer);
  traceCopy();
  afterCommand('copy');
}

let dispatchTimer: ((op: string) => GPUComputePassTimestampWrites | null) | null = null;

/**
 * Profiling (bench/probe/profile.ts): while set, every dispatch for which `timer(op)` returns timestamp writes
 * records into a compute pass of its own that writes them, so each kernel's GPU time can be read. null turns it off.
 */
export function setDispatchTimer(timer: typeof dispatchTimer): void {
  dispatchTimer = timer;
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
  uniformArena.upload(device.queue);
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

/**
 * The open batch's encoder with no compute pass open, for copies its caller records itself (readback.ts copies
 * into a staging buffer, notes the command and submits).
 */
export function copyEncoder(): GPUCommandEncoder {
  closePass();
  return currentEncoder();
}

export function recorderStats(): RecorderStats {
  return { ...counters, pipelines: pipelineCount(), ...bindGroupStats(), inFlight: inFlight.size };
}

onDeviceReset(() => {
  encoder = null;
  pass = null;
  batchCommands = 0;
  inFlight.clear();
});
