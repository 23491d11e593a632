// Getting results back to the CPU: readBuffer copies a range into a staging buffer (staging.ts), submits the
// batch and waits for the map; sync() waits for all submitted work. Both then throw what went wrong in that
// work: first a WebGPU error (error-scopes.ts), then the readback trailer's.
//
// The readback trailer: words that the next readback brings back behind its data, in the same staging buffer
// (same submit, same map). The device-side index checks (index-checks.ts) arm one when a checking kernel is
// recorded; this module knows nothing else about them, so an app that never records a checking kernel bundles
// none of it.

import type { BufferRange } from './buffer-range.ts';
import { sizeClass } from './buffer-pool.ts';
import { MAP_MODE_READ, currentGeneration, gpuDevice, onDeviceReset } from './device.ts';
import { engineErrorFrom, noteCommand, settleGpuErrors } from './error-scopes.ts';
import { copyEncoder, flush } from './recorder.ts';
import { acquireStaging, releaseStaging } from './staging.ts';

/**
 * Words the next readback brings back behind its data. After the map, `check` gets the words and returns the
 * error to throw, or null.
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

onDeviceReset(() => {
  trailer = null;
});

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
  const staging = acquireStaging(size);
  const enc = copyEncoder();
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
  if (generation === currentGeneration()) releaseStaging(staging, size);
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
