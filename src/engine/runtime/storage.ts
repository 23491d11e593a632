// Reference-counted GPU memory behind tensors. A storage is either a whole pooled buffer, a buffer it was
// given (owned by the caller), or a view (byte offset + length) into another storage: the nn layer keeps all
// parameters of a group in one flat buffer and hands out views. Views keep their parent alive.
//
// Offsets of views must be multiples of 256 bytes (minStorageBufferOffsetAlignment), so a view can be bound
// to a kernel directly and kernels never see offsets.
//
// storageRefs() counts the references held on this device's storages (each storage's own, each retain, each
// view's hold on its parent, minus releases): memoryStats().storageRefs. A rejected call must leave it as it
// was; a view or a retain left behind on an error path shows there, not in the pool's counts.

import { bufferPool } from './buffer-pool.ts';
import { currentGeneration, engineInfo, onDeviceReset } from './device.ts';
import { EngineError, ResourceError, fmtBytes, fmtShape } from '../errors.ts';
import type { BufferRange } from './buffer-range.ts';

/** Most elements a tensor may have: kernels index elements with 32-bit integers (some signed). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** See checkAllocation (launch.ts); `shape` only for the message. */
export function checkAllocationBytes(op: string, bytes: number, shape?: readonly number[], dtype = 'float32'): void {
  const limits = engineInfo().limits;
  const what = shape ? `a ${fmtShape(shape)} ${dtype} tensor (${fmtBytes(bytes)})` : `${fmtBytes(bytes)}`;
  if (shape && bytes / 4 > MAX_ELEMENTS) {
    throw new ResourceError(`${op}: ${what} has ${bytes / 4} elements; the engine's kernels index at most ${MAX_ELEMENTS} (2^31 − 1)`);
  }
  if (bytes > limits.maxBufferSize) {
    throw new ResourceError(`${op}: ${what} exceeds this device's maxBufferSize (${fmtBytes(limits.maxBufferSize)})`);
  }
  if (bytes > limits.maxStorageBufferBindingSize) {
    throw new ResourceError(
      `${op}: ${what} exceeds this device's maxStorageBufferBindingSize (${fmtBytes(limits.maxStorageBufferBindingSize)}), ` +
        'the most one kernel binding can see',
    );
  }
}

export const VIEW_ALIGN_BYTES = 256;

let liveRefs = 0;
onDeviceReset(() => {
  liveRefs = 0;
});

/** References held on this device's storages now (see the header). */
export function storageRefs(): number {
  return liveRefs;
}

type Owner = { kind: 'pool' } | { kind: 'external' } | { kind: 'view'; parent: Storage };

export class Storage {
  private refs = 1;
  readonly generation = currentGeneration();

  private constructor(
    readonly buffer: GPUBuffer,
    readonly offset: number,
    readonly byteLength: number,
    private readonly owner: Owner,
  ) {
    liveRefs++;
  }

  /** Fresh memory from the pool. `clean` asks for a buffer that is safe to fill with queue.writeBuffer now. */
  static allocate(byteLength: number, clean = false): Storage {
    checkAllocationBytes('allocate', byteLength);
    return new Storage(bufferPool.acquire(Math.max(byteLength, 4), clean), 0, byteLength, { kind: 'pool' });
  }

  /** Wraps a caller's buffer (never destroyed or pooled by the engine). */
  static external(buffer: GPUBuffer, offset = 0, byteLength = buffer.size - offset): Storage {
    return new Storage(buffer, offset, byteLength, { kind: 'external' });
  }

  /** A window into this storage. */
  view(byteOffset: number, byteLength: number): Storage {
    if (byteOffset % VIEW_ALIGN_BYTES !== 0) throw new EngineError(`storage view: offset ${byteOffset} is not a multiple of ${VIEW_ALIGN_BYTES}`);
    if (byteOffset + byteLength > this.byteLength) {
      throw new EngineError(`storage view: [${byteOffset}, ${byteOffset + byteLength}) exceeds ${this.byteLength} bytes`);
    }
    this.retain();
    return new Storage(this.buffer, this.offset + byteOffset, byteLength, { kind: 'view', parent: this });
  }

  /** Whether this is (a view of) a caller's buffer, which the engine never destroys, pools or moves. */
  get isExternal(): boolean {
    return this.owner.kind === 'external' || (this.owner.kind === 'view' && this.owner.parent.isExternal);
  }

  get refCount(): number {
    return this.refs;
  }

  retain(): this {
    if (this.refs <= 0) throw new EngineError('storage: retain after release');
    this.refs++;
    if (this.generation === currentGeneration()) liveRefs++;
    return this;
  }

  release(): void {
    if (this.refs <= 0) return;
    const current = this.generation === currentGeneration();
    if (current) liveRefs--;
    if (--this.refs > 0) return;
    if (!current) return; // the device is gone; nothing to give back
    if (this.owner.kind === 'pool') bufferPool.release(this.buffer);
    else if (this.owner.kind === 'view') this.owner.parent.release();
  }

  /** The binding range for `byteLength` bytes (kernels need a non-zero size). */
  range(byteLength = this.byteLength): BufferRange {
    return { buffer: this.buffer, offset: this.offset, size: Math.max(4, byteLength) };
  }
}
