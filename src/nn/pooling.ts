// The pooling layers: MaxPool2d, AvgPool2d and AdaptiveAvgPool2d over NCHW input, with PyTorch's options
// (stride defaults to the kernel size). Options and input shapes are checked with the engine's conv geometry
// (engine/ops/conv-geometry.ts), the same checks the ops run. In an nn.Sequential a ReLU before a MaxPool2d
// runs inside the pool (reluMaxPool2d).

import {
  adaptiveAvgPool2d, adaptiveOutputSize, avgPool2d, checkOptions, checkPoolPadding, intPair, maxPool2d, reluMaxPool2d, windowOutputSize2d,
  type AdaptiveSize, type IntPair, type Tensor,
} from '../engine/internal.ts';
import { FUSION, type Fusion } from './fusion.ts';
import { showPair } from './layer-init.ts';
import { Module } from './module.ts';

export interface MaxPool2dOptions {
  stride?: IntPair;
  padding?: IntPair;
  dilation?: IntPair;
}

abstract class Pool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];

  constructor(kind: string, kernelSize: IntPair, options: { stride?: IntPair; padding?: IntPair; dilation?: IntPair }) {
    super();
    // kernelSize is required: its fallback [0, 0] fails the check.
    this.kernelSize = intPair(kind, 'kernelSize', kernelSize, [0, 0], 1);
    this.stride = intPair(kind, 'stride', options.stride, this.kernelSize, 1);
    this.padding = intPair(kind, 'padding', options.padding, [0, 0], 0);
    this.dilation = intPair(kind, 'dilation', options.dilation, [1, 1], 1);
    checkPoolPadding(kind, this.kernelSize, this.padding);
  }

  protected checkPoolInput(x: Tensor): void {
    this.checkInput(x);
    if (x.rank !== 4) this.badInput('[N, C, H, W]', x);
    const window = { kernel: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation };
    const [oh, ow] = windowOutputSize2d(x.shape[2]!, x.shape[3]!, window);
    if (oh < 1 || ow < 1) this.badInput('[N, C, H, W]', x, `the ${showPair(this.kernelSize)} window does not fit the padded input`);
  }

  protected override extraRepr(): string {
    return `kernelSize=${showPair(this.kernelSize)}, stride=${showPair(this.stride)}, padding=${showPair(this.padding)}`;
  }
}

export class MaxPool2d extends Pool2d {
  override get typeName(): string { return 'MaxPool2d'; }
  constructor(kernelSize: IntPair, options: MaxPool2dOptions = {}) {
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

  [FUSION](): Fusion {
    return { prologue: { activations: ['relu'], run: (x) => this.forwardAfterRelu(x) } };
  }
}

export interface AvgPool2dOptions {
  stride?: IntPair;
  padding?: IntPair;
  /** Divide by the full window size even where it overlaps the padding (default true, as in PyTorch). */
  countIncludePad?: boolean;
}

export class AvgPool2d extends Pool2d {
  override get typeName(): string { return 'AvgPool2d'; }
  readonly countIncludePad: boolean;
  constructor(kernelSize: IntPair, options: AvgPool2dOptions = {}) {
    checkOptions('AvgPool2d', options, ['stride', 'padding', 'countIncludePad']);
    const { stride, padding } = options;
    super('AvgPool2d', kernelSize, { ...(stride !== undefined ? { stride } : {}), ...(padding !== undefined ? { padding } : {}) });
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
