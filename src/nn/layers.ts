// The layer set: Linear, Conv2d, activations, pools, Flatten, Dropout, BatchNorm2d / BatchNorm1d and Sequential, with
// PyTorch's parameter names, shapes, default initialization (kaiming-uniform bounds) and semantics.
//
// Every layer checks its input (rank, channels or features) before any GPU work and names itself by its path
// in errors: `Linear "head": expected input [..., 6], got [4,5]`.

import bnRunningWgsl from '../shaders/nn_batchnorm_running.wgsl?raw';
import dropoutWgsl from '../shaders/nn_dropout.wgsl?raw';
import { defineKernel, grid } from '../shaders/kernel.ts';
import {
  EngineError, Tensor, adaptiveAvgPool2d, avgPool2d, checkOptions, conv2d, conv2dAct, drawSeed, emptyTensor, flatten, full, gelu, launch, linear, linearAct, maxPool2d, reluMaxPool2d, mul, noGrad, ones, rand, relu, relu6, reshape, sigmoid, tanh, zeros, type EpilogueActivation, adaptiveOutputSize, type AdaptiveSize,
} from '../engine/internal.ts';
import { batchNormApply, batchStatistics } from './batchnorm.ts';
import { Module } from './module.ts';
import { Parameter } from './parameter.ts';

const dropoutKernel = defineKernel('nn_dropout', dropoutWgsl, ['write'], { n: 'u32', seed: 'u32', p: 'f32', scale: 'f32' });
const bnRunningKernel = defineKernel('nn_batchnorm_running', bnRunningWgsl, ['read', 'read', 'write', 'write', 'write'], { channels: 'u32', momentum: 'f32', unbias: 'f32' });

type Pair = number | readonly [number, number];

function pair(name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((d) => Number.isInteger(d) && d >= min)) throw new EngineError(`${name} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`);
  return p;
}

function showPair(p: readonly [number, number]): string {
  return p[0] === p[1] ? `${p[0]}` : `(${p[0]}, ${p[1]})`;
}

/** U(−bound, bound) as a Parameter (PyTorch's kaiming_uniform(a=√5) for weights and its bias rule). */
function uniformParameter(shape: number[], bound: number): Parameter {
  const t = rand(shape, { low: -bound, high: bound });
  const p = new Parameter(t);
  t.dispose();
  return p;
}

/** Output size of a conv / pool window along one dim (PyTorch's floor formula). */
function windowOut(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

// ------------------------------------------------------------------ Linear

export interface LinearOptions {
  bias?: boolean;
}

/** y = x·Wᵀ + b over the last dim. weight [out, in], bias [out]; x is [..., in]. */
export class Linear extends Module {
  override get typeName(): string { return 'Linear'; }
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkOptions('Linear', options, ['bias']);
    if (!Number.isInteger(inFeatures) || inFeatures < 1 || !Number.isInteger(outFeatures) || outFeatures < 1) {
      throw new EngineError(`Linear: features must be positive integers, got (${inFeatures}, ${outFeatures})`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const bound = 1 / Math.sqrt(inFeatures);
    this.registerParameter('weight', uniformParameter([outFeatures, inFeatures], bound));
    this.registerParameter('bias', options.bias === false ? null : uniformParameter([outFeatures], bound));
  }

  get weight(): Parameter { return this.param('weight')!; }
  get bias(): Parameter | null { return this.param('bias'); }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.rank === 0 || x.shape[x.rank - 1] !== this.inFeatures) this.badInput(`[..., ${this.inFeatures}]`, x);
    return linear(x, this.weight, this.bias);
  }

  /** relu(forward(x)) with the ReLU in the matmul's epilogue (linearAct): what nn.Sequential runs for Linear → ReLU. */
  forwardWithRelu(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.rank === 0 || x.shape[x.rank - 1] !== this.inFeatures) this.badInput(`[..., ${this.inFeatures}]`, x);
    return linearAct(x, this.weight, this.bias, 'relu');
  }

  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

// ------------------------------------------------------------------ Conv2d

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

/** 2-D convolution over NCHW input. weight [out, in/groups, kH, kW] (OIHW), bias [out]. Zero padding. */
export class Conv2d extends Module {
  override get typeName(): string { return 'Conv2d'; }
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dOptions = {}) {
    super();
    checkOptions('Conv2d', options, ['stride', 'padding', 'dilation', 'groups', 'bias']);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair('Conv2d: kernelSize', kernelSize, 1);
    this.stride = pair('Conv2d: stride', options.stride ?? 1, 1);
    this.padding = pair('Conv2d: padding', options.padding ?? 0, 0);
    this.dilation = pair('Conv2d: dilation', options.dilation ?? 1, 1);
    this.groups = options.groups ?? 1;
    const g = this.groups;
    if (!Number.isInteger(inChannels) || inChannels < 1 || !Number.isInteger(outChannels) || outChannels < 1) {
      throw new EngineError(`Conv2d: channels must be positive integers, got (${inChannels}, ${outChannels})`);
    }
    if (!Number.isInteger(g) || g < 1 || inChannels % g !== 0 || outChannels % g !== 0) {
      throw new EngineError(`Conv2d: groups ${g} must divide both inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    const [kH, kW] = this.kernelSize;
    const fanIn = (inChannels / g) * kH * kW;
    const bound = 1 / Math.sqrt(fanIn);
    this.registerParameter('weight', uniformParameter([outChannels, inChannels / g, kH, kW], bound));
    this.registerParameter('bias', options.bias === false ? null : uniformParameter([outChannels], bound));
  }

  get weight(): Parameter { return this.param('weight')!; }
  get bias(): Parameter | null { return this.param('bias'); }

  forward(x: Tensor): Tensor {
    return this.forwardWithActivation(x, 'none');
  }

  /**
   * act(forward(x)) with the activation in the conv kernel's epilogue (conv2dAct): what nn.Sequential runs for
   * Conv2d → ReLU / ReLU6.
   */
  forwardWithActivation(x: Tensor, activation: EpilogueActivation): Tensor {
    this.checkInput(x);
    if (x.rank !== 4 || x.shape[1] !== this.inChannels) this.badInput(`[N, ${this.inChannels}, H, W]`, x);
    const outH = windowOut(x.shape[2]!, this.kernelSize[0], this.stride[0], this.padding[0], this.dilation[0]);
    const outW = windowOut(x.shape[3]!, this.kernelSize[1], this.stride[1], this.padding[1], this.dilation[1]);
    if (outH < 1 || outW < 1) this.badInput(`[N, ${this.inChannels}, H, W]`, x, `the ${showPair(this.kernelSize)} kernel does not fit the padded input`);
    const options = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
    return activation === 'none' ? conv2d(x, this.weight, this.bias, options) : conv2dAct(x, this.weight, this.bias, activation, options);
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${showPair(this.kernelSize)}, stride=${showPair(this.stride)}, padding=${showPair(this.padding)}` +
      (this.groups !== 1 ? `, groups=${this.groups}` : '') + (this.bias ? '' : ', bias=false');
  }
}

// ------------------------------------------------------------------ activations and reshaping

abstract class Elementwise extends Module {
  protected abstract op(x: Tensor): Tensor;
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    return this.op(x);
  }
}

export class ReLU extends Elementwise {
  override get typeName(): string { return 'ReLU'; }
  protected op(x: Tensor): Tensor { return relu(x); }
}

/** min(max(x, 0), 6): torchvision's MobileNetV2 activation (PyTorch's nn.ReLU6, hardtanh from 0 to 6). */
export class ReLU6 extends Elementwise {
  override get typeName(): string { return 'ReLU6'; }
  protected op(x: Tensor): Tensor { return relu6(x); }
}

/** GELU, exact erf form (PyTorch's default `approximate='none'`). */
export class GELU extends Elementwise {
  override get typeName(): string { return 'GELU'; }
  protected op(x: Tensor): Tensor { return gelu(x); }
}

export class Sigmoid extends Elementwise {
  override get typeName(): string { return 'Sigmoid'; }
  protected op(x: Tensor): Tensor { return sigmoid(x); }
}

export class Tanh extends Elementwise {
  override get typeName(): string { return 'Tanh'; }
  protected op(x: Tensor): Tensor { return tanh(x); }
}

/** Passes the input through (a placeholder, e.g. for a removed head). */
export class Identity extends Module {
  override get typeName(): string { return 'Identity'; }
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    return x;
  }
}

/** Merges dims startDim..endDim into one (default: everything but the batch dim). A view, no copy. */
export class Flatten extends Module {
  override get typeName(): string { return 'Flatten'; }
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const s = this.startDim < 0 ? this.startDim + x.rank : this.startDim;
    const e = this.endDim < 0 ? this.endDim + x.rank : this.endDim;
    if (s < 0 || e >= x.rank || s > e) this.badInput(`a tensor with dims ${this.startDim}..${this.endDim}`, x);
    return flatten(x, this.startDim, this.endDim);
  }

  protected override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

// ------------------------------------------------------------------ pools

export interface MaxPool2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
}

abstract class Pool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];

  constructor(kind: string, kernelSize: Pair, options: { stride?: Pair; padding?: Pair; dilation?: Pair }) {
    super();
    this.kernelSize = pair(`${kind}: kernelSize`, kernelSize, 1);
    this.stride = pair(`${kind}: stride`, options.stride ?? kernelSize, 1);
    this.padding = pair(`${kind}: padding`, options.padding ?? 0, 0);
    this.dilation = pair(`${kind}: dilation`, options.dilation ?? 1, 1);
    if (this.padding[0] * 2 > this.kernelSize[0] || this.padding[1] * 2 > this.kernelSize[1]) {
      throw new EngineError(`${kind}: padding ${showPair(this.padding)} must be at most half the kernel size ${showPair(this.kernelSize)}`);
    }
  }

  protected checkPoolInput(x: Tensor): void {
    this.checkInput(x);
    if (x.rank !== 4) this.badInput('[N, C, H, W]', x);
    const oh = windowOut(x.shape[2]!, this.kernelSize[0], this.stride[0], this.padding[0], this.dilation[0]);
    const ow = windowOut(x.shape[3]!, this.kernelSize[1], this.stride[1], this.padding[1], this.dilation[1]);
    if (oh < 1 || ow < 1) this.badInput('[N, C, H, W]', x, `the ${showPair(this.kernelSize)} window does not fit the padded input`);
  }

  protected override extraRepr(): string {
    return `kernelSize=${showPair(this.kernelSize)}, stride=${showPair(this.stride)}, padding=${showPair(this.padding)}`;
  }
}

export class MaxPool2d extends Pool2d {
  override get typeName(): string { return 'MaxPool2d'; }
  constructor(kernelSize: Pair, options: MaxPool2dOptions = {}) {
    checkOptions('MaxPool2d', options, ['stride', 'padding', 'dilation']);
    super('MaxPool2d', kernelSize, options);
  }

  forward(x: Tensor): Tensor {
    this.checkPoolInput(x);
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }

  /** forward(relu(x)) in one pass (reluMaxPool2d): what nn.Sequential runs for a ReLU followed by this layer. */
  forwardAfterRelu(x: Tensor): Tensor {
    this.checkPoolInput(x);
    return reluMaxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }
}

export interface AvgPool2dOptions {
  stride?: Pair;
  padding?: Pair;
  /** Divide by the full window size even where it overlaps the padding (default true, as in PyTorch). */
  countIncludePad?: boolean;
}

export class AvgPool2d extends Pool2d {
  override get typeName(): string { return 'AvgPool2d'; }
  readonly countIncludePad: boolean;
  constructor(kernelSize: Pair, options: AvgPool2dOptions = {}) {
    checkOptions('AvgPool2d', options, ['stride', 'padding', 'countIncludePad']);
    super('AvgPool2d', kernelSize, { ...(options.stride !== undefined ? { stride: options.stride } : {}), ...(options.padding !== undefined ? { padding: options.padding } : {}) });
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    this.checkPoolInput(x);
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, countIncludePad: this.countIncludePad });
  }
}

/**
 * Adaptive average pooling to a fixed output size, whatever the input's (PyTorch's bins): 1 (global average
 * pooling, the default), a number for both dims, or [OH, OW] where null keeps that input dim.
 */
export class AdaptiveAvgPool2d extends Module {
  override get typeName(): string { return 'AdaptiveAvgPool2d'; }
  readonly outputSize: AdaptiveSize;
  constructor(outputSize: AdaptiveSize = 1) {
    super();
    adaptiveOutputSize('AdaptiveAvgPool2d', outputSize, 1, 1);
    this.outputSize = typeof outputSize === 'number' ? outputSize : [outputSize[0], outputSize[1]];
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.rank !== 4) this.badInput('[N, C, H, W]', x);
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  protected override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}`;
  }
}

// ------------------------------------------------------------------ Dropout

export interface DropoutOptions {
  /**
   * This layer's own seed: its masks then form a stream of their own (each call still draws a new mask),
   * independent of everything else. Default: each call draws its mask's seed from the engine's random
   * stream, so `manualSeed` fixes the masks of every layer.
   */
  seed?: number;
}

/** Zeroes elements with probability p in train mode and scales the rest by 1/(1−p); identity in eval mode. */
export class Dropout extends Module {
  override get typeName(): string { return 'Dropout'; }
  /** Masks drawn so far by a layer with its own seed (the position in its stream; checkpoints store it). */
  calls = 0;
  readonly seed: number | null;

  constructor(readonly p = 0.5, options: DropoutOptions = {}) {
    super();
    checkOptions('Dropout', options, ['seed']);
    if (!(p >= 0 && p <= 1)) throw new EngineError(`Dropout: p must be in [0, 1], got ${p}`);
    this.seed = options.seed === undefined ? null : options.seed >>> 0;
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (!this.training || this.p === 0) return x;
    const mask = emptyTensor(x.shape);
    const seed = this.seed === null ? drawSeed() : (this.seed + Math.imul(++this.calls, 0x85ebca6b)) >>> 0;
    launch(dropoutKernel, [mask], {
      params: { n: x.size, seed, p: this.p, scale: this.p === 1 ? 0 : 1 / (1 - this.p) },
      workgroups: grid(Math.ceil(x.size / 256)),
      label: 'dropout.mask',
    });
    const y = mul(x, mask);
    mask.dispose();
    return y;
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}

// ------------------------------------------------------------------ BatchNorm2d, BatchNorm1d

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
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new EngineError(`${this.typeName}: numFeatures must be a positive integer, got ${numFeatures}`);
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

  private normalize(x: Tensor, activation: EpilogueActivation): Tensor {
    const C = this.numFeatures;
    const useBatchStats = this.training || !this.runningMean;
    const count = x.size / C;
    const w = this.weight;
    const b = this.bias;
    if (!useBatchStats) return batchNormApply(x, this.runningMean!, this.runningVar!, w, b, this.eps, false, activation);
    const { mean, variance } = batchStatistics(x);
    if (this.training && this.runningMean) this.updateRunning(mean, variance, count);
    const y = batchNormApply(x, mean, variance, w, b, this.eps, true, activation);
    mean.dispose();
    variance.dispose();
    return y;
  }

  /** One dispatch: running statistics and the batch counter, in place, outside autograd. */
  private updateRunning(mean: Tensor, variance: Tensor, count: number): void {
    noGrad(() => {
      launch(bnRunningKernel, [mean, variance, this.runningMean!, this.runningVar!, this.numBatchesTracked!], {
        params: { channels: this.numFeatures, momentum: this.momentum ?? 0, unbias: count / (count - 1) },
        constants: { CUMULATIVE: this.momentum === null ? 1 : 0 },
        workgroups: [1, 1, 1],
        label: 'batchnorm.running',
      });
    });
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

// ------------------------------------------------------------------ Sequential

/** Runs its children in order. Children are named '0', '1', ... or by the keys of a record. */
export class Sequential extends Module {
  override get typeName(): string { return 'Sequential'; }

  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && first && !(first instanceof Module) && typeof first === 'object') {
      for (const [name, m] of Object.entries(first)) this.registerModule(name, m);
    } else {
      (modules as Module[]).forEach((m, i) => {
        if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
        this.registerModule(String(i), m);
      });
    }
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th child (negative counts from the end). */
  at(i: number): Module {
    const kids = this.children();
    const m = kids[i < 0 ? kids.length + i : i];
    if (!m) throw new EngineError(`${this.label()}: index ${i} is out of range for ${kids.length} modules`);
    return m;
  }

  /** Appends a module under the next index. */
  append(module: Module): this {
    this.registerModule(String(this.length), module);
    return this;
  }

  /**
   * Runs the children in order, folding pairs into one op each (same values, gradients and NaN behaviour,
   * fewer passes): a Linear directly followed by a ReLU runs as linearAct (the ReLU in the matmul's epilogue),
   * a ReLU directly followed by a MaxPool2d as reluMaxPool2d, a Conv2d directly followed by a ReLU or ReLU6 as
   * conv2dAct (the activation in the conv's epilogue, its gradient and the bias gradient in one backward pass),
   * except Conv2d → ReLU → MaxPool2d, which keeps the ReLU in the pool (its backward masks for free there,
   * and the conv's bias gradient rides in the weight gradient), and a BatchNorm2d / BatchNorm1d followed by a
   * ReLU or ReLU6 (not then a MaxPool2d) with the activation in its normalization kernel. Every other child
   * runs its own forward.
   */
  forward(x: Tensor): Tensor {
    let y = x;
    const kids = this.children();
    for (let i = 0; i < kids.length; i++) {
      const m = kids[i]!;
      const after = kids[i + 1];
      const reluPool = m.constructor === ReLU && after instanceof MaxPool2d;
      const linearRelu = m.constructor === Linear && after?.constructor === ReLU;
      const afterType = after?.constructor;
      const actAfter = afterType === ReLU6 || (afterType === ReLU && !(kids[i + 2] instanceof MaxPool2d));
      const convAct = m.constructor === Conv2d && actAfter;
      const normAct = (m.constructor === BatchNorm2d || m.constructor === BatchNorm1d) && actAfter;
      let next: Tensor;
      try {
        if (reluPool) next = (after as MaxPool2d).forwardAfterRelu(y);
        else if (linearRelu) next = (m as Linear).forwardWithRelu(y);
        else if (convAct) next = (m as Conv2d).forwardWithActivation(y, afterType === ReLU6 ? 'relu6' : 'relu');
        else if (normAct) next = (m as BatchNorm).forwardWithActivation(y, afterType === ReLU6 ? 'relu6' : 'relu');
        else next = m.forward(y) as Tensor;
      } catch (e) {
        if (y !== x) y.dispose(); // the previous child's output: nobody else holds it
        throw e;
      }
      if (reluPool || linearRelu || convAct || normAct) i++;
      if (y !== x && next !== y) y.dispose();
      y = next;
    }
    return y;
  }
}
