// memoryStats() and resetPeakMemory(): the buffer pool's and the recorder's counters in one object.

import { bufferPool } from './buffer-pool.ts';
import { recorderStats } from './recorder.ts';

/**
 * Counters for tests and leak checks: GPU buffers (pool), dispatches, submits, compiled pipelines, bind groups
 * created (`bindGroups`; a steady step takes its own from the cache), and the
 * peak of pooled bytes in use (`peakInUseBytes`) since init or the last resetPeakMemory(): call that before a
 * training step and read memoryStats() after it for the step's peak memory.
 */
export function memoryStats(): ReturnType<typeof bufferPool.snapshot> & ReturnType<typeof recorderStats> {
  return { ...bufferPool.snapshot(), ...recorderStats() };
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
  bufferPool.trim();
}
