// A pool of GPU storage buffers in size classes, so that a steady training loop creates no new buffers after
// its first steps. Sizes round up to 2^k · {1, 1.25, 1.5, 1.75} (at most 25% waste), at least 256 bytes.
//
// Reuse rule: a buffer released while commands that read it are still being recorded may be handed to a later
// *GPU-written* output at once (commands run in recording order), but not to a `queue.writeBuffer` upload,
// which would land before those commands run. Such buffers wait in `releasedThisBatch` until the batch is
// submitted; `acquire(bytes, true)` (clean) takes only from the safe list, and when the only buffer of its
// size is one released in the open batch, it submits the batch first (so uploads every step reuse memory
// instead of growing it).
//
// Which free buffer: the oldest (first created) of its size class, not the last released. Each allocation's
// buffer is then a function of which buffers are free, not of the order they were released in, and a steady
// loop settles within a few steps on binding the same buffers every step, so its bind groups come from the
// cache (bind-groups.ts). Last-released-first keeps permuting them from step to step, for longer.
//
// No invalid buffer enters the pool: every creation runs inside its own error scope; one that fails
// asynchronously (a real out-of-memory) is quarantined when its scope resolves: destroyed, never handed out
// again, and reported at the next readback naming the op whose output it was. Before creating a buffer of
// LARGE_ALLOCATION bytes or more, the pool submits the open batch, so a failing allocation cannot take work
// recorded earlier down with it (WebGPU rejects a whole command buffer that uses an invalid buffer).

import { forgetBuffer } from './bind-groups.ts';
import { Usage, extraBufferUsage, onDeviceReset } from './device.ts';
import { createChecked } from './error-scopes.ts';
import { fmtBytes } from '../errors.ts';

/** Every pooled buffer's usage, plus InitOptions.bufferUsage. */
export const STORAGE_USAGE = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;

/** Buffers this large are created only after the open batch was submitted (see the header). */
export const LARGE_ALLOCATION = 64 * 1024 * 1024;

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
  /** Most bytes handed out at once since init or the last resetPeakMemory() (tensors' pooled memory). */
  peakInUseBytes: number;
  /** Most bytes of pooled buffers alive at once (in use or pooled) over the same span. */
  peakLiveBytes: number;
  /** Buffers whose creation failed asynchronously and were destroyed instead of pooled. */
  quarantined: number;
}

function zeroStats(): PoolStats {
  return { created: 0, live: 0, liveBytes: 0, inUse: 0, inUseBytes: 0, peakInUseBytes: 0, peakLiveBytes: 0, quarantined: 0 };
}

class BufferPool {
  /** Size class → free buffers, newest first (pop() takes the oldest; see the header). */
  private free = new Map<number, GPUBuffer[]>();
  /** Creation order of every buffer the pool made. */
  private serial = new WeakMap<GPUBuffer, number>();
  private serialCounter = 0;
  private releasedThisBatch: GPUBuffer[] = [];
  private releasedBytes = 0;
  private stats: PoolStats = zeroStats();
  /** Buffers created whose error scope has not resolved yet → the op that first used them (for messages). */
  private unconfirmed = new Map<GPUBuffer, string>();
  private bad = new WeakSet<GPUBuffer>();
  /** Submits the open batch (set by the recorder, which imports this module). */
  submitBatch: () => void = () => {};

  acquire(bytes: number, clean = false): GPUBuffer {
    const size = sizeClass(bytes);
    let buffer = this.free.get(size)?.pop();
    if (!buffer) {
      const i = this.releasedThisBatch.findIndex((b) => b.size === size);
      if (i >= 0 && clean) {
        this.submitBatch(); // moves releasedThisBatch to the free lists
        buffer = this.free.get(size)?.pop();
      } else if (i >= 0) {
        buffer = this.releasedThisBatch.splice(i, 1)[0]!;
        this.releasedBytes -= size;
      }
    }
    if (!buffer) buffer = this.create(size);
    this.stats.inUse++;
    this.stats.inUseBytes += size;
    if (this.stats.inUseBytes > this.stats.peakInUseBytes) this.stats.peakInUseBytes = this.stats.inUseBytes;
    return buffer;
  }

  private create(size: number): GPUBuffer {
    if (size >= LARGE_ALLOCATION) this.submitBatch();
    let made: GPUBuffer | null = null;
    const usedBy = (): string => (made && this.unconfirmed.get(made)) || '';
    const buffer: GPUBuffer = createChecked<GPUBuffer>(
      () => `allocating ${fmtBytes(size)} of GPU memory${usedBy() ? ` for the output of ${usedBy()}` : ''}`,
      (d) => d.createBuffer({ size, usage: STORAGE_USAGE | extraBufferUsage(), label: `pool-${size}` }),
      () => {
        this.quarantine(buffer);
        this.unconfirmed.delete(buffer);
      },
      () => this.unconfirmed.delete(buffer),
    );
    made = buffer;
    this.serial.set(buffer, ++this.serialCounter);
    this.unconfirmed.set(buffer, '');
    this.stats.created++;
    this.stats.live++;
    this.stats.liveBytes += size;
    if (this.stats.liveBytes > this.stats.peakLiveBytes) this.stats.peakLiveBytes = this.stats.liveBytes;
    return buffer;
  }

  /** Records which op first bound a buffer whose creation is not confirmed yet (cheap: usually no entries). */
  noteUse(ranges: ReadonlyArray<{ buffer: GPUBuffer }>, op: string): void {
    if (this.unconfirmed.size === 0) return;
    for (const r of ranges) if (this.unconfirmed.get(r.buffer) === '') this.unconfirmed.set(r.buffer, op);
  }

  /** The creation of `buffer` failed: destroy it wherever it is, and never pool it again. */
  private quarantine(buffer: GPUBuffer): void {
    this.bad.add(buffer);
    this.stats.quarantined++;
    const list = this.free.get(buffer.size);
    const inFree = list ? list.indexOf(buffer) : -1;
    const inBatch = this.releasedThisBatch.indexOf(buffer);
    if (inFree >= 0) list!.splice(inFree, 1);
    if (inBatch >= 0) {
      this.releasedThisBatch.splice(inBatch, 1);
      this.releasedBytes -= buffer.size;
    }
    if (inFree >= 0 || inBatch >= 0) this.drop(buffer);
  }

  private drop(buffer: GPUBuffer): void {
    this.stats.live--;
    this.stats.liveBytes -= buffer.size;
    forgetBuffer(buffer);
    buffer.destroy();
  }

  release(buffer: GPUBuffer): void {
    this.stats.inUse--;
    this.stats.inUseBytes -= buffer.size;
    if (this.bad.has(buffer)) {
      this.drop(buffer);
      return;
    }
    this.releasedThisBatch.push(buffer);
    this.releasedBytes += buffer.size;
  }

  releasedBytesThisBatch(): number {
    return this.releasedBytes;
  }

  /** Called after each submit: buffers released during the batch become safe for uploads too. */
  batchSubmitted(): void {
    for (const b of this.releasedThisBatch) {
      let list = this.free.get(b.size);
      if (!list) this.free.set(b.size, (list = []));
      this.insertFree(list, b);
    }
    this.releasedThisBatch = [];
    this.releasedBytes = 0;
  }

  /** Inserts `buffer` into a free list kept in descending creation order (binary search). */
  private insertFree(list: GPUBuffer[], buffer: GPUBuffer): void {
    const key = this.serial.get(buffer) ?? 0;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.serial.get(list[mid]!) ?? 0) > key) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, buffer);
  }

  /** Destroys pooled (unused) buffers, e.g. after a large one-off computation. */
  trim(): void {
    this.batchSubmitted();
    for (const list of this.free.values()) for (const b of list) this.drop(b);
    this.free.clear();
  }

  /** Starts a new span for peakInUseBytes / peakLiveBytes (e.g. before one training step). */
  resetPeak(): void {
    this.stats.peakInUseBytes = this.stats.inUseBytes;
    this.stats.peakLiveBytes = this.stats.liveBytes;
  }

  snapshot(): PoolStats {
    return { ...this.stats };
  }

  reset(): void {
    this.free.clear();
    this.releasedThisBatch = [];
    this.releasedBytes = 0;
    this.unconfirmed.clear();
    this.stats = zeroStats();
  }
}

export const bufferPool = new BufferPool();
onDeviceReset(() => bufferPool.reset());
