// Glue between tensors and kernels: allocate an output, bind tensors in kernel binding order, launch.
// Ops validate their operands before calling these, so nothing here runs on bad input.

import { type Kernel, type LegacyUniforms, type ParamsFields, type ParamsValues } from '../shaders/kernel.ts';
import { dispatch, type BufferRange } from './recorder.ts';
import { sizeOf } from './shape.ts';
import { Storage, checkAllocationBytes } from './storage.ts';
import { Tensor, type DType } from './tensor.ts';

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
export type LaunchOptions<P extends ParamsFields | null | LegacyUniforms = ParamsFields | null | LegacyUniforms> = CommonLaunchOptions &
  (P extends ParamsFields
    ? { params: ParamsValues<P>; uniforms?: never }
    : P extends LegacyUniforms
      ? { uniforms: Uint32Array | readonly number[]; params?: never }
      : { params?: never; uniforms?: never });

/** Dispatches `kernel` with `tensors` (or staged host data, see stagedData) bound in its binding order. */
export function launch<const P extends ParamsFields | null | LegacyUniforms>(
  kernel: Kernel<P>,
  tensors: ReadonlyArray<Tensor | BufferRange>,
  options: NoInfer<LaunchOptions<P>>,
): void {
  const buffers = tensors.map((t) => (t instanceof Tensor ? t.storage.range(t.size * 4) : t));
  const block = kernel.params as Kernel['params'];
  const given = options as CommonLaunchOptions & { params?: ParamsValues<ParamsFields>; uniforms?: Uint32Array | readonly number[] };
  let uniforms: Uint32Array | undefined;
  if (block) {
    if (given.params === undefined) throw new Error(`${kernel.name}: launch without its params`);
    uniforms = block.pack(given.params);
  } else if (given.params !== undefined) {
    throw new Error(`${kernel.name}: declares no params, got ${JSON.stringify(given.params)}`);
  } else if (given.uniforms !== undefined) {
    uniforms = given.uniforms instanceof Uint32Array ? given.uniforms : Uint32Array.from(given.uniforms);
  }
  dispatch(kernel as Kernel, {
    buffers,
    workgroups: options.workgroups,
    ...(uniforms ? { uniforms } : {}),
    ...(options.constants ? { constants: options.constants } : {}),
    ...(options.label ? { label: options.label } : {}),
  });
}

/** Packs up to 8 dims into the vec4×2 layout the strided kernels read. */
export function packDims(values: readonly number[]): number[] {
  const out = new Array<number>(8).fill(0);
  values.forEach((v, i) => (out[i] = v));
  return out;
}
