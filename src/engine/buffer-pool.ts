// A pool of GPU storage buffers in size classes, so that a steady training loop creates no new buffers after
// its first steps. Sizes round up to 2^k · {1, 1.25, 1.5, 1.75} (at most 25% waste), at least 256 bytes.
//
// Reuse rule: a buffer released while commands that read it are still being recorded may be handed to a later
// *GPU-written* output at once (commands run in recording order), but not to a `queue.writeBuffer` upload,
// which would land before those commands run. Such buffers wait in `releasedThisBatch` until the batch is
// submitted; `acquire(bytes, true)` (clean) takes only from the safe list.

import { Usage, gpuDevice, onDeviceReset } from './device.ts';

export const STORAGE_USAGE = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;

export function sizeClass(bytes: number): number {
  const min = 256;
  if (bytes <= min) return min;
  const k = Math.floor(Math.log2(bytes));
  const base = 2 ** k;
  for (const step of [1, 1.25, 1.5, 1.75, 2]) {
    const c = base * step;
    if (c >= bytes) return Math.ceil(c / 4) * 4;
  }
  return base * 2;
}

export interface PoolStats {
  /** Buffers created since init (never decreases). */
  created: number;
  /** Buffers that exist now (in use or pooled). */
  live: number;
  liveBytes: number;
  /** Buffers currently handed out. */
  inUse: number;
  inUseBytes: number;
}

class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private releasedThisBatch: GPUBuffer[] = [];
  private stats: PoolStats = { created: 0, live: 0, liveBytes: 0, inUse: 0, inUseBytes: 0 };

  acquire(bytes: number, clean = false): GPUBuffer {
    const size = sizeClass(bytes);
    let buffer = this.free.get(size)?.pop();
    if (!buffer && !clean) {
      const i = this.releasedThisBatch.findIndex((b) => b.size === size);
      if (i >= 0) buffer = this.releasedThisBatch.splice(i, 1)[0];
    }
    if (!buffer) {
      buffer = gpuDevice().createBuffer({ size, usage: STORAGE_USAGE, label: `pool-${size}` });
      this.stats.created++;
      this.stats.live++;
      this.stats.liveBytes += size;
    }
    this.stats.inUse++;
    this.stats.inUseBytes += size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    this.stats.inUse--;
    this.stats.inUseBytes -= buffer.size;
    this.releasedThisBatch.push(buffer);
  }

  /** Called after each submit: buffers released during the batch become safe for uploads too. */
  batchSubmitted(): void {
    for (const b of this.releasedThisBatch) {
      let list = this.free.get(b.size);
      if (!list) this.free.set(b.size, (list = []));
      list.push(b);
    }
    this.releasedThisBatch = [];
  }

  /** Destroys pooled (unused) buffers, e.g. after a large one-off computation. */
  trim(): void {
    this.batchSubmitted();
    for (const list of this.free.values()) {
      for (const b of list) {
        this.stats.live--;
        this.stats.liveBytes -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
  }

  snapshot(): PoolStats {
    return { ...this.stats };
  }

  reset(): void {
    this.free.clear();
    this.releasedThisBatch = [];
    this.stats = { created: 0, live: 0, liveBytes: 0, inUse: 0, inUseBytes: 0 };
  }
}

export const bufferPool = new BufferPool();
onDeviceReset(() => bufferPool.reset());
