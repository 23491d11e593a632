// Glue between tensors and kernels: allocate an output, bind tensors in kernel binding order, launch.
// Ops validate their operands before calling these, so nothing here runs on bad input.

import { type Kernel, type ParamsFields, type ParamsValues } from '../../shaders/kernel.ts';
import { EngineError } from '../errors.ts';
import type { BufferRange } from './buffer-range.ts';
import { dispatch } from './recorder.ts';
import { sizeOf } from '../shape.ts';
import { Storage, checkAllocationBytes } from './storage.ts';
import { Tensor, type DType } from '../tensor.ts';

/**
 * Throws a ResourceError, before anything is recorded, when a tensor of `shape` could not exist on this
 * device: more bytes than maxBufferSize or maxStorageBufferBindingSize, or more elements than the kernels
 * index (2^31 − 1).
 */
export function checkAllocation(op: string, shape: readonly number[], dtype: DType = 'float32'): void {
  checkAllocationBytes(op, sizeOf(shape) * 4, shape, dtype);
}

/**
 * A new tensor with uninitialized memory from the pool (the kernel that follows writes every element).
 * `op` names the op in the error a too-large request gets.
 */
export function emptyTensor(shape: readonly number[], dtype: DType = 'float32', op = 'allocate'): Tensor {
  checkAllocation(op, shape, dtype);
  return new Tensor(Storage.allocate(sizeOf(shape) * 4), shape, dtype);
}

interface CommonLaunchOptions {
  constants?: Record<string, number>;
  workgroups: readonly [number, number, number];
  /** Name for traceKernels, when the kernel serves several ops. */
  label?: string;
}

/** A launch's options: `params` by name for a kernel that declares a uniform block, none for one without. */
export type LaunchOptions<P extends ParamsFields | null = ParamsFields | null> = CommonLaunchOptions &
  (P extends ParamsFields ? { params: ParamsValues<P> } : { params?: never });

/** Dispatches `kernel` with `tensors` (or staged host data, see stagedData) bound in its binding order. */
export function launch<const P extends ParamsFields | null>(
  kernel: Kernel<P>,
  tensors: ReadonlyArray<Tensor | BufferRange>,
  options: NoInfer<LaunchOptions<P>>,
): void {
  const buffers = tensors.map((t) => (t instanceof Tensor ? t.storage.range(t.size * 4) : t));
  const uniforms = packParams(kernel as Kernel, (options as { params?: ParamsValues<ParamsFields> }).params);
  dispatch(kernel as Kernel, {
    buffers,
    workgroups: options.workgroups,
    ...(uniforms ? { uniforms } : {}),
    ...(options.constants ? { constants: options.constants } : {}),
    ...(options.label ? { label: options.label } : {}),
  });
}

/** The launch's uniform words, packed by the kernel's declaration; an EngineError, before any GPU work, if they do not fit it. */
function packParams(kernel: Kernel, given: ParamsValues<ParamsFields> | undefined): Uint32Array | undefined {
  const block = kernel.params;
  if (!block && given !== undefined) throw new EngineError(`${kernel.name}: declares no params, got ${JSON.stringify(given)}`);
  if (!block) return undefined;
  if (given === undefined) throw new EngineError(`${kernel.name}: launched without its params (${block.wgsl})`);
  try {
    return block.pack(given);
  } catch (e) {
    throw new EngineError((e as Error).message);
  }
}
