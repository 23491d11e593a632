// Zero-copy interop with an app's own WebGPU code on the engine's device (`init({ device })` or
// engineDevice()): a tensor over the app's buffer (fromGPUBuffer), and the buffer behind any tensor for the
// app's own passes (Tensor.gpuBuffer()).
//
// Ordering contract. The engine records its work and submits it in batches (at a readback, flush(), sync(),
// gpuBuffer(), or when a batch is full), so the GPU runs an op at the batch's submit, seeing the buffers as
// they are then. Before the app writes a buffer that recorded ops read (queue.writeBuffer, its own submit),
// it calls flush(), or those ops see the new contents; after the app wrote one, the engine's ops recorded
// next see the write (queue order). Before the app reads a tensor in its own pass, t.gpuBuffer() submits
// the ops that produce it. `await sync()` also waits until the GPU has finished them.

import { checkDeviceLive, engineDevice, Usage } from './runtime/device.ts';
import { registerExternalBuffer } from './runtime/error-scopes.ts';
import { DTypeError, EngineError, ResourceError, fmtShape } from './errors.ts';
import { checkOptions } from './options.ts';
import { checkShape, sizeOf } from './shape.ts';
import { Storage, checkAllocationBytes } from './runtime/storage.ts';
import { Tensor, type DType } from './tensor.ts';

export interface FromGPUBufferOptions {
  /** Element type of the buffer's contents (4 bytes each). Default 'float32'. */
  dtype?: DType;
  /** Byte offset of the first element: a multiple of the device's minStorageBufferOffsetAlignment (256 on most). */
  offset?: number;
  /** Name used in error messages (like a parameter's name). */
  name?: string;
}

/** Usage flags an app's buffer needs: bound by kernels (STORAGE) and copied out of by readbacks (COPY_SRC). */
export const REQUIRED_USAGE = Usage.STORAGE | Usage.COPY_SRC;

function usageNames(usage: number): string {
  const bits = {
    MAP_READ: 1, MAP_WRITE: 2, COPY_SRC: 4, COPY_DST: 8, INDEX: 0x10, VERTEX: 0x20, UNIFORM: 0x40, STORAGE: 0x80, INDIRECT: 0x100, QUERY_RESOLVE: 0x200,
  };
  const names = Object.entries(bits)
    .filter(([, bit]) => (usage & bit) !== 0)
    .map(([n]) => n);
  return names.join(' | ') || 'none';
}

/**
 * A tensor over `shape` elements of an app's GPU buffer, starting at `offset` bytes: no copy. The engine
 * never destroys, pools or moves the buffer (disposing the tensor only drops the engine's handle; an
 * optimizer refuses it as a parameter). The buffer must be from the engine's device, unmapped, with
 * STORAGE and COPY_SRC usage (and COPY_DST to be written by copyInto). A destroyed buffer, or one from
 * another device, cannot be recognised up front: the first batch that uses it fails with a DeviceError naming
 * this tensor. See the ordering contract in the header above (flush() before the app writes the buffer).
 */
export function fromGPUBuffer(buffer: GPUBuffer, shape: readonly number[], options: FromGPUBufferOptions = {}): Tensor {
  const op = 'fromGPUBuffer';
  checkOptions(op, options, ['dtype', 'offset', 'name']);
  checkDeviceLive(op);
  const b = buffer as Partial<GPUBuffer> | null;
  if (b === null || typeof b !== 'object' || typeof b.size !== 'number' || typeof b.usage !== 'number') {
    throw new TypeError(`${op}: expected a GPUBuffer, got ${buffer === null ? 'null' : typeof buffer}`);
  }
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of sizes, got ${typeof shape}`);
  checkShape(op, shape);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') throw new DTypeError(`${op}: dtype must be 'float32' or 'int32', got ${String(dtype)}`);
  const offset = options.offset ?? 0;
  const label = buffer.label ? `buffer "${buffer.label}"` : 'an unlabelled buffer';
  const what = `${op}(${label}${options.name ? `, "${options.name}"` : ''}, ${fmtShape(shape)} ${dtype})`;
  const align = engineDevice().limits.minStorageBufferOffsetAlignment;
  if (!Number.isInteger(offset) || offset < 0 || offset % align !== 0) {
    throw new EngineError(`${what}: offset ${offset} must be a non-negative multiple of this device's minStorageBufferOffsetAlignment (${align} bytes)`);
  }
  if ((buffer.usage & REQUIRED_USAGE) !== REQUIRED_USAGE) {
    throw new EngineError(
      `${what}: the buffer's usage is ${usageNames(buffer.usage)}; the engine needs STORAGE | COPY_SRC (kernels bind it, readbacks copy from it). ` +
        'Create it with usage GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST',
    );
  }
  if (buffer.mapState !== undefined && buffer.mapState !== 'unmapped') {
    throw new EngineError(`${what}: the buffer is ${buffer.mapState}; unmap it first (a mapped buffer cannot be used by the GPU)`);
  }
  const bytes = sizeOf(shape) * 4;
  if (offset + bytes > buffer.size) {
    throw new ResourceError(`${what}: needs ${bytes} bytes from offset ${offset} (${offset + bytes} in all), but the buffer has ${buffer.size} bytes`);
  }
  checkAllocationBytes(op, bytes, shape, dtype);
  registerExternalBuffer(buffer, `${what} at offset ${offset}`);
  const t = new Tensor(Storage.external(buffer, offset, bytes), shape, dtype);
  if (options.name) t.name = options.name;
  return t;
}
