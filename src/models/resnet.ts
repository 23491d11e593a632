// torchvision 0.14's ResNet-18 and ResNet-34 (BasicBlock), module for module: the same child names in the
// same order, so the state dict has torchvision's keys, order and shapes (conv1, bn1, layer1.0.conv1, ...,
// layer2.0.downsample.0, fc) and a checkpoint exported with tools/export_torchvision.py loads strictly.
//
//   stem     conv1 7×7/2 (3→64, no bias) · bn1 · relu · maxpool 3×3/2 p1
//   layerK   BasicBlocks: conv3×3(stride) · bn · relu · conv3×3 · bn, + identity or downsample
//            (conv1×1/stride + bn when the stride or the width changes), then relu
//   head     avgpool (global) · flatten · fc 512→numClasses
//
// Initialization follows torchvision (kaiming-normal fan_out for convs, BN weight 1 / bias 0, fc PyTorch's
// default), although a pretrained checkpoint usually replaces all of it. zero_init_residual is not offered.

import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, Module, ReLU, Sequential } from '../nn/index.ts';
import { EngineError, Tensor, addRelu, noGrad, randn } from '../engine/internal.ts';
import { ZooModel, checkOptions, seq, type Step, type WeightsSource, type ZooOptions } from './chain.ts';

/** conv3x3 / conv1x1 of torchvision: no bias. */
function conv(inC: number, outC: number, k: 1 | 3 | 7, stride: number): Conv2d {
  return new Conv2d(inC, outC, k, { stride, padding: (k - 1) / 2, bias: false });
}

/** torchvision's BasicBlock: two 3×3 convs with BatchNorm, a residual connection and a final ReLU. */
export class BasicBlock extends Module {
  override get typeName(): string { return 'BasicBlock'; }
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inC: number, outC: number, stride: number) {
    super();
    this.conv1 = this.registerModule('conv1', conv(inC, outC, 3, stride));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(outC));
    this.relu = this.registerModule('relu', new ReLU());
    this.conv2 = this.registerModule('conv2', conv(outC, outC, 3, 1));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(outC));
    this.downsample = stride !== 1 || inC !== outC ? this.registerModule('downsample', seq(conv(inC, outC, 1, stride), new BatchNorm2d(outC))) : null;
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const a = this.conv1.forward(x);
    const c = this.bn1.forwardWithActivation(a, 'relu'); // bn1 → relu in one kernel (and one backward)
    a.dispose();
    const d = this.conv2.forward(c);
    c.dispose();
    const e = this.bn2.forward(d);
    d.dispose();
    const identity = this.downsample ? this.downsample.forward(x) : x;
    const y = addRelu(e, identity); // the sum and the block's relu in one kernel (and one backward)
    e.dispose();
    if (identity !== x) identity.dispose();
    return y;
  }
}

export interface ResNetOptions extends ZooOptions {
  /** Blocks per stage: [2, 2, 2, 2] is ResNet-18, [3, 4, 6, 3] ResNet-34. */
  layers: readonly [number, number, number, number];
  /** The torchvision name, for messages ('resnet18'). */
  arch: string;
}

const STEM = ['conv1', 'bn1', 'relu', 'maxpool'] as const;
const STAGES = ['layer1', 'layer2', 'layer3', 'layer4'] as const;
const TRUNK = [...STEM, ...STAGES, 'avgpool'] as const;

/** torchvision's ResNet with BasicBlocks. Build it with models.resnet18() / models.resnet34(). */
export class ResNet extends ZooModel {
  override get typeName(): string { return 'ResNet'; }
  readonly arch: string;
  readonly numClasses: number;
  private readonly layers: readonly [number, number, number, number];

  constructor(options: ResNetOptions, empty = false) {
    super();
    this.arch = options.arch;
    this.layers = options.layers;
    this.numClasses = options.numClasses ?? 1000;
    if (!Number.isInteger(this.numClasses) || this.numClasses < 1) {
      throw new EngineError(`${this.arch}: numClasses must be a positive integer, got ${this.numClasses}`);
    }
    if (empty) return;
    this.registerModule('conv1', conv(3, 64, 7, 2));
    this.registerModule('bn1', new BatchNorm2d(64));
    this.registerModule('relu', new ReLU());
    this.registerModule('maxpool', new MaxPool2d(3, { stride: 2, padding: 1 }));
    let inC = 64;
    STAGES.forEach((name, i) => {
      const outC = 64 << i;
      const blocks: Module[] = [];
      for (let b = 0; b < options.layers[i]!; b++) {
        blocks.push(new BasicBlock(inC, outC, b === 0 && i > 0 ? 2 : 1));
        inC = outC;
      }
      this.registerModule(name, new Sequential(...blocks));
    });
    this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule('fc', new Linear(512, this.numClasses));
    initTorchvision(this);
  }

  protected steps(): Step[] {
    const kids = new Map(this.namedChildren());
    return TRUNK.filter((n) => kids.has(n)).map((n) => ({ path: n, module: kids.get(n)! }));
  }

  protected headPath(): string | null {
    return this.namedChildren().some(([n]) => n === 'fc') ? 'fc' : null;
  }

  protected allLayerGroups(): string[][] {
    return [['conv1', 'bn1'], ['layer1'], ['layer2'], ['layer3'], ['layer4'], ['fc']];
  }

  protected emptyLike(): ZooModel {
    return new ResNet({ arch: this.arch, layers: this.layers, numClasses: this.numClasses }, true);
  }

  protected adoptStep(step: Step): void {
    this.registerModule(step.path, step.module);
  }

  protected override extraRepr(): string {
    return `${this.arch}, numClasses=${this.numClasses}`;
  }
}

/** torchvision's init: kaiming_normal_(mode='fan_out', relu) for convs; BatchNorm 1 / 0 (already so). */
function initTorchvision(model: Module): void {
  noGrad(() => {
    for (const [, m] of model.namedModules()) {
      if (!(m instanceof Conv2d)) continue;
      const [O, , kH, kW] = m.weight.shape as [number, number, number, number];
      const std = Math.sqrt(2 / (O * kH * kW));
      const t = randn(m.weight.shape, { std });
      m.loadStateDict(new Map([['weight', t]]), { strict: false });
      t.dispose();
    }
  });
}

/** Options of models.resnet18 / resnet34 / mobilenetV2 with weights: the model loads them strictly. */
export interface WithWeights {
  weights: WeightsSource;
}

/** torchvision's resnet18: BasicBlocks [2, 2, 2, 2], 11.7 M parameters with 1000 classes. */
export function resnet18(options?: ZooOptions): ResNet;
export function resnet18(options: ZooOptions & WithWeights): Promise<ResNet>;
export function resnet18(options: ZooOptions & Partial<WithWeights> = {}): ResNet | Promise<ResNet> {
  checkOptions('resnet18', options, ['numClasses', 'weights']);
  return build(new ResNet({ arch: 'resnet18', layers: [2, 2, 2, 2], ...numClassesOf(options) }), options.weights);
}

/** torchvision's resnet34: BasicBlocks [3, 4, 6, 3], 21.8 M parameters with 1000 classes. */
export function resnet34(options?: ZooOptions): ResNet;
export function resnet34(options: ZooOptions & WithWeights): Promise<ResNet>;
export function resnet34(options: ZooOptions & Partial<WithWeights> = {}): ResNet | Promise<ResNet> {
  checkOptions('resnet34', options, ['numClasses', 'weights']);
  return build(new ResNet({ arch: 'resnet34', layers: [3, 4, 6, 3], ...numClassesOf(options) }), options.weights);
}

export function numClassesOf(options: ZooOptions): ZooOptions {
  return options.numClasses === undefined ? {} : { numClasses: options.numClasses };
}

/** Returns the model, or a promise of it with the weights loaded (disposing it if they do not fit). */
export function build<M extends ZooModel>(model: M, weights: WeightsSource | undefined): M | Promise<M> {
  if (weights === undefined) return model;
  return model.loadWeights(weights).catch((e: unknown) => {
    model.dispose();
    throw e;
  });
}
