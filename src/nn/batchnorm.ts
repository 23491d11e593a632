// nn.BatchNorm2d and nn.BatchNorm1d: batch normalization over channel dim 1, with PyTorch's parameters, buffers
// (running_mean, running_var, num_batches_tracked) and train / eval semantics, composed from the engine's
// batch-norm ops (engine/ops/batch-norm.ts: batch statistics, normalization with its backward, the running
// update). In an nn.Sequential a ReLU or ReLU6 after it runs in the normalization kernel.

import {
  EngineError, Tensor, batchNormApply, batchNormUpdateRunning, batchStatistics, checkOptions, full, ones, reshape, zeros, type EpilogueActivation,
} from '../engine/internal.ts';
import { FUSION, type Fusion } from './fusion.ts';
import { Module } from './module.ts';
import { Parameter } from './parameter.ts';

export interface BatchNorm2dOptions {
  eps?: number;
  /** Weight of the new batch in the running averages; null = cumulative average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** Options of BatchNorm1d: the same as BatchNorm2d's. */
export type BatchNorm1dOptions = BatchNorm2dOptions;

/**
 * Batch normalization over channel dim 1. Train mode normalizes with the batch mean and the biased batch
 * variance and updates running_mean / running_var (unbiased) / num_batches_tracked in place; eval mode
 * normalizes with the running statistics. See module.ts for its behaviour inside a frozen trunk. The
 * subclasses say which input ranks they take; all run the same kernels on a [N, C, H, W] view.
 */
abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number | null;

  constructor(readonly numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    checkOptions(this.typeName, options, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new EngineError(`${this.typeName}: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    const affine = options.affine ?? true;
    const weight = ones([numFeatures]);
    const bias = zeros([numFeatures]);
    this.registerParameter('weight', affine ? new Parameter(weight) : null);
    this.registerParameter('bias', affine ? new Parameter(bias) : null);
    weight.dispose();
    bias.dispose();
    const track = options.trackRunningStats ?? true;
    this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.registerBuffer('num_batches_tracked', track ? full([], 0, { dtype: 'int32' }) : null);
  }

  get weight(): Parameter | null { return this.param('weight'); }
  get bias(): Parameter | null { return this.param('bias'); }
  get runningMean(): Tensor | null { return this.buffer('running_mean'); }
  get runningVar(): Tensor | null { return this.buffer('running_var'); }
  get numBatchesTracked(): Tensor | null { return this.buffer('num_batches_tracked'); }

  override isBatchNorm(): boolean {
    return true;
  }

  /** The input form in messages (`[N, 8, H, W]`), and whether x has it. */
  protected abstract expectedInput(): string;
  protected abstract acceptsRank(rank: number): boolean;

  forward(x: Tensor): Tensor {
    return this.forwardWithActivation(x, 'none');
  }

  /**
   * act(forward(x)) with the activation in the normalization kernel (its gradient in the backward's passes):
   * what nn.Sequential runs for BatchNorm → ReLU / ReLU6, and the ResNet blocks for bn1 → relu.
   */
  forwardWithActivation(x: Tensor, activation: EpilogueActivation): Tensor {
    this.checkInput(x);
    const C = this.numFeatures;
    if (!this.acceptsRank(x.rank) || x.shape[1] !== C) this.badInput(this.expectedInput(), x);
    if (this.training && x.size / C < 2) {
      this.badInput(`${this.expectedInput()} with more than one value per channel`, x, 'batch statistics need at least 2 values per channel in train mode');
    }
    if (x.rank === 4) return this.normalize(x, activation);
    const view = reshape(x, [x.shape[0]!, C, x.shape[2] ?? 1, 1]);
    const y = this.normalize(view, activation);
    view.dispose();
    const out = reshape(y, x.shape);
    y.dispose();
    return out;
  }

  /** The layer's activation hook: act(forward(x)) for an activation after it, in the normalization kernel. */
  [FUSION](): Fusion {
    return { epilogue: { activations: ['relu', 'relu6'], run: (x, act) => this.forwardWithActivation(x, act) } };
  }

  private normalize(x: Tensor, activation: EpilogueActivation): Tensor {
    const useBatchStats = this.training || !this.runningMean;
    const w = this.weight;
    const b = this.bias;
    if (!useBatchStats) return batchNormApply(x, this.runningMean!, this.runningVar!, w, b, this.eps, false, activation);
    const batch = batchStatistics(x);
    if (this.training && this.runningMean) {
      const running = { mean: this.runningMean, variance: this.runningVar!, batches: this.numBatchesTracked! };
      batchNormUpdateRunning(batch, running, this.momentum, x.size / this.numFeatures);
    }
    const y = batchNormApply(x, batch.mean, batch.variance, w, b, this.eps, true, activation);
    batch.mean.dispose();
    batch.variance.dispose();
    return y;
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.runningMean !== null}`;
  }
}

/** BatchNorm over the channels of NCHW input [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  override get typeName(): string { return 'BatchNorm2d'; }
  protected expectedInput(): string { return `[N, ${this.numFeatures}, H, W]`; }
  protected acceptsRank(rank: number): boolean { return rank === 4; }
}

/** BatchNorm over the features of [N, C] or the channels of [N, C, L] input (statistics over N, or N and L). */
export class BatchNorm1d extends BatchNorm {
  override get typeName(): string { return 'BatchNorm1d'; }
  protected expectedInput(): string { return `[N, ${this.numFeatures}] or [N, ${this.numFeatures}, L]`; }
  protected acceptsRank(rank: number): boolean { return rank === 2 || rank === 3; }
}
