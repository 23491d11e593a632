// Typed errors. Every message names the op (or layer path) and the shapes involved, and every check runs
// before any GPU work is recorded, so a caught error leaves the engine usable.

/** Base class of every error the engine throws on purpose. */
export class EngineError extends Error {
  override name = 'EngineError';
}

/** Shapes that do not fit the op: `matmul: inner dimensions differ: [2,3] @ [4,5]`. */
export class ShapeError extends EngineError {
  override name = 'ShapeError';
}

/** A dtype the op does not take, or two operands whose dtypes differ. */
export class DTypeError extends EngineError {
  override name = 'DTypeError';
}

/** A tensor used after `dispose()`, or after the device it lives on was lost or replaced. */
export class DisposedError extends EngineError {
  override name = 'DisposedError';
}

/** No WebGPU, no adapter, a lost device, or a tensor from another device. */
export class DeviceError extends EngineError {
  override name = 'DeviceError';
}

/** Formats a shape the way messages print it: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * A request past what the device can hold or index (maxBufferSize, maxStorageBufferBindingSize, 2^31 − 1
 * elements), thrown before anything is recorded; or an allocation the GPU refused (out of memory), reported
 * at the next readback.
 */
export class ResourceError extends EngineError {
  override name = 'ResourceError';
}

/**
 * A class index outside its valid range, found on the GPU by the kernel that read it (oneHot, crossEntropy)
 * and thrown at the next readback or awaited `sync()`. Work recorded before that readback already ran.
 */
export class IndexError extends EngineError {
  override name = 'IndexError';
}

/** Formats a byte count for messages: `1.5 GiB`, `256 B`. */
export function fmtBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : Number(v.toPrecision(3))} ${units[u]}`;
}
