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
 * While a map (or sync) is pending: up to MAP_NUDGES onSubmittedWorkDone calls, 1 ms apart, from timers (no
 * spinning). Why: Chromium's GPU process looks at a pending map when the mapAsync arrives and, if the work is not
 * done, again about 2 ms later; any command makes it look again. Work under ~1 ms then comes back in ~1.4 ms
 * instead of ~2.4. Bare round trips on SwiftShader, quiet machine, median (p90): 0.05 ms of work 2.4 (2.6) →
 * 1.4 (1.5); ~1 ms 2.5 (2.7) → 1.5 (1.6); ~2 ms 2.4 → 2.6; ~15 ms 14.5 → 14.0 (bench/probe/README.md). Three
 * nudges stay under the 5 nested timers after which Chrome clamps a timer to 4 ms.
 */
const MAP_NUDGES = 3;

function nudgeWhilePending(pending: Promise<unknown>): void {
  const queue = gpuDevice().queue;
  let settled = false;
  void pending.then(
    () => (settled = true),
    () => (settled = true),
  );
  let left = MAP_NUDGES;
  const tick = (): void => {
    if (settled || left-- <= 0) return;
    try {
      queue.onSubmittedWorkDone().catch(() => undefined);
    } catch {
      return; // a lost device: the pending map or sync reports it
    }
    setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
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
  const staging = acquireStaging(size);
  const enc = copyEncoder();
  enc.copyBufferToBuffer(src.buffer, src.offset, staging, 0, src.size);
  if (extra) enc.copyBufferToBuffer(extra.buffer, extra.offset, staging, src.size, extra.size);
  noteCommand(what);
  flush();
  try {
    const map = staging.mapAsync(MAP_MODE_READ, 0, total);
    nudgeWhilePending(map);
    await map;
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
    const done = gpuDevice().queue.onSubmittedWorkDone();
    nudgeWhilePending(done);
    await done;
  } catch (e) {
    throw engineErrorFrom('sync', e, generation);
  }
  await settleGpuErrors();
}
