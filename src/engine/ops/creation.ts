// Making tensors: from data (uploaded with one writeBuffer), filled on the GPU (zeros, ones, full), or
// random on the CPU from the engine's random stream (random.ts; initialization happens once, so the CPU is fine).

import fillWgsl from '../../shaders/fill.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { DTypeError, ShapeError, fmtShape } from '../errors.ts';
import { checkAllocation, emptyTensor, launch } from '../runtime/launch.ts';
import { writeBuffer } from '../runtime/recorder.ts';
import { checkShape, sizeOf } from '../shape.ts';
import { Storage } from '../runtime/storage.ts';
import { checkOptions } from '../options.ts';
import { drawSeed, seededUniform } from '../random.ts';
import { Tensor, type DType, type NestedArray } from '../tensor.ts';

/**
 * `value` is the 32 bits every element gets (a float's bit pattern or an int32's two's complement). Marked
 * pure at the call: esbuild does not carry defineKernel's @__NO_SIDE_EFFECTS__ across modules, and an app
 * that uses tensor() but no fill would otherwise bundle this kernel.
 */
const fillKernel = /* @__PURE__ */ defineKernel('fill', fillWgsl, ['write'], { n: 'u32', value: 'u32' });

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

const TENSOR_OPTIONS = ['dtype', 'requiresGrad'] as const;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The value as an int32, or a DTypeError naming the op (and the index): PyTorch refuses what would overflow. */
function int32Value(op: string, v: number, at: string): number {
  if (!Number.isInteger(v)) throw new DTypeError(`${op}: int32 data must be integers, got ${v}${at}`);
  if (v < INT32_MIN || v > INT32_MAX) throw new DTypeError(`${op}: value ${v}${at} overflows int32 (range ${INT32_MIN} to ${INT32_MAX})`);
  return v;
}

/** Checks dtype and requiresGrad before anything is allocated, so a refused call leaves nothing behind. */
function checkCreation(op: string, dtype: DType, requiresGrad: boolean | undefined): void {
  if (dtype !== 'float32' && dtype !== 'int32') throw new DTypeError(`${op}: unknown dtype ${String(dtype)}`);
  if (requiresGrad && dtype !== 'float32') throw new DTypeError(`${op}: requiresGrad: only float32 tensors can require gradients, got ${dtype}`);
}

function flatten(data: NestedArray, shape: number[], depth: number, out: number[]): void {
  if (typeof data === 'number') {
    if (depth !== shape.length) throw new ShapeError(`tensor: ragged nested array (a number at depth ${depth}, expected depth ${shape.length})`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data)) throw new TypeError(`tensor: expected numbers or nested arrays, got ${typeof data}`);
  if (depth === shape.length) shape.push(data.length);
  else if (shape[depth] !== data.length) {
    throw new ShapeError(`tensor: ragged nested array (length ${data.length} at depth ${depth}, expected ${shape[depth]})`);
  }
  for (const d of data) flatten(d, shape, depth + 1, out);
}

/**
 * tensor(data, shape?, { dtype, requiresGrad }). `data` is a number, nested arrays, or a typed/flat array
 * (then `shape` defaults to [length]). Int32Array data gives an int32 tensor unless dtype says otherwise.
 */
export function tensor(data: NestedArray | ArrayLike<number>, shape?: readonly number[], options: TensorOptions = {}): Tensor {
  return tensorFrom('tensor', data, shape, options);
}

function tensorFrom(op: string, data: NestedArray | ArrayLike<number>, shape: readonly number[] | undefined, options: TensorOptions): Tensor {
  checkOptions(op, options, TENSOR_OPTIONS);
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (typeof data === 'number') {
    flat = [data];
    inferred = [];
  } else if (ArrayBuffer.isView(data) || (Array.isArray(data) && data.every((v) => typeof v === 'number'))) {
    flat = data as ArrayLike<number>;
    inferred = [flat.length];
  } else {
    const out: number[] = [];
    inferred = [];
    flatten(data as NestedArray, inferred, 0, out);
    if (inferred.length === 0) inferred = [0];
    flat = out;
  }
  const finalShape = shape ? [...shape] : inferred;
  checkShape('tensor', finalShape);
  if (sizeOf(finalShape) !== flat.length) {
    throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  const dtype: DType = options.dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  checkCreation(op, dtype, options.requiresGrad);
  let host: Float32Array | Int32Array;
  if (dtype === 'int32') {
    host = data instanceof Int32Array ? Int32Array.from(data) : Int32Array.from(flat, (v, i) => int32Value(op, v, ` at index ${i}`));
  } else {
    host = Float32Array.from(flat);
  }
  const t = upload(host, finalShape, dtype);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Copies host data into a new tensor (one queue.writeBuffer into a buffer no pending command uses). */
export function upload(host: Float32Array | Int32Array, shape: readonly number[], dtype: DType): Tensor {
  checkAllocation('tensor', shape, dtype);
  const storage = Storage.allocate(host.byteLength, true);
  writeBuffer(storage.range(host.byteLength), host);
  return new Tensor(storage, shape, dtype);
}

/** Sets every element of `t` to `value`, in place, on the GPU. */
export function fillInPlace(t: Tensor, value: number): void {
  const bits = t.dtype === 'int32' ? value >>> 0 : new Uint32Array(Float32Array.of(value).buffer)[0]!;
  launch(fillKernel, [t], { params: { n: t.size, value: bits }, workgroups: grid(Math.ceil(t.size / 256)) });
}

export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  checkOptions('full', options, TENSOR_OPTIONS);
  checkShape('full', shape);
  const dtype = options.dtype ?? 'float32';
  checkCreation('full', dtype, options.requiresGrad);
  if (dtype === 'int32') int32Value('full', value, '');
  const t = emptyTensor(shape, dtype, 'full');
  fillInPlace(t, value);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

export const zeros = (shape: readonly number[], options: TensorOptions = {}): Tensor => full(shape, 0, options);
export const ones = (shape: readonly number[], options: TensorOptions = {}): Tensor => full(shape, 1, options);
export const zerosLike = (t: Tensor): Tensor => full(t.shape, 0, { dtype: t.dtype });
export const onesLike = (t: Tensor): Tensor => full(t.shape, 1, { dtype: t.dtype });

/** 0, 1, …, n−1 (or start, start+step, … below end), as float32 unless dtype says int32. */
export function arange(startOrEnd: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  checkOptions('arange', options, TENSOR_OPTIONS);
  const start = end === undefined ? 0 : startOrEnd;
  const stop = end === undefined ? startOrEnd : end;
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const values = Array.from({ length: n }, (_, i) => start + i * step);
  return tensorFrom('arange', values, [n], options);
}

export interface RandomOptions extends TensorOptions {
  /** Its own seed; default: one draw from the engine's random stream (see random.ts and manualSeed). */
  seed?: number;
}

function checkFloat(op: string, dtype: DType | undefined): void {
  if (dtype !== undefined && dtype !== 'float32') throw new DTypeError(`${op}: random tensors are float32, got dtype ${String(dtype)}`);
}

/** Uniform on [low, high). */
export function rand(shape: readonly number[], options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkOptions('rand', options, ['requiresGrad', 'seed', 'low', 'high', 'dtype']);
  checkFloat('rand', options.dtype);
  checkShape('rand', shape);
  checkAllocation('rand', shape);
  const next = seededUniform(options.seed ?? drawSeed());
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  const host = new Float32Array(sizeOf(shape));
  for (let i = 0; i < host.length; i++) host[i] = low + (high - low) * next();
  const t = upload(host, shape, 'float32');
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Standard normal (Box–Muller), times `std`, plus `mean`. */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkOptions('randn', options, ['requiresGrad', 'seed', 'mean', 'std', 'dtype']);
  checkFloat('randn', options.dtype);
  checkShape('randn', shape);
  checkAllocation('randn', shape);
  const next = seededUniform(options.seed ?? drawSeed());
  const host = new Float32Array(sizeOf(shape));
  for (let i = 0; i < host.length; i += 2) {
    const u = Math.max(next(), 1e-12);
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    host[i] = (options.mean ?? 0) + (options.std ?? 1) * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < host.length) host[i + 1] = (options.mean ?? 0) + (options.std ?? 1) * r * Math.sin(2 * Math.PI * v);
  }
  const t = upload(host, shape, 'float32');
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A tensor over existing storage (e.g. a view into a flat parameter buffer). Takes one reference. */
export function fromStorage(storage: Storage, shape: readonly number[], dtype: DType = 'float32'): Tensor {
  if (sizeOf(shape) * 4 > storage.byteLength) {
    throw new ShapeError(`fromStorage: shape ${fmtShape(shape)} needs ${sizeOf(shape) * 4} bytes, the storage has ${storage.byteLength}`);
  }
  return new Tensor(storage, shape, dtype);
}
