// The optimizer base class: parameter groups and their checks, and the public life cycle (step, zeroGrad,
// syncTrainable, gradNorm, stateDict, dispose) as bookkeeping over three helpers:
//   flat-layout.ts  where each trainable parameter, its gradient and its state live (one flat buffer each),
//   state.ts        step counts and the parked state of frozen parameters,
//   state-dict.ts   the state as host data.
// The update rules are engine ops (engine/ops/optim-step.ts); sgd.ts and adam.ts pick theirs. A step reads
// nothing back: one dispatch per group over its segment of the flat buffers, plus two for the global
// gradient norm when `maxGradNorm` is set (the step kernels read the clip coefficient on the GPU).
//
// Parameters without a gradient (PyTorch 2 semantics). `zeroGrad()` zero-fills the flat gradient buffer and
// sets every `param.grad` to null (PyTorch's set_to_none=True, its default since 2.0); the first backward
// that reaches a parameter puts its gradient into the parameter's slot (its gradient destination) and sets
// `param.grad` to it. step() skips every parameter whose grad is still null: no weight decay, no momentum or
// Adam update, its step count unchanged. The kernels learn this from a per-step table of 4 floats per
// parameter, computed on the CPU from the per-parameter step counts and staged in the engine's uniform arena
// (stagedData: no buffer per step; up to 4096 parameters per optimizer, beyond that one small upload per
// step). `zeroGrad({ setToNone: false })` keeps the old behaviour: grads are zero tensors and every
// trainable parameter is stepped. Setting `param.grad = null` by hand means "no gradient".
//
// Frozen parameters (requiresGrad = false) have no slot, no gradient and no state in the flat buffers. The
// optimizer follows freezing at the next syncTrainable(), which step() and zeroGrad() call first.

import {
  DisposedError, EngineError, MAX_STAGED_BYTES, StepBuffers, Tensor, checkOptions, flatGradNorm, noGrad, reshape, slice, stagedData, tidy, upload,
  type BufferRange,
} from '../../engine/internal.ts';
import { emptyNorm } from './clip.ts';
import { FlatLayout, type Segment } from './flat-layout.ts';
import { isGroupSpec, toList, type OptimizerOptions, type ParamGroup, type ParamGroupSpec, type ParamsInput, type ZeroGradOptions } from './params.ts';
import { loadStateDictInto, readStateDict, type OptimizerStateDict, type StateDictHost } from './state-dict.ts';
import { ParamStates } from './state.ts';

/** What a step dispatch binds besides its segment (see engine/ops/optim-step.ts). */
export interface StepContext {
  table: Tensor | BufferRange;
  buffers: StepBuffers;
  clipping: boolean;
}

export abstract class Optimizer<H extends object> {
  readonly paramGroups: Array<ParamGroup<H>> = [];
  /** Global gradient-norm clipping threshold, or null. May be changed between steps. */
  maxGradNorm: number | null;
  /** Steps taken by each parameter (trainable or parked); a skipped step leaves the count unchanged. */
  readonly stepCount: Map<Tensor, number>;
  protected readonly defaults: H;
  /** 'SGD', 'Adam', ... (a getter, so it works during construction). */
  protected abstract get kind(): string;

  private readonly states = new ParamStates();
  private readonly layout: FlatLayout;
  /** Norm partials, [norm, coef] and fillers; made with the first layout. */
  private buffers: StepBuffers | null = null;
  private normValid = false;
  private disposed = false;

  constructor(params: ParamsInput | Array<ParamGroupSpec<H>>, defaults: H, options: OptimizerOptions) {
    this.defaults = defaults;
    this.stepCount = this.states.stepCount;
    this.layout = new FlatLayout(this, this.name(), this.states);
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

  /** Records the update of one segment: one dispatch (an engine op of optim-step.ts). */
  protected abstract dispatchSegment(seg: Segment, group: ParamGroup<H>, context: StepContext): void;

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
        if (!p.isDisposed) continue;
        throw new DisposedError(
          `${this.name()}.step: parameter ${p.describe()} of group ${gi} was disposed; remove it from paramGroups[${gi}].params or make a new optimizer`,
        );
      }
    });
    noGrad(() => {
      this.ensureLayout();
      const grads = this.layout.gradients;
      if (!grads || this.layout.segments.length === 0) return;
      const buffers = this.buffers!;
      const clipping = this.maxGradNorm !== null;
      if (clipping) flatGradNorm(grads, buffers, this.maxGradNorm!);
      const host = new Float32Array(this.layout.slots.size * 4);
      for (const slot of this.layout.slots.values()) {
        if (slot.param.grad !== slot.gradAlias) continue;
        const row = host.subarray(slot.index * 4, slot.index * 4 + 4);
        this.tableRow(this.paramGroups[slot.group]!, this.states.advance(slot.param), row);
        row[0] = 1;
      }
      const table = host.byteLength <= MAX_STAGED_BYTES ? stagedData(host) : upload(host, [this.layout.slots.size, 4], 'float32');
      for (const seg of this.layout.segments) this.dispatchSegment(seg, this.paramGroups[seg.group]!, { table, buffers, clipping });
      if (table instanceof Tensor) table.dispose();
      this.normValid = clipping;
    });
  }

  /**
   * Resets the gradients: one fill of the flat gradient buffer, and every `param.grad` set to null (default,
   * PyTorch ≥ 2.0) or, with `{ setToNone: false }`, left as a zero tensor (then step() updates every parameter).
   * Calls syncTrainable() first.
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    this.checkAlive();
    const setToNone = options.setToNone ?? true;
    noGrad(() => {
      this.ensureLayout();
      this.layout.zeroGrads(setToNone);
    });
  }

  /**
   * Re-reads which parameters require grad and moves the flat buffers to match: a parameter frozen since
   * leaves them (its own memory again, its state parked), one unfrozen comes back with its state and step
   * count. step() and zeroGrad() do this first; call it yourself right after freezing or unfreezing when
   * something must see the parameters where they will stay (a feature cache, `gpuBuffer()`).
   */
  syncTrainable(): void {
    this.checkAlive();
    noGrad(() => this.ensureLayout());
  }

  /**
   * The global 2-norm of the current gradients of all trainable parameters, as a new 0-d tensor (read it with
   * `await t.item()`, then dispose it). Three small dispatches; nothing is read back until you ask.
   */
  gradNorm(): Tensor {
    this.checkAlive();
    return noGrad(() => {
      this.ensureLayout();
      const grads = this.layout.gradients;
      if (!grads) return emptyNorm();
      flatGradNorm(grads, this.buffers!, 1);
      this.normValid = false;
      return this.normTensor();
    });
  }

  /** The gradient norm before clipping in the last step() (with maxGradNorm set), or null. New 0-d tensor. */
  lastGradNorm(): Tensor | null {
    if (!this.normValid || !this.buffers) return null;
    return noGrad(() => this.normTensor());
  }

  private normTensor(): Tensor {
    return tidy(() => reshape(slice(this.buffers!.norm, 0, 0, 1), []));
  }

  /** Step counts of the groups (the largest per group; parameters that joined later or were skipped may be behind). */
  get stepCounts(): number[] {
    return this.paramGroups.map((g) => Math.max(0, ...g.params.map((p) => this.stepCount.get(p) ?? 0)));
  }

  /** Elements in each flat buffer (parameters, gradients, each state): trainable sizes rounded up to 64. */
  get flatSize(): number {
    return this.layout.size;
  }

  /** Dispatches one step records (for tests and docs): one per group with trainable parameters, plus the norm pass when clipping. */
  get dispatchesPerStep(): number {
    return this.layout.segments.length + (this.maxGradNorm !== null ? 2 : 0);
  }

  /**
   * Gives every parameter its own memory back (copied out of the flat buffer), drops the gradients and the
   * state, and releases the flat buffers. The optimizer cannot be used afterwards.
   */
  dispose(): void {
    if (this.disposed) return;
    noGrad(() => {
      this.layout.releaseAll();
      this.states.disposeParked();
      this.buffers?.dispose();
      this.buffers = null;
    });
    this.disposed = true;
  }

  // ---------------------------------------------------------------- state dict (checkpoints, state-dict.ts)

  /**
   * The optimizer's state read back to the host (PyTorch's state_dict): per parameter its step count and
   * state tensors, per group its hyperparameters. All readbacks are in flight together.
   */
  async stateDict(): Promise<OptimizerStateDict> {
    this.checkAlive();
    return readStateDict(this.stateDictHost());
  }

  /**
   * Restores a state from stateDict() (PyTorch's load_state_dict) into an optimizer built the same way over
   * the same parameters: group hyperparameters, step counts and state tensors. Everything is checked before
   * anything changes; gradients are zeroed. Frozen parameters keep their saved state until unfrozen.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    this.checkAlive();
    loadStateDictInto(this.stateDictHost(), stateDict);
    this.normValid = false;
  }

  private stateDictHost(): StateDictHost<H> {
    return {
      name: this.name(),
      paramGroups: this.paramGroups,
      hyperKeys: Object.keys(this.defaults),
      validateGroup: (g, i) => this.validateGroup(g, i),
      stateNames: this.stateNames(),
      stateCount: this.stateCount(),
      layout: this.layout,
      states: this.states,
      relayout: () => this.ensureLayout(),
    };
  }

  // ---------------------------------------------------------------- layout

  private checkAlive(): void {
    if (this.disposed) throw new EngineError(`${this.name()}: used after dispose()`);
  }

  /** Repacks when the trainable parameters, their groups or the state needs changed; then adopts hand-set gradients. */
  private ensureLayout(): void {
    this.states.dropDisposed();
    const wanted = new Map<Tensor, number>();
    this.paramGroups.forEach((g, gi) => {
      for (const p of g.params) if (p.requiresGrad && !p.isDisposed) wanted.set(p, gi);
    });
    const stateCount = this.stateCount();
    if (!this.layout.matches(wanted, stateCount)) {
      const total = this.layout.repack(this.paramGroups.map((g) => g.params), wanted, stateCount);
      this.buffers ??= new StepBuffers();
      this.buffers.fit(total);
      this.normValid = false;
    }
    this.layout.adoptGradients();
  }
}
