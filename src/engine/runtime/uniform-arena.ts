// The uniform arena: where a batch's per-dispatch uniforms and small host tables live on the GPU, so that a
// dispatch costs no buffer creation. Each dispatch gets a 256-byte-aligned slice of an arena "chunk". The bytes
// collect on the CPU and are written with one writeBuffer per chunk just before the submit (queue order makes
// that safe even while the previous batch still runs). The same arena carries small per-dispatch host tables
// bound as read-only storage (`stagedData`, e.g. the optimizers' per-parameter table).
//
// The recorder binds a slice with a dynamic offset (the uniform binding, and 'table' bindings for stagedData),
// so a bind group depends on the chunk, not on where in it this launch's bytes landed; with chunks of 1 MiB a
// batch's slices fit one chunk, so a steady loop binds the same chunk every step (see bind-groups.ts).

import type { BufferRange } from './buffer-range.ts';
import { Usage, onDeviceReset } from './device.ts';
import { createChecked } from './error-scopes.ts';

/** 1 MiB: a batch's uniforms (256 bytes a dispatch, MAX_BATCH_COMMANDS_HARD dispatches at most) fit one chunk,
 * so the chunk a dispatch lands in, part of its bind group, stays the same in loops without a readback too. */
const ARENA_CHUNK = 1 << 20;
/** Every slice starts on 256 bytes: the largest minUniformBufferOffsetAlignment / minStorageBufferOffsetAlignment
 * WebGPU allows, so the offsets are valid dynamic uniform offsets and storage binding offsets on every device. */
export const UNIFORM_ALIGN = 256;

/** Bytes a slice of `byteLength` bytes binds (at least 16, a multiple of 16). */
export function arenaSlotBytes(byteLength: number): number {
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

/** The one arena: the recorder places uniforms in it and uploads it right before each submit. */
export const uniformArena = new UniformArena();

onDeviceReset(() => uniformArena.reset());

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
  return uniformArena.place(new Uint32Array(words.buffer, words.byteOffset, words.length));
}
