// Learning-rate schedulers with PyTorch's semantics (torch.optim.lr_scheduler). Pure CPU code: they only
// set `lr` on each parameter group, which the next optimizer step passes to its kernel as a uniform.
//
// Use: call `scheduler.step()` after `optimizer.step()`. Each applies per group, from the group's base lr
// (`initialLr`, recorded on the group at the first scheduler's construction, as PyTorch's initial_lr).
// Like PyTorch, constructing a scheduler already applies the factor of step 0 (LambdaLR semantics), so the
// first optimizer step runs at base·factor(0).

import { EngineError } from '../engine/errors.ts';

/** Anything with parameter groups that have an lr: every optimizer here. */
export interface LrTarget {
  paramGroups: Array<{ lr: number; initialLr?: number }>;
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
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: LrTarget, options: StepLROptions) {
    super(optimizer);
    if (!Number.isInteger(options?.stepSize) || options.stepSize < 1) throw new EngineError(`StepLR: stepSize must be a positive integer, got ${options?.stepSize}`);
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
  constructor(optimizer: LrTarget, options: LinearWarmupOptions) {
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
  constructor(optimizer: LrTarget, options: CosineWarmupOptions) {
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
