// Learning-rate schedulers with PyTorch's semantics (torch.optim.lr_scheduler). Pure CPU code: they only
// set `lr` on each parameter group, which the next optimizer step passes to its kernel as a uniform.
//
// Use: call `scheduler.step()` after `optimizer.step()`. Each applies per group, from the group's base lr
// (`initialLr`, recorded on the group at the first scheduler's construction, as PyTorch's initial_lr).
// Like PyTorch, constructing a scheduler already applies the factor of step 0 (LambdaLR semantics), so the
// first optimizer step runs at base·factor(0).

import { EngineError, checkOptions } from '../engine/internal.ts';

/** Anything with parameter groups that have an lr: every optimizer here. */
export interface LrTarget {
  paramGroups: Array<{ lr: number; initialLr?: number }>;
}

/**
 * A scheduler's position (`scheduler.stateDict()`): its kind, how many steps it took, the base lr and the lr in
 * effect of each group. Plain JSON. The functions and settings (stepSize, lambdas) come from the constructor.
 */
export interface LRSchedulerStateDict {
  kind: string;
  lastStep: number;
  baseLrs: number[];
  lastLrs: number[];
}

export abstract class LRScheduler {
  /** The base lr of each group. */
  readonly baseLrs: number[];
  /** How many times step() was called (PyTorch's last_epoch after construction). */
  lastStep = 0;

  constructor(protected readonly optimizer: LrTarget) {
    if (!optimizer || !Array.isArray(optimizer.paramGroups)) throw new TypeError('LRScheduler: expected an optimizer');
    for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
  }

  /** Sets the lrs of step 0; subclasses call it at the end of their constructor. */
  protected start(): void {
    this.apply(this.computeLrs(0));
  }

  /** Advances one step and sets each group's lr. */
  step(): void {
    this.lastStep++;
    this.apply(this.computeLrs(this.lastStep));
  }

  /** The lrs in effect now. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  protected abstract computeLrs(step: number): number[];

  /** 'StepLR', 'LambdaLR', ... (stored in state dicts, checked when loading). Subclasses name themselves. */
  get kind(): string {
    return this.constructor.name;
  }

  // ---------------------------------------------------------------- state dict (checkpoints)

  /** The schedule's position: lastStep, the base lrs and the lrs in effect (PyTorch's state_dict). */
  stateDict(): LRSchedulerStateDict {
    return { kind: this.kind, lastStep: this.lastStep, baseLrs: [...this.baseLrs], lastLrs: this.getLastLr() };
  }

  /**
   * Continues from a stateDict() of a scheduler of the same kind over as many groups: restores lastStep and
   * the base lrs, and sets each group's lr to the saved one (what the optimizer's own loadStateDict restores too).
   */
  loadStateDict(state: LRSchedulerStateDict): void {
    const op = `${this.kind}.loadStateDict`;
    checkOptions(op, state, ['kind', 'lastStep', 'baseLrs', 'lastLrs']);
    const n = this.optimizer.paramGroups.length;
    if (state?.kind !== this.kind) throw new EngineError(`${op}: the state is from a ${String(state?.kind)} scheduler`);
    if (!Number.isInteger(state.lastStep) || state.lastStep < 0) throw new EngineError(`${op}: lastStep must be an integer ≥ 0, got ${state.lastStep}`);
    for (const k of ['baseLrs', 'lastLrs'] as const) {
      const v = state[k];
      if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && x >= 0)) {
        throw new EngineError(`${op}: ${k} must hold ${n} learning rates (one per group), got ${JSON.stringify(v)}`);
      }
    }
    this.lastStep = state.lastStep;
    this.baseLrs.splice(0, this.baseLrs.length, ...state.baseLrs);
    this.optimizer.paramGroups.forEach((g, i) => {
      g.initialLr = state.baseLrs[i]!;
      g.lr = state.lastLrs[i]!;
    });
  }

  private apply(lrs: number[]): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i]!;
    });
  }
}

export type LrLambda = (step: number) => number;

/** lr = base · factor(step), one factor function for all groups or one per group (torch LambdaLR). */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: LrLambda[];
  override get kind(): string { return 'LambdaLR'; }

  constructor(optimizer: LrTarget, lrLambda: LrLambda | LrLambda[]) {
    super(optimizer);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda) && lrLambda.length !== n) {
      throw new EngineError(`LambdaLR: got ${lrLambda.length} functions for ${n} parameter groups`);
    }
    this.lambdas = Array.isArray(lrLambda) ? lrLambda : Array.from({ length: n }, () => lrLambda);
    this.start();
  }

  protected computeLrs(step: number): number[] {
    return this.baseLrs.map((base, i) => base * this.lambdas[i]!(step));
  }
}

export interface StepLROptions {
  stepSize: number;
  /** Multiplier at each boundary (default 0.1). */
  gamma?: number;
}

/** lr *= gamma every stepSize steps (torch StepLR, computed recursively like PyTorch). */
export class StepLR extends LRScheduler {
  override get kind(): string { return 'StepLR'; }
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: LrTarget, options: StepLROptions) {
    super(optimizer);
    checkOptions('StepLR', options, ['stepSize', 'gamma']);
    if (!Number.isInteger(options?.stepSize) || options.stepSize < 1) {
      throw new EngineError(`StepLR: stepSize must be a positive integer, got ${options?.stepSize}`);
    }
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.start();
  }

  protected computeLrs(step: number): number[] {
    const current = this.optimizer.paramGroups.map((g) => g.lr);
    if (step === 0 || step % this.stepSize !== 0) return current;
    return current.map((lr) => lr * this.gamma);
  }
}

export interface LinearWarmupOptions {
  warmupSteps: number;
}

/** factor(step) = min(1, (step + 1) / warmupSteps): a linear ramp to the base lr, then constant. */
export class LinearWarmup extends LambdaLR {
  override get kind(): string { return 'LinearWarmup'; }
  constructor(optimizer: LrTarget, options: LinearWarmupOptions) {
    checkOptions('LinearWarmup', options, ['warmupSteps']);
    const w = options?.warmupSteps;
    if (!Number.isInteger(w) || w < 1) throw new EngineError(`LinearWarmup: warmupSteps must be a positive integer, got ${w}`);
    super(optimizer, (step) => Math.min(1, (step + 1) / w));
  }
}

export interface CosineWarmupOptions {
  warmupSteps: number;
  totalSteps: number;
  /** The factor the cosine decays to (default 0). */
  minFactor?: number;
}

/**
 * Linear warmup, then cosine decay: factor(step) = (step + 1) / warmup while step < warmup, else
 * min + (1 − min) · ½(1 + cos(π · (step − warmup) / (total − warmup))), held at min after `totalSteps`.
 */
export class CosineWarmup extends LambdaLR {
  override get kind(): string { return 'CosineWarmup'; }
  constructor(optimizer: LrTarget, options: CosineWarmupOptions) {
    checkOptions('CosineWarmup', options, ['warmupSteps', 'totalSteps', 'minFactor']);
    const { warmupSteps: w, totalSteps: total } = options ?? {};
    const min = options?.minFactor ?? 0;
    if (!Number.isInteger(w) || w < 0) throw new EngineError(`CosineWarmup: warmupSteps must be an integer ≥ 0, got ${w}`);
    if (!Number.isInteger(total) || total <= w) throw new EngineError(`CosineWarmup: totalSteps must be an integer > warmupSteps (${w}), got ${total}`);
    super(optimizer, (step) => {
      if (step < w) return (step + 1) / w;
      const progress = Math.min(1, (step - w) / (total - w));
      return min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    });
  }
}
