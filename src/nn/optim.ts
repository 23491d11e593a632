// Optimizers that run on the GPU: SGD (momentum, nesterov, weight decay), Adam and AdamW, with PyTorch's
// update formulas, parameter groups, and clipping by the global gradient norm. A step reads nothing back.
//
// Memory layout. The optimizer keeps every trainable parameter in ONE flat GPU buffer, their gradients in a
// second and each kind of state (momentum buffer; Adam's m and v) in one more each, all with the same layout:
// each parameter has a slot at a 256-byte aligned offset (zeros in the gaps). At construction it copies each
// parameter's values into its slot and re-homes the Parameter onto a view of it (the object stays the same,
// so the model and the user's references keep working), and sets `param.grad` to a view of the gradient slot:
// backward then accumulates straight into the flat gradient buffer.
//
// Dispatches per step: one kernel per group (optim_sgd.wgsl / optim_adam.wgsl) over the group's run of the
// flat buffers (its segment). With `maxGradNorm` two more dispatches (nn_grad_norm.wgsl) compute the global
// norm of the whole gradient buffer and the clip coefficient into a 2-element buffer that every step kernel
// reads. `zeroGrad()` is one fill of the gradient buffer.
//
// Parameters without a gradient (PyTorch 2 semantics). `zeroGrad()` zero-fills the flat gradient buffer and
// sets every `param.grad` to null (PyTorch's set_to_none=True, its default since 2.0). Each parameter's
// `gradHome` is its gradient slot: the first backward that reaches the parameter copies its gradient there
// and sets `param.grad` to it (src/engine/autograd.ts). step() then skips every parameter whose grad is still
// null: no weight decay, no momentum or Adam update, its step count unchanged. The kernel learns this from two
// small tables: `chunkOwner` (built with the layout) maps each 64-element chunk of the flat buffer to its
// parameter, and a per-step table of 4 floats per parameter ([active, first-step flag or Adam's step size,
// Adam's sqrt(bc2), 0]) computed on the CPU from the per-parameter step counts and staged in the engine's
// uniform arena (stagedData: written with the batch's uniforms, no buffer per step; up to 4096 parameters
// per optimizer, beyond that one small upload per step). `zeroGrad({ setToNone: false })` keeps the old behaviour: grads are zero tensors and
// every trainable parameter is stepped (with a zero gradient where no backward reached it).
//
// Per-parameter step counts live in `stepCounts` (a Map from parameter to count, kept for parked parameters
// too), the one place a state dict would read them from.
//
// Frozen parameters: a parameter with requiresGrad = false has no slot, no gradient and no state. If a
// parameter is frozen later, the next step() or zeroGrad() repacks the buffers without it and parks its
// state; when it is unfrozen it comes back with that state and its own step count (which for Adam keeps the
// bias correction right). Setting `param.grad = null` by hand means "no gradient" (skipped at the next step).

import adamWgsl from '../shaders/optim_adam.wgsl?raw';
import sgdWgsl from '../shaders/optim_sgd.wgsl?raw';
import gradNormWgsl from '../shaders/nn_grad_norm.wgsl?raw';
import floatBitsWgsl from '../shaders/float_bits.wgsl?raw';
import { defineKernel, grid } from '../shaders/kernel.ts';
import {
  DisposedError, EngineError, checkOptions, MAX_STAGED_BYTES, Storage, Tensor, VIEW_ALIGN_BYTES, copyInto, emptyTensor, fillInPlace, keep, launch, maximum, noGrad, reshape, slice, sqrt, stack, tidy, upload, stagedData, type BufferRange,
} from '../engine/internal.ts';
import { Module } from './module.ts';
import { rehome } from './parameter.ts';
import type { HostTensor } from './safetensors.ts';

const sgdKernel = defineKernel('optim_sgd', sgdWgsl, ['write', 'write', 'write', 'read', 'read', 'table'], {
  n: 'u32', lr: 'f32', weight_decay: 'f32', momentum: 'f32', dampening: 'f32',
});
const adamKernel = defineKernel('optim_adam', adamWgsl, ['write', 'write', 'write', 'write', 'read', 'read', 'table'], {
  n: 'u32', beta1: 'f32', beta2: 'f32', one_minus_beta1: 'f32', one_minus_beta2: 'f32', eps: 'f32', weight_decay: 'f32', decay: 'f32',
});
const gradNormKernel = defineKernel('nn_grad_norm', floatBitsWgsl + gradNormWgsl, ['read', 'write'], { n: 'u32', workgroups: 'u32', max_norm: 'f32' });

const ALIGN = VIEW_ALIGN_BYTES / 4; // slot alignment in elements
const MAX_PARTIALS = 256;

/** What the constructors accept as parameters: a module, a list of tensors, or parameter groups. */
export type ParamsInput = Module | Iterable<Tensor>;

/** A parameter group as given to a constructor: its parameters plus any hyperparameter overrides. */
export type ParamGroupSpec<H> = Partial<H> & { params: ParamsInput; name?: string };

/** A parameter group of a live optimizer. Change its hyperparameters (e.g. `lr`) between steps. */
export type ParamGroup<H> = H & { params: Tensor[]; name?: string };

export interface ZeroGradOptions {
  /** Leave every gradient null (default, PyTorch ≥ 2.0) instead of a zero tensor. */
  setToNone?: boolean;
}

export interface OptimizerOptions {
  /** Clip gradients to this global 2-norm before each step (PyTorch's clip_grad_norm_), on the GPU. */
  maxGradNorm?: number | null;
}

interface Slot {
  param: Tensor;
  group: number;
  offset: number; // elements, from the start of the flat buffers
  index: number; // row in the per-step parameter table
  gradView: Tensor; // owned by the optimizer
  gradAlias: Tensor; // what param.grad is set to (and param.gradHome)
  /** The slot holds zeros and no backward wrote it since (so a null grad needs no fill). */
  clean: boolean;
}

interface Segment {
  group: number;
  start: number;
  length: number;
  slots: Slot[];
  param: Tensor;
  grad: Tensor;
  states: Tensor[];
  /** int32 [length / 64]: the table row of the parameter each 64-element chunk belongs to. */
  chunkOwner: Tensor;
}

/** What a step kernel binds besides the segment: the clip output (or a dummy), a dummy state buffer, the table. */
interface StepBindings {
  clip: Tensor;
  dummyState: Tensor;
  clipping: boolean;
  /** float32 [parameters, 4], rows filled by `tableRow`. */
  table: Tensor | BufferRange;
}

interface Parked {
  states: Tensor[];
}

/**
 * One parameter's optimizer state as host data (PyTorch's `optimizer.state_dict()['state'][i]`): its step
 * count and its state tensors (SGD: momentumBuffer; Adam/AdamW: expAvg, expAvgSq).
 */
export interface ParamStateDict {
  step: number;
  [buffer: string]: number | HostTensor;
}

/**
 * An optimizer's state (`await opt.stateDict()`), in PyTorch's structure: `state` by parameter key (the
 * parameter's dotted name, `trunk.0.weight`, or its index over all groups when it has no unique name);
 * parameters that never stepped have no entry. `paramGroups` holds each group's hyperparameters and the
 * keys of its parameters. Plain data: JSON-safe except the state tensors' typed arrays.
 */
export interface OptimizerStateDict {
  state: Record<string, ParamStateDict>;
  paramGroups: Array<Record<string, unknown> & { params: string[] }>;
}

/** Which optimizer holds each tensor in its flat buffers (a tensor can be in one only). */
const owners = new WeakMap<Tensor, Optimizer<object>>();

function isGroupSpec(v: unknown): v is ParamGroupSpec<object> {
  return typeof v === 'object' && v !== null && !(v instanceof Tensor) && 'params' in v;
}

function toList(op: string, params: ParamsInput): Tensor[] {
  if (params instanceof Module) return params.parameters();
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${op}: params must be a Module, an iterable of tensors, or an array of parameter groups`);
  }
  const list = [...params];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: parameter ${i} is not a Tensor`);
    if (p.dtype !== 'float32') throw new EngineError(`${op}: parameter ${p.describe()} must be float32`);
    if (!p.isLeaf) throw new EngineError(`${op}: parameter ${p.describe()} is not a leaf tensor (it was computed by ${p.gradFn?.op})`);
  });
  return list;
}

/** A tensor over `storage` (taking one reference), not tracked by tidy. */
function over(storage: Storage, shape: readonly number[]): Tensor {
  return new Tensor(storage, shape, 'float32', false);
}

function roundUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

export abstract class Optimizer<H extends object> {
  readonly paramGroups: Array<ParamGroup<H>> = [];
  /** Global gradient-norm clipping threshold, or null. May be changed between steps. */
  maxGradNorm: number | null;
  protected readonly defaults: H;
  /** 'SGD', 'Adam', ... (a getter, so it works during construction). */
  protected abstract get kind(): string;

  private slots = new Map<Tensor, Slot>();
  private segments: Segment[] = [];
  private parked = new Map<Tensor, Parked>();
  /** Steps taken by each parameter (trainable or parked); a skipped step leaves the count unchanged. */
  readonly stepCount = new Map<Tensor, number>();
  private flatParams: Tensor | null = null;
  private flatGrads: Tensor | null = null;
  private flatStates: Tensor[] = [];
  private partials: Tensor | null = null;
  private partialCount = 0;
  /** [norm, clip coefficient] from the last norm pass. */
  private clipOut: Tensor | null = null;
  private normValid = false;
  private dummyState: Tensor | null = null;
  private dummyRead: Tensor | null = null;
  private disposed = false;

  constructor(params: ParamsInput | Array<ParamGroupSpec<H>>, defaults: H, options: OptimizerOptions) {
    this.defaults = defaults;
    this.maxGradNorm = options.maxGradNorm ?? null;
    if (this.maxGradNorm !== null && !(this.maxGradNorm > 0)) throw new EngineError(`optimizer: maxGradNorm must be positive, got ${this.maxGradNorm}`);
    const specs: Array<ParamGroupSpec<H>> = Array.isArray(params) && params.length > 0 && isGroupSpec(params[0])
      ? (params as Array<ParamGroupSpec<H>>)
      : [{ params: params as ParamsInput } as ParamGroupSpec<H>];
    for (const spec of specs) this.addGroup(spec);
    if (this.paramGroups.every((g) => g.params.length === 0)) throw new EngineError(`${this.name()}: got an empty parameter list`);
    noGrad(() => this.ensureLayout());
  }

  /** Adds a parameter group (e.g. a trunk unfrozen later, at its own learning rate). */
  addParamGroup(spec: ParamGroupSpec<H>): void {
    this.checkAlive();
    this.addGroup(spec);
    noGrad(() => this.ensureLayout());
  }

  private addGroup(spec: ParamGroupSpec<H>): void {
    if (!isGroupSpec(spec)) throw new TypeError(`${this.name()}: a parameter group must be an object with a params field`);
    const where = `${this.name()} group ${this.paramGroups.length}${typeof spec.name === 'string' ? ` (${spec.name})` : ''}`;
    checkOptions(where, spec, ['params', 'name', 'initialLr', ...Object.keys(this.defaults)]);
    const list = toList(this.name(), spec.params);
    const { params: _p, ...hyper } = spec;
    const group = { ...this.defaults, ...hyper, params: list } as ParamGroup<H>;
    this.validateGroup(group, this.paramGroups.length);
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of list) {
      if (p.isDisposed) throw new DisposedError(`${this.name()}: parameter ${p.describe()} was disposed`);
      if (seen.has(p)) throw new EngineError(`${this.name()}: parameter ${p.describe()} appears in more than one parameter group`);
      if (p.storage.isExternal) {
        throw new EngineError(
          `${this.name()}: parameter ${p.describe()} lives in an app's GPU buffer (fromGPUBuffer); the optimizer moves its parameters into ` +
            'its own flat buffer, so it would silently stop being that buffer. Train a copy (clone(t)) and copy it back with copyInto(t, copy)',
        );
      }
      seen.add(p);
    }
    this.paramGroups.push(group);
  }

  protected name(): string {
    return this.kind;
  }

  /** Checks a group's hyperparameters (throws EngineError naming the group). */
  protected abstract validateGroup(group: ParamGroup<H>, index: number): void;

  /** How many state buffers the current groups need (SGD: 1 with momentum; Adam: 2). */
  protected abstract stateCount(): number;

  /** The state buffers' names in stateDict(), in flat-buffer order (PyTorch's names in camelCase). */
  protected abstract stateNames(): string[];

  /** Records the update of one segment: one dispatch. */
  protected abstract dispatchSegment(seg: Segment, group: ParamGroup<H>, bindings: StepBindings): void;

  /** The per-step table row of a stepped parameter after `step` steps (index 0 is set to 1, "active", by the caller). */
  protected abstract tableRow(group: ParamGroup<H>, step: number, row: Float32Array): void;

  // ---------------------------------------------------------------- public API

  /**
   * One optimization step for every trainable parameter that has a gradient (one dispatch per group, plus two
   * when clipping). A parameter whose grad is null (no backward reached it since zeroGrad()) is skipped.
   */
  step(): void {
    this.checkAlive();
    this.paramGroups.forEach((g, gi) => {
      for (const p of g.params) {
        if (p.isDisposed) throw new DisposedError(`${this.name()}.step: parameter ${p.describe()} of group ${gi} was disposed; remove it from paramGroups[${gi}].params or make a new optimizer`);
      }
    });
    noGrad(() => {
      this.ensureLayout();
      if (!this.flatGrads || this.segments.length === 0) return;
      const clip = this.maxGradNorm !== null;
      if (clip) this.launchNorm(this.maxGradNorm!);
      const host = new Float32Array(this.slots.size * 4);
      for (const slot of this.slots.values()) {
        if (slot.param.grad !== slot.gradAlias) continue;
        const t = (this.stepCount.get(slot.param) ?? 0) + 1;
        this.stepCount.set(slot.param, t);
        const row = host.subarray(slot.index * 4, slot.index * 4 + 4);
        this.tableRow(this.paramGroups[slot.group]!, t, row);
        row[0] = 1;
      }
      const table = host.byteLength <= MAX_STAGED_BYTES ? stagedData(host) : upload(host, [this.slots.size, 4], 'float32');
      for (const seg of this.segments) {
        this.dispatchSegment(seg, this.paramGroups[seg.group]!, { clip: clip ? this.clipOut! : this.dummyRead!, dummyState: this.dummyState!, clipping: clip, table });
      }
      if (table instanceof Tensor) table.dispose();
      this.normValid = clip;
    });
  }

  /**
   * Resets the gradients: one fill of the flat gradient buffer, and every `param.grad` set to null (default,
   * PyTorch ≥ 2.0) or, with `{ setToNone: false }`, left as a zero tensor (then step() updates every parameter).
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    this.checkAlive();
    const setToNone = options.setToNone ?? true;
    noGrad(() => {
      this.ensureLayout();
      if (this.flatGrads) fillInPlace(this.flatGrads, 0);
      for (const slot of this.slots.values()) {
        slot.clean = true;
        slot.param.grad = setToNone ? null : slot.gradAlias;
      }
    });
  }

  /**
   * The global 2-norm of the current gradients of all trainable parameters, as a new 0-d tensor (read it with
   * `await t.item()`, then dispose it). Three small dispatches; nothing is read back until you ask.
   */
  gradNorm(): Tensor {
    this.checkAlive();
    return noGrad(() => {
      this.ensureLayout();
      if (!this.flatGrads) return emptyNorm();
      this.launchNorm(1);
      this.normValid = false;
      return this.normTensor();
    });
  }

  /** The gradient norm before clipping in the last step() (with maxGradNorm set), or null. New 0-d tensor. */
  lastGradNorm(): Tensor | null {
    if (!this.normValid || !this.clipOut) return null;
    return noGrad(() => this.normTensor());
  }

  private normTensor(): Tensor {
    return tidy(() => reshape(slice(this.clipOut!, 0, 0, 1), []));
  }

  /** Step counts of the groups (the largest per group; parameters that joined later or were skipped may be behind). */
  get stepCounts(): number[] {
    return this.paramGroups.map((g) => Math.max(0, ...g.params.map((p) => this.stepCount.get(p) ?? 0)));
  }

  /** Elements in each flat buffer (parameters, gradients, each state): trainable sizes rounded up to 64. */
  get flatSize(): number {
    return this.flatParams?.size ?? 0;
  }

  /** Dispatches one step records (for tests and docs): one per group with trainable parameters, plus the norm pass when clipping. */
  get dispatchesPerStep(): number {
    return this.segments.length + (this.maxGradNorm !== null ? 2 : 0);
  }

  /**
   * Gives every parameter its own memory back (copied out of the flat buffer), drops the gradients and the
   * state, and releases the flat buffers. The optimizer cannot be used afterwards.
   */
  dispose(): void {
    if (this.disposed) return;
    noGrad(() => {
      for (const slot of this.slots.values()) this.release(slot, true);
      this.slots.clear();
      this.freeLayout();
      for (const p of this.parked.values()) for (const s of p.states) s.dispose();
      this.parked.clear();
      this.partials?.dispose();
      this.clipOut?.dispose();
      this.dummyState?.dispose();
      this.dummyRead?.dispose();
    });
    this.disposed = true;
  }

  // ---------------------------------------------------------------- state dict (checkpoints)
  // Kept apart from the step logic: it reads and rebuilds the layout only through slots, the per-parameter
  // step counts (stepCount), parked state and ensureLayout().

  /**
   * The optimizer's state read back to the host (PyTorch's state_dict): per parameter its step count and
   * state tensors, per group its hyperparameters. All readbacks are in flight together.
   */
  async stateDict(): Promise<OptimizerStateDict> {
    this.checkAlive();
    const keys = this.stateKeys();
    const names = this.stateNames();
    const state: Record<string, ParamStateDict> = {};
    const reads: Array<Promise<void>> = [];
    const views: Tensor[] = [];
    noGrad(() => {
      for (const [p, key] of keys) {
        const slot = this.slots.get(p);
        const park = this.parked.get(p);
        const step = this.stepCount.get(p) ?? 0;
        let sources: Tensor[] = [];
        if (slot) {
          sources = this.flatStates.map((flat) => over(flat.storage.view(slot.offset * 4, Math.max(p.size, 1) * 4), p.shape));
          views.push(...sources);
        } else if (park) {
          sources = park.states;
        }
        if (step === 0) continue;
        const entry: ParamStateDict = { step };
        state[key] = entry;
        sources.forEach((t, k) => {
          reads.push(t.data().then((data) => {
            entry[names[k]!] = { dtype: 'float32', shape: [...p.shape], data };
          }));
        });
      }
    });
    try {
      await Promise.all(reads);
    } finally {
      for (const v of views) v.dispose();
    }
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g as ParamGroup<H> & Record<string, unknown>;
      return { ...(JSON.parse(JSON.stringify(hyper)) as Record<string, unknown>), params: params.map((p) => keys.get(p)!) };
    });
    return { state, paramGroups };
  }

  /**
   * Restores a state from stateDict() (PyTorch's load_state_dict) into an optimizer built the same way over
   * the same parameters: group hyperparameters, step counts and state tensors. Everything is checked before
   * anything changes; gradients are zeroed. Frozen parameters keep their saved state until unfrozen.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    this.checkAlive();
    const op = `${this.name()}.loadStateDict`;
    checkOptions(op, stateDict, ['state', 'paramGroups']);
    const { state, paramGroups: groups } = stateDict;
    if (!state || typeof state !== 'object' || !Array.isArray(groups)) throw new TypeError(`${op}: expected { state, paramGroups } from stateDict()`);
    if (groups.length !== this.paramGroups.length) throw new EngineError(`${op}: the state has ${groups.length} parameter groups, the optimizer ${this.paramGroups.length}`);
    const keys = this.stateKeys();
    const byKey = new Map([...keys].map(([p, k]) => [k, p]));
    const newHyper = groups.map((saved, i) => {
      const own = this.paramGroups[i]!;
      const where = `${op}: group ${i}${own.name ? ` (${own.name})` : ''}`;
      checkOptions(where, saved, ['params', 'name', 'initialLr', ...Object.keys(this.defaults)]);
      const want = own.params.map((p) => keys.get(p)!);
      const got = saved.params;
      if (!Array.isArray(got) || got.length !== want.length || got.some((k, j) => k !== want[j])) {
        throw new EngineError(`${where}: the saved group holds parameters [${Array.isArray(got) ? got.join(', ') : String(got)}], the optimizer's [${want.join(', ')}]`);
      }
      const { params: _p, ...hyper } = saved;
      const next = { ...own, ...(JSON.parse(JSON.stringify(hyper)) as object) } as ParamGroup<H>;
      this.validateGroup(next, i);
      return hyper;
    });
    const names = this.stateNames();
    for (const [key, entry] of Object.entries(state)) {
      const p = byKey.get(key);
      if (!p) throw new EngineError(`${op}: the state has parameter "${key}", which the optimizer does not hold (it holds: ${[...byKey.keys()].join(', ')})`);
      if (!entry || !Number.isInteger(entry.step) || entry.step < 0) throw new EngineError(`${op}: "${key}": step must be an integer ≥ 0, got ${JSON.stringify(entry?.step)}`);
      for (const [name, t] of Object.entries(entry)) {
        if (name === 'step') continue;
        if (!names.includes(name)) throw new EngineError(`${op}: "${key}": unknown state "${name}" (${this.name()} keeps: ${names.join(', ') || 'none'})`);
        const host = t as HostTensor;
        if (!host || !(host.data instanceof Float32Array) || host.data.length !== p.size || !Array.isArray(host.shape) || host.shape.join() !== p.shape.join()) {
          throw new EngineError(`${op}: "${key}".${name} must be float32 data of shape [${p.shape.join(',')}], got ${host?.shape ? `[${String(host.shape)}]` : typeof host} with ${host?.data?.length ?? 0} values`);
        }
      }
    }
    // Checked: apply. Every parameter leaves its slot (own memory again), the saved state is parked, and the
    // layout is rebuilt from the parking lot, which gives each parameter its saved step count and state.
    newHyper.forEach((hyper, i) => Object.assign(this.paramGroups[i]!, JSON.parse(JSON.stringify(hyper))));
    noGrad(() => {
      for (const slot of this.slots.values()) this.release(slot, true);
      this.slots.clear();
      this.freeLayout();
      for (const park of this.parked.values()) for (const t of park.states) t.dispose();
      this.parked.clear();
      this.stepCount.clear();
      const count = this.stateCount();
      for (const [key, entry] of Object.entries(state)) {
        const p = byKey.get(key)!;
        const states = names.slice(0, count).map((name) => {
          const host = entry[name] as HostTensor | undefined;
          if (host) return keep(upload(Float32Array.from(host.data), p.shape, 'float32'));
          const zero = keep(emptyTensor(p.shape));
          fillInPlace(zero, 0);
          return zero;
        });
        this.parked.set(p, { states });
        if (entry.step > 0) this.stepCount.set(p, entry.step);
      }
      this.ensureLayout();
    });
    this.normValid = false;
  }

  /** Each parameter's key in stateDict(): its dotted name when unique among the optimizer's, else its index. */
  private stateKeys(): Map<Tensor, string> {
    const all = this.paramGroups.flatMap((g) => g.params);
    const uses = new Map<string, number>();
    for (const p of all) if (p.name) uses.set(p.name, (uses.get(p.name) ?? 0) + 1);
    return new Map(all.map((p, i) => [p, p.name && uses.get(p.name) === 1 ? p.name : String(i)]));
  }

  // ---------------------------------------------------------------- layout

  private checkAlive(): void {
    if (this.disposed) throw new EngineError(`${this.name()}: used after dispose()`);
  }

  /** Whether the layout matches the groups' trainable parameters and state needs; repacks if not. */
  private ensureLayout(): void {
    for (const [p, park] of this.parked) {
      if (!p.isDisposed) continue;
      for (const s of park.states) s.dispose();
      this.parked.delete(p);
      this.stepCount.delete(p);
    }
    let changed = this.flatStates.length !== this.stateCount() || !this.dummyState;
    const wanted = new Map<Tensor, number>();
    this.paramGroups.forEach((g, gi) => {
      for (const p of g.params) {
        if (p.requiresGrad && !p.isDisposed) wanted.set(p, gi);
      }
    });
    if (!changed) {
      if (wanted.size !== this.slots.size) changed = true;
      else for (const [p, gi] of wanted) if (this.slots.get(p)?.group !== gi) changed = true;
    }
    if (changed) this.repack(wanted);
    // Gradients replaced by hand go back into their slots; a dropped one (null) leaves its slot zeroed.
    for (const slot of this.slots.values()) {
      const p = slot.param;
      if (slot.gradAlias.isDisposed) {
        slot.gradAlias = slot.gradView.alias();
        if (p.grad?.isDisposed) p.grad = null;
      }
      p.gradHome = slot.gradAlias;
      const g = p.grad;
      if (g === slot.gradAlias) {
        slot.clean = false;
        continue;
      }
      if (g && !g.isDisposed && g.size === p.size && g.dtype === 'float32') {
        copyInto(slot.gradView, g);
        g.dispose();
        p.grad = slot.gradAlias;
        slot.clean = false;
        continue;
      }
      if (g) g.dispose();
      p.grad = null;
      if (!slot.clean) fillInPlace(slot.gradView, 0);
      slot.clean = true;
    }
  }

  private repack(wanted: Map<Tensor, number>): void {
    for (const p of wanted.keys()) {
      const owner = owners.get(p);
      if (owner && owner !== (this as Optimizer<object>)) throw new EngineError(`${this.name()}: parameter ${p.describe()} is already managed by another optimizer (dispose that one first)`);
    }
    const stateCount = this.stateCount();
    // New segments: one per group with trainable parameters, in group order.
    const plan: Array<{ group: number; params: Tensor[] }> = [];
    this.paramGroups.forEach((g, gi) => {
      const params = g.params.filter((p) => wanted.get(p) === gi);
      if (params.length) plan.push({ group: gi, params });
    });
    let total = 0;
    const offsets = new Map<Tensor, number>();
    for (const seg of plan) for (const p of seg.params) {
      offsets.set(p, total);
      total += roundUp(p.size);
    }

    // New buffers, zero-filled so the gaps hold zeros.
    const newParams = total > 0 ? keep(emptyTensor([total])) : null;
    const newGrads = total > 0 ? keep(emptyTensor([total])) : null;
    const newStates = total > 0 ? Array.from({ length: stateCount }, () => keep(emptyTensor([total]))) : [];
    for (const t of [newParams, newGrads, ...newStates]) if (t) fillInPlace(t, 0);

    const sliceOf = (flat: Tensor, offset: number, shape: readonly number[]): Tensor => {
      const n = shape.reduce((a, b) => a * b, 1);
      return over(flat.storage.view(offset * 4, Math.max(n, 1) * 4), shape);
    };
    const newSlots = new Map<Tensor, Slot>();
    for (const segPlan of plan) {
      for (const p of segPlan.params) {
        const off = offsets.get(p)!;
        const paramView = sliceOf(newParams!, off, p.shape);
        copyInto(paramView, p);
        const gradView = sliceOf(newGrads!, off, p.shape);
        const old = this.slots.get(p);
        const g = p.grad;
        const hasGrad = !!g && !g.isDisposed && g.size === p.size;
        if (hasGrad) copyInto(gradView, g);
        // State: from the old slot, from the parking lot, or zeros (already).
        const parked = this.parked.get(p);
        for (let k = 0; k < stateCount; k++) {
          let src: Tensor | null = null;
          if (old && this.flatStates[k]) src = sliceOf(this.flatStates[k]!, old.offset, p.shape);
          else if (parked?.states[k]) src = parked.states[k]!;
          if (!src) continue;
          const dst = sliceOf(newStates[k]!, off, p.shape);
          copyInto(dst, src);
          dst.dispose();
          if (old) src.dispose();
        }
        if (parked) {
          for (const s of parked.states) s.dispose();
          this.parked.delete(p);
        }
        rehome(p, paramView.storage.retain());
        paramView.dispose();
        // The old gradient (now copied) and the old slot's handles are done with.
        if (g && g !== old?.gradAlias) g.dispose();
        if (old) {
          old.gradAlias.dispose();
          old.gradView.dispose();
        }
        const gradAlias = gradView.alias();
        p.grad = hasGrad ? gradAlias : null;
        p.gradHome = gradAlias;
        owners.set(p, this as Optimizer<object>);
        newSlots.set(p, { param: p, group: segPlan.group, offset: off, index: newSlots.size, gradView, gradAlias, clean: !hasGrad });
      }
    }
    // Parameters that leave (frozen, disposed, removed): own memory again, state parked, no gradient.
    for (const [p, slot] of this.slots) {
      if (newSlots.has(p)) continue;
      if (!p.isDisposed) {
        const states: Tensor[] = [];
        for (const flat of this.flatStates) {
          const src = sliceOf(flat, slot.offset, p.shape);
          const own = keep(emptyTensor(p.shape));
          copyInto(own, src);
          src.dispose();
          states.push(own);
        }
        this.parked.set(p, { states });
      } else {
        this.stepCount.delete(p);
      }
      this.release(slot, !p.isDisposed);
    }
    this.freeLayout();
    this.slots = newSlots;
    this.flatParams = newParams;
    this.flatGrads = newGrads;
    this.flatStates = newStates;
    this.segments = plan.map((sp) => {
      const slots = sp.params.map((p) => newSlots.get(p)!);
      const start = slots[0]!.offset;
      const last = slots[slots.length - 1]!;
      const length = last.offset + last.param.size - start;
      const view = (flat: Tensor): Tensor => sliceOf(flat, start, [length]);
      const owner = new Int32Array(Math.ceil(length / ALIGN));
      for (const s of slots) owner.fill(s.index, (s.offset - start) / ALIGN);
      const chunkOwner = keep(upload(owner, [owner.length], 'int32'));
      return { group: sp.group, start, length, slots, param: view(newParams!), grad: view(newGrads!), states: newStates.map(view), chunkOwner };
    });
    // Norm partials and dummy bindings (kernels bind something in unused slots).
    // Each norm thread sums at least 256 elements: few workgroups for small models (SwiftShader and other
    // CPU-like adapters pay per workgroup barrier), up to 256 for 16M+ parameters.
    this.partialCount = Math.max(1, Math.min(MAX_PARTIALS, Math.ceil(total / (256 * 256))));
    if (!this.partials || this.partials.size !== this.partialCount) {
      this.partials?.dispose();
      this.partials = keep(emptyTensor([this.partialCount]));
      fillInPlace(this.partials, 0);
    }
    if (!this.clipOut) {
      this.clipOut = keep(emptyTensor([2]));
      fillInPlace(this.clipOut, 0);
    }
    this.normValid = false;
    if (!this.dummyState) this.dummyState = keep(emptyTensor([1]));
    if (!this.dummyRead) {
      this.dummyRead = keep(emptyTensor([1]));
      fillInPlace(this.dummyRead, 0);
    }
  }

  /** Ends a slot: the parameter gets its own memory (if `copyOut`), its gradient is dropped. */
  private release(slot: Slot, copyOut: boolean): void {
    const p = slot.param;
    if (copyOut && p.isLive) {
      const own = emptyTensor(p.shape);
      copyInto(own, p);
      rehome(p, own.storage.retain());
      own.dispose();
    }
    if (p.grad === slot.gradAlias) p.grad = null;
    if (p.gradHome === slot.gradAlias) p.gradHome = null;
    slot.gradAlias.dispose();
    slot.gradView.dispose();
    owners.delete(p);
  }

  private freeLayout(): void {
    for (const seg of this.segments) {
      seg.param.dispose();
      seg.grad.dispose();
      seg.chunkOwner.dispose();
      for (const s of seg.states) s.dispose();
    }
    this.segments = [];
    this.flatParams?.dispose();
    this.flatGrads?.dispose();
    for (const s of this.flatStates) s.dispose();
    this.flatParams = null;
    this.flatGrads = null;
    this.flatStates = [];
  }

  /** Two dispatches: partial sums of squares, then [norm, min(1, maxNorm / (norm + 1e-6))] into clipOut. */
  private launchNorm(maxNorm: number): void {
    launch(gradNormKernel, [this.flatGrads!, this.partials!], {
      params: { n: this.flatGrads!.size, workgroups: this.partialCount, max_norm: maxNorm },
      constants: { STAGE: 0 },
      workgroups: [this.partialCount, 1, 1],
      label: 'optim.grad_norm',
    });
    launch(gradNormKernel, [this.partials!, this.clipOut!], {
      params: { n: this.partialCount, workgroups: 1, max_norm: maxNorm },
      constants: { STAGE: 1 },
      workgroups: [1, 1, 1],
      label: 'optim.grad_norm.finish',
    });
  }
}

function emptyNorm(): Tensor {
  const t = emptyTensor([]);
  fillInPlace(t, 0);
  return t;
}

// ------------------------------------------------------------------ SGD

export interface SGDHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export type SGDOptions = Partial<SGDHyper> & OptimizerOptions;

/** torch.optim.SGD: weight decay added to the gradient, momentum buffer, optional Nesterov. */
export class SGD extends Optimizer<SGDHyper> {
  protected get kind(): string { return 'SGD'; }

  constructor(params: ParamsInput | Array<ParamGroupSpec<SGDHyper>>, options: SGDOptions = {}) {
    checkOptions('SGD', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize', 'maxGradNorm']);
    if (options.lr === undefined && !(Array.isArray(params) && params.length > 0 && isGroupSpec(params[0]) && params.every((g) => (g as ParamGroupSpec<SGDHyper>).lr !== undefined))) {
      throw new EngineError('SGD: lr is required (as an option or in every parameter group)');
    }
    super(params, {
      lr: options.lr ?? 0, momentum: options.momentum ?? 0, dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0, nesterov: options.nesterov ?? false, maximize: options.maximize ?? false,
    }, options);
  }

  protected validateGroup(g: ParamGroup<SGDHyper>, i: number): void {
    const where = `SGD group ${i}${g.name ? ` (${g.name})` : ''}`;
    if (!(g.lr >= 0)) throw new EngineError(`${where}: lr must be ≥ 0, got ${g.lr}`);
    if (!(g.momentum >= 0)) throw new EngineError(`${where}: momentum must be ≥ 0, got ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new EngineError(`${where}: weightDecay must be ≥ 0, got ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new EngineError(`${where}: nesterov needs momentum > 0 and dampening 0`);
  }

  protected stateCount(): number {
    return this.paramGroups.some((g) => g.momentum !== 0) ? 1 : 0;
  }

  protected stateNames(): string[] {
    return ['momentumBuffer'];
  }

  protected dispatchSegment(seg: Segment, g: ParamGroup<SGDHyper>, b: StepBindings): void {
    const momentum = g.momentum !== 0;
    launch(sgdKernel, [seg.param, seg.grad, momentum ? seg.states[0]! : b.dummyState, b.clip, seg.chunkOwner, b.table], {
      params: { n: seg.length, lr: g.lr, weight_decay: g.weightDecay, momentum: g.momentum, dampening: g.dampening },
      constants: { MOMENTUM: momentum ? 1 : 0, NESTEROV: g.nesterov ? 1 : 0, CLIP: b.clipping ? 1 : 0, MAXIMIZE: g.maximize ? 1 : 0 },
      workgroups: grid(Math.ceil(seg.length / 256)),
      label: 'optim.sgd',
    });
  }

  protected tableRow(_g: ParamGroup<SGDHyper>, step: number, row: Float32Array): void {
    row[1] = step === 1 ? 1 : 0; // the momentum buffer starts as the gradient
  }
}

// ------------------------------------------------------------------ Adam / AdamW

export interface AdamHyper {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export type AdamOptions = Partial<AdamHyper> & OptimizerOptions & { amsgrad?: false };

abstract class AdamBase extends Optimizer<AdamHyper> {
  protected abstract get decoupled(): boolean;

  protected validateGroup(g: ParamGroup<AdamHyper>, i: number): void {
    const where = `${this.name()} group ${i}${g.name ? ` (${g.name})` : ''}`;
    if (!(g.lr >= 0)) throw new EngineError(`${where}: lr must be ≥ 0, got ${g.lr}`);
    if (!(g.eps >= 0)) throw new EngineError(`${where}: eps must be ≥ 0, got ${g.eps}`);
    const [b1, b2] = g.betas ?? [];
    if (!(b1! >= 0 && b1! < 1 && b2! >= 0 && b2! < 1)) throw new EngineError(`${where}: betas must be in [0, 1), got ${JSON.stringify(g.betas)}`);
    if (!(g.weightDecay >= 0)) throw new EngineError(`${where}: weightDecay must be ≥ 0, got ${g.weightDecay}`);
  }

  protected stateCount(): number {
    return 2;
  }

  protected stateNames(): string[] {
    return ['expAvg', 'expAvgSq'];
  }

  /** Bias corrections in double precision on the CPU, as PyTorch does in Python: [·, lr / bc1, sqrt(bc2)]. */
  protected tableRow(g: ParamGroup<AdamHyper>, t: number, row: Float32Array): void {
    const [b1, b2] = g.betas;
    row[1] = g.lr / (1 - b1 ** t);
    row[2] = Math.sqrt(1 - b2 ** t);
  }

  protected dispatchSegment(seg: Segment, g: ParamGroup<AdamHyper>, b: StepBindings): void {
    const [b1, b2] = g.betas;
    launch(adamKernel, [seg.param, seg.grad, seg.states[0]!, seg.states[1]!, b.clip, seg.chunkOwner, b.table], {
      params: {
        n: seg.length, beta1: b1, beta2: b2, one_minus_beta1: 1 - b1,
        one_minus_beta2: 1 - b2, eps: g.eps, weight_decay: g.weightDecay, decay: 1 - g.lr * g.weightDecay,
      },
      constants: { DECOUPLED: this.decoupled ? 1 : 0, CLIP: b.clipping ? 1 : 0, MAXIMIZE: g.maximize ? 1 : 0 },
      workgroups: grid(Math.ceil(seg.length / 256)),
      label: this.decoupled ? 'optim.adamw' : 'optim.adam',
    });
  }
}

function adamDefaults(kind: string, options: AdamOptions, weightDecay: number): AdamHyper {
  checkOptions(kind, options, ['lr', 'betas', 'eps', 'weightDecay', 'maximize', 'amsgrad', 'maxGradNorm']);
  if ((options as { amsgrad?: boolean }).amsgrad) throw new EngineError('Adam: amsgrad is not supported');
  return {
    lr: options.lr ?? 1e-3,
    betas: options.betas ?? [0.9, 0.999],
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? weightDecay,
    maximize: options.maximize ?? false,
  };
}

/** torch.optim.Adam: L2 weight decay added to the gradient before the moments. */
export class Adam extends AdamBase {
  protected get kind(): string { return 'Adam'; }
  protected get decoupled(): boolean { return false; }
  constructor(params: ParamsInput | Array<ParamGroupSpec<AdamHyper>>, options: AdamOptions = {}) {
    super(params, adamDefaults('Adam', options, 0), options);
  }
}

/** torch.optim.AdamW: decoupled weight decay (p *= 1 − lr·wd) before the Adam update. Default wd 0.01. */
export class AdamW extends AdamBase {
  protected get kind(): string { return 'AdamW'; }
  protected get decoupled(): boolean { return true; }
  constructor(params: ParamsInput | Array<ParamGroupSpec<AdamHyper>>, options: AdamOptions = {}) {
    super(params, adamDefaults('AdamW', options, 1e-2), options);
  }
}

// ------------------------------------------------------------------ standalone clipping

/**
 * torch.nn.utils.clip_grad_norm_: scales the gradients of `params` in place so that their global 2-norm is at
 * most `maxNorm` (coef = min(1, maxNorm / (norm + 1e-6))) and returns the norm before clipping as a 0-d
 * tensor. All on the GPU, no readback. For an optimizer's own parameters prefer its `maxGradNorm` option,
 * which fuses this into the step.
 */
export function clipGradNorm(params: ParamsInput, maxNorm: number): Tensor {
  if (!(maxNorm > 0)) throw new EngineError(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  const grads = toList('clipGradNorm', params).map((p) => p.grad).filter((g): g is Tensor => g !== null && !g.isDisposed);
  return noGrad(() => {
    if (grads.length === 0) return emptyNorm();
    const total = tidy(() => sqrt(stack(grads.map((g) => g.mul(g).sum())).sum()));
    tidy(() => {
      // coef = min(1, maxNorm / (total + 1e-6)) = 1 / max(1, (total + 1e-6) / maxNorm)
      const coef = maximum(total.add(1e-6).div(maxNorm), 1).pow(-1);
      for (const g of grads) {
        const scaled = g.mul(coef);
        copyInto(g, scaled);
      }
    });
    return total;
  });
}
