// The Tensor: a shape, a dtype, and reference-counted GPU storage (contiguous, row-major), plus the autograd
// fields PyTorch users know: requiresGrad, grad, gradFn. Reading back is async (`await t.data()`); every op
// only records GPU work. The op methods (`x.add(y)`) are installed by methods.ts as thin wrappers over the
// functional ops, which hold the forward and backward rules; this module imports no op.

import { checkDeviceLive, currentGeneration } from './runtime/device.ts';
import { DisposedError, DTypeError, EngineError, ShapeError, fmtShape } from './errors.ts';
import type { BufferRange } from './runtime/buffer-range.ts';
import { readBuffer } from './runtime/readback.ts';
import { flush } from './runtime/recorder.ts';
import { registerTensorCheck, trackTensor } from './scope.ts';
import { sizeOf } from './shape.ts';
import type { Storage } from './runtime/storage.ts';

export type DType = 'float32' | 'int32';
export type TypedArrayFor<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;
export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** Set by nn for parameters (`trunk.0.weight`); error messages use it. */
  name: string | undefined;
  private gradient: Tensor | null = null;
  /** The node that produced this tensor, for non-leaf tensors in a recorded graph. */
  gradFn: GradNode | null = null;
  private store: Storage | null;
  private needsGrad = false;

  constructor(storage: Storage, shape: readonly number[], dtype: DType, track = true) {
    this.store = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    if (track) trackTensor(this);
  }

  /**
   * Accumulated gradient (PyTorch semantics: backward adds into it until it is zeroed or set to null). One
   * assigned by hand must have this tensor's shape and dtype (ShapeError / DTypeError), as in PyTorch.
   */
  get grad(): Tensor | null {
    return this.gradient;
  }

  set grad(g: Tensor | null) {
    if (g !== null) {
      if (!(g instanceof Tensor)) throw new TypeError(`grad: expected a Tensor or null for ${this.describe()}, got ${typeof g}`);
      if (g.isDisposed) throw new DisposedError(`grad: the gradient assigned to ${this.describe()} was disposed`);
      if (g.dtype !== this.dtype) throw new DTypeError(`grad: assigned gradient has dtype ${g.dtype}, the tensor ${this.describe()} has ${this.dtype}`);
      if (g.shape.length !== this.shape.length || g.shape.some((d, i) => d !== this.shape[i])) {
        throw new ShapeError(`grad: assigned gradient has shape ${fmtShape(g.shape)}, the tensor ${this.describe()} has ${fmtShape(this.shape)}`);
      }
    }
    this.gradient = g;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.store === null;
  }

  /** Not disposed, and made on the current device (false after init() again or shutdown()). */
  get isLive(): boolean {
    return this.store !== null && this.store.generation === currentGeneration();
  }

  /** The memory behind the tensor; throws if it was disposed or belongs to a replaced device. */
  get storage(): Storage {
    if (!this.store) throw new DisposedError(`tensor ${this.describe()} was disposed`);
    if (this.store.generation !== currentGeneration()) {
      throw new DisposedError(`tensor ${this.describe()} belongs to another device (init() was called again or the device was lost)`);
    }
    return this.store;
  }

  get storageRefCount(): number {
    return this.store?.refCount ?? 0;
  }

  get requiresGrad(): boolean {
    return this.needsGrad;
  }

  set requiresGrad(value: boolean) {
    if (this.gradFn) throw new EngineError(`requiresGrad: can only be changed on leaf tensors (this one comes from ${this.gradFn.op})`);
    if (value && this.dtype !== 'float32') {
      throw new DTypeError(`requiresGrad: only float32 tensors can require gradients, got ${this.dtype} ${this.describe()}`);
    }
    this.needsGrad = value;
  }

  /** A leaf is a tensor no recorded op produced (parameters, inputs). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Internal: marks this tensor as the output of a recorded op. */
  setGradFn(node: GradNode): void {
    this.gradFn = node;
    node.refs++;
    this.needsGrad = true;
  }

  /**
   * Moves this tensor onto `storage` (which must already hold its values, e.g. a view into an optimizer's
   * flat buffer) and releases its previous memory. Takes over one reference of `storage`. Views made
   * earlier keep the old memory.
   */
  replaceStorage(storage: Storage): void {
    if (storage.byteLength < this.size * 4) throw new EngineError(`replaceStorage: ${storage.byteLength} bytes cannot hold ${this.describe()}`);
    const old = this.storage;
    this.store = storage;
    old.release();
  }

  /** Internal: another handle on the same memory (not tracked by tidy, no autograd). */
  alias(): Tensor {
    return new Tensor(this.storage.retain(), this.shape, this.dtype, false);
  }

  describe(): string {
    return `${this.name ? `"${this.name}" ` : ''}${fmtShape(this.shape)} ${this.dtype}`;
  }

  toString(): string {
    return `Tensor(${this.describe()}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  /** Releases the memory (and the gradient's). Safe to call twice. */
  dispose(): void {
    if (!this.store) return;
    this.store.release();
    this.store = null;
    this.gradient?.dispose();
    this.gradient = null;
    const node = this.gradFn;
    this.gradFn = null;
    node?.decRef();
  }

  // ------------------------------------------------------------ reading back

  /**
   * The GPU memory behind this tensor, `{ buffer, offset, size }` (bytes), for the app's own passes on the
   * engine's device. Submits the engine's pending work first, so an app submit made afterwards sees this
   * tensor's values (see interop.ts for the ordering contract). Valid until the tensor is disposed. A
   * parameter an optimizer holds lives in the optimizer's flat buffer, which it repacks when its groups or
   * trainable parameters change (addParamGroup, freezing or unfreezing layers) or when it is released: ask
   * again after those. Don't write into a tensor that other tensors may share (views, reshape results).
   */
  gpuBuffer(): BufferRange {
    const storage = this.storage;
    checkDeviceLive('gpuBuffer');
    flush();
    return { buffer: storage.buffer, offset: storage.offset, size: this.size * 4 };
  }

  /** The elements, flat and row-major. Submits pending work and waits for it. */
  async data(): Promise<Float32Array | Int32Array> {
    const storage = this.storage;
    const bytes = await readBuffer(storage.range(this.size * 4));
    return this.dtype === 'int32' ? new Int32Array(bytes, 0, this.size) : new Float32Array(bytes, 0, this.size);
  }

  /** The elements as nested arrays in the tensor's shape (a number for a 0-d tensor). */
  async toArray(): Promise<NestedArray> {
    const flat = await this.data();
    if (this.shape.length === 0) return flat[0]!;
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim]!;
      if (dim === this.shape.length - 1) return Array.from(flat.subarray(offset, offset + n));
      const inner = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: n }, (_, i) => build(dim + 1, offset + i * inner));
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new EngineError(`item: expected a one-element tensor, got ${this.describe()}`);
    return (await this.data())[0]!;
  }

  // ------------------------------------------------------------ autograd

  /** Accumulates d(this)/d(leaf) into every leaf's `.grad`. A non-scalar tensor needs `gradient`. */
  backward(gradient?: Tensor): void {
    if (this.isDisposed) throw new DisposedError(`backward: tensor ${this.describe()} was used after dispose()`);
    if (gradient !== undefined) checkOperand('backward', gradient, 'gradient');
    walkBackward(this, gradient);
  }

  /** A tensor sharing this one's memory, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage.retain(), this.shape, this.dtype);
  }
}

registerTensorCheck((v: unknown): v is Tensor => v instanceof Tensor);

/**
 * `t`'s storage under another shape of the same size, with no autograd: a reshape for launches and backward
 * rules. `track` false keeps it out of tidy() scopes (a temporary view the caller disposes itself).
 */
export function rawView(t: Tensor, shape: readonly number[], track = true): Tensor {
  return new Tensor(t.storage.retain(), shape, t.dtype, track);
}

/** Throws the error every op gives for an unusable operand (before any GPU work). */
export function checkOperand(op: string, t: unknown, what = 'input'): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.isDisposed) throw new DisposedError(`${op}: ${what} ${t.describe()} was used after dispose()`);
  checkDeviceLive(op);
  if (t.storage.generation !== currentGeneration()) {
    throw new DisposedError(`${op}: ${what} ${t.describe()} belongs to another device`);
  }
}

export function checkFloat(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (t.dtype !== 'float32') throw new DTypeError(`${op}: expected float32, got ${t.dtype} ${t.describe()}`);
  }
}

// ------------------------------------------------------------ the graph node

/**
 * Given the gradient of the output, returns one gradient per input (null where `needs[i]` is false: rules
 * skip that work, so a frozen weight costs no weight-gradient kernel).
 */
export type BackwardRule = (grad: Tensor, saved: Tensor[], needs: boolean[]) => Array<Tensor | null>;

export type Edge = { node: GradNode } | { leaf: Tensor } | null;

/**
 * What autograd.ts's attach hangs on an op's output: the edges to the op's inputs, the tensors its rule reads,
 * and the rule. Declared here, beside the Tensor that carries it in `gradFn`, because each type refers to the
 * other. Reference-counted by the live tensors that carry it and by its child nodes.
 */
export class GradNode {
  refs = 0;
  freed = false;

  constructor(
    readonly op: string,
    readonly outShape: readonly number[],
    public edges: Edge[],
    public saved: Tensor[],
    public rule: BackwardRule | null,
  ) {
    for (const e of edges) if (e && 'node' in e) e.node.refs++;
  }

  decRef(): void {
    if (this.freed) return;
    if (--this.refs <= 0) this.free();
  }

  /** Releases saved tensors and the edges; the parents lose one reference each. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const s of this.saved) s.dispose();
    const edges = this.edges;
    this.saved = [];
    this.edges = [];
    this.rule = null;
    for (const e of edges) if (e && 'node' in e) e.node.decRef();
  }
}

/**
 * d(root)/d(leaves) into each leaf's `.grad`: the reverse walk (engine/backward.ts), which the main entry wires
 * through autograd.ts's registerGradOps, so this module imports no autograd code.
 */
let walkBackward = (_root: Tensor, _grad: Tensor | undefined): void => {
  throw new EngineError("backward: autograd is wired up by the main entry: import 'webgpu-tensor' (webgpu-tensor/core alone does not train)");
};

/** Called by registerGradOps. */
export function installBackward(walk: (root: Tensor, grad: Tensor | undefined) => void): void {
  walkBackward = walk;
}
