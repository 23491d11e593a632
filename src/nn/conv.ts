// nn.Conv2d: 2-D convolution over NCHW input with PyTorch's parameter names (weight OIHW, bias), options
// (stride, padding, dilation, groups) and default initialization. Options and input shapes are checked with the
// engine's conv geometry (engine/ops/conv-geometry.ts), so the layer and the op agree on every size. In an
// nn.Sequential a ReLU or ReLU6 after it runs in the conv kernel's epilogue (conv2dAct).

import {
  EngineError, checkOptions, conv2d, conv2dAct, intPair, windowOutputSize2d, type EpilogueActivation, type IntPair, type Tensor,
} from '../engine/internal.ts';
import { FUSION, type Fusion } from './fusion.ts';
import { showPair, uniformParameter } from './layer-init.ts';
import { Module } from './module.ts';
import type { Parameter } from './parameter.ts';

export interface Conv2dOptions {
  stride?: IntPair;
  padding?: IntPair;
  dilation?: IntPair;
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

  constructor(inChannels: number, outChannels: number, kernelSize: IntPair, options: Conv2dOptions = {}) {
    super();
    checkOptions('Conv2d', options, ['stride', 'padding', 'dilation', 'groups', 'bias']);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    // kernelSize is required: its fallback [0, 0] fails the check.
    this.kernelSize = intPair('Conv2d', 'kernelSize', kernelSize, [0, 0], 1);
    this.stride = intPair('Conv2d', 'stride', options.stride, [1, 1], 1);
    this.padding = intPair('Conv2d', 'padding', options.padding, [0, 0], 0);
    this.dilation = intPair('Conv2d', 'dilation', options.dilation, [1, 1], 1);
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
    const window = { kernel: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation };
    const [outH, outW] = windowOutputSize2d(x.shape[2]!, x.shape[3]!, window);
    if (outH < 1 || outW < 1) this.badInput(`[N, ${this.inChannels}, H, W]`, x, `the ${showPair(this.kernelSize)} kernel does not fit the padded input`);
    const options = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
    return activation === 'none' ? conv2d(x, this.weight, this.bias, options) : conv2dAct(x, this.weight, this.bias, activation, options);
  }

  [FUSION](): Fusion {
    return { epilogue: { activations: ['relu', 'relu6'], run: (x, act) => this.forwardWithActivation(x, act) } };
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${showPair(this.kernelSize)}, stride=${showPair(this.stride)}, ` +
      `padding=${showPair(this.padding)}` + (this.groups !== 1 ? `, groups=${this.groups}` : '') + (this.bias ? '' : ', bias=false');
  }
}
