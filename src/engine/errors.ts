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
