// memoryStats() and resetPeakMemory(): the buffer pool's and the recorder's counters in one object.

import { bufferPool } from './buffer-pool.ts';
import { flush, recorderStats } from './recorder.ts';
import { storageRefs } from './storage.ts';

/**
 * Counters for tests and leak checks: GPU buffers (pool), dispatches, submits, compiled pipelines, bind groups
 * created (`bindGroups`; a steady step takes its own from the cache), and the
 * peak of pooled bytes in use (`peakInUseBytes`) since init or the last resetPeakMemory(): call that before a
 * training step and read memoryStats() after it for the step's peak memory. `storageRefs`: references held on
 * GPU memory by tensors and views (storage.ts); a call that throws must leave it and the pool's counts unchanged.
 */
export function memoryStats(): ReturnType<typeof bufferPool.snapshot> & ReturnType<typeof recorderStats> & { storageRefs: number } {
  return { ...bufferPool.snapshot(), ...recorderStats(), storageRefs: storageRefs() };
}

/** Starts a new span for memoryStats().peakInUseBytes and peakLiveBytes. */
export function resetPeakMemory(): void {
  bufferPool.resetPeak();
}

/**
 * Releases the GPU buffers the pool keeps for reuse (PyTorch's `torch.cuda.empty_cache()`): live tensors keep
 * theirs. Call it between jobs to hand memory back to the browser; the next allocations create buffers anew.
 */
export function emptyCache(): void {
  // Work recorded but not yet submitted may use a buffer released in this batch: submit it first (destroying a
  // buffer after its submit is fine; before, the submit fails as "used in submit while destroyed").
  flush();
  bufferPool.trim();
}
