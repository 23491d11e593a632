// torchvision 0.14's MobileNetV2, module for module: `features` (a Sequential of 19 blocks) and
// `classifier` (Dropout(0.2) · Linear(lastChannel, numClasses)), so the state dict has torchvision's keys,
// order and shapes (features.0.0.weight, features.1.conv.0.0.weight, ..., classifier.1.weight).
//
//   features.0       Conv2dNormActivation: conv 3×3/2 (3→32·w, no bias) · BatchNorm · ReLU6
//   features.1–17    InvertedResidual (t, c, n, s) rows of torchvision's table: [expand 1×1 · BN · ReLU6 when
//                    t ≠ 1] · depthwise 3×3/s · BN · ReLU6 · project 1×1 · BN, + x when s = 1 and in = out
//   features.18      Conv2dNormActivation 1×1 → lastChannel = 1280·max(1, w)
//   avgpool          global average pooling (an addition: torchvision calls adaptive_avg_pool2d in forward;
//                    a stateless module, so the state dict is unchanged, and it gives the pooled features a cut point)
//   classifier       flatten · Dropout(0.2) · Linear
//
// Channels are torchvision's _make_divisible(c·widthMult, 8) (widths.ts). The depthwise 3×3 convs run the
// dedicated kernels of src/engine/ops/depthwise.ts.

import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, Module, ReLU6, Sequential } from '../nn/index.ts';
import { EngineError, Tensor, add, noGrad, randn, zeros } from '../engine/internal.ts';
import { ZooModel, checkOptions, seq, type Step, type ZooOptions } from './chain.ts';
import { build, numClassesOf, type WithWeights } from './resnet.ts';
import { INVERTED_RESIDUAL_SETTING, makeDivisible } from './widths.ts';

/** torchvision's Conv2dNormActivation with BatchNorm and ReLU6: conv (no bias) · BN · ReLU6, as a Sequential. */
function convBnRelu6(inC: number, outC: number, k: 1 | 3, stride: number, groups = 1): Sequential {
  return seq(new Conv2d(inC, outC, k, { stride, padding: (k - 1) / 2, groups, bias: false }), new BatchNorm2d(outC), new ReLU6());
}

/** torchvision's InvertedResidual: expand (1×1), depthwise 3×3, project (1×1, linear), residual when it fits. */
export class InvertedResidual extends Module {
  override get typeName(): string { return 'InvertedResidual'; }
  readonly useResidual: boolean;
  readonly conv: Sequential;

  constructor(inC: number, outC: number, stride: number, expandRatio: number) {
    super();
    const hidden = Math.round(inC * expandRatio);
    this.useResidual = stride === 1 && inC === outC;
    const layers: Module[] = [];
    if (expandRatio !== 1) layers.push(convBnRelu6(inC, hidden, 1, 1));
    layers.push(convBnRelu6(hidden, hidden, 3, stride, hidden), new Conv2d(hidden, outC, 1, { bias: false }), new BatchNorm2d(outC));
    this.conv = this.registerModule('conv', new Sequential(...layers));
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const y = this.conv.forward(x);
    if (!this.useResidual) return y;
    const out = add(x, y);
    y.dispose();
    return out;
  }

  protected override extraRepr(): string {
    return this.useResidual ? 'residual' : '';
  }
}

export interface MobileNetV2Options extends ZooOptions {
  /** Width multiplier of every layer's channels (default 1.0; torchvision's width_mult). */
  widthMult?: number;
  /** Dropout before the classifier (default 0.2, as torchvision). */
  dropout?: number;
}

/** torchvision's MobileNetV2. Build it with models.mobilenetV2(). */
export class MobileNetV2 extends ZooModel {
  override get typeName(): string { return 'MobileNetV2'; }
  readonly arch: string;
  readonly numClasses: number;
  readonly widthMult: number;
  readonly lastChannel: number;
  private readonly dropoutP: number;

  constructor(options: MobileNetV2Options = {}, empty = false) {
    super();
    this.widthMult = options.widthMult ?? 1.0;
    this.numClasses = options.numClasses ?? 1000;
    this.dropoutP = options.dropout ?? 0.2;
    if (!(this.widthMult > 0) || !Number.isFinite(this.widthMult)) {
      throw new EngineError(`mobilenetV2: widthMult must be a positive number, got ${this.widthMult}`);
    }
    if (!Number.isInteger(this.numClasses) || this.numClasses < 1) {
      throw new EngineError(`mobilenetV2: numClasses must be a positive integer, got ${this.numClasses}`);
    }
    this.arch = this.widthMult === 1 ? 'mobilenet_v2' : `mobilenet_v2 (widthMult ${this.widthMult})`;
    this.lastChannel = makeDivisible(1280 * Math.max(1.0, this.widthMult));
    if (empty) return;
    let inC = makeDivisible(32 * this.widthMult);
    const blocks: Module[] = [convBnRelu6(3, inC, 3, 2)];
    for (const [t, c, n, s] of INVERTED_RESIDUAL_SETTING) {
      const outC = makeDivisible(c * this.widthMult);
      for (let i = 0; i < n; i++) {
        blocks.push(new InvertedResidual(inC, outC, i === 0 ? s : 1, t));
        inC = outC;
      }
    }
    blocks.push(convBnRelu6(inC, this.lastChannel, 1, 1));
    this.registerModule('features', new Sequential(...blocks));
    this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule('classifier', seq(new Dropout(this.dropoutP), new Linear(this.lastChannel, this.numClasses)));
    initTorchvision(this);
  }

  protected steps(): Step[] {
    const kids = new Map(this.namedChildren());
    const out: Step[] = [];
    const features = kids.get('features') as Sequential | undefined;
    if (features) features.namedChildren().forEach(([n, m]) => out.push({ path: `features.${n}`, module: m }));
    const pool = kids.get('avgpool');
    if (pool) out.push({ path: 'avgpool', module: pool });
    return out;
  }

  protected headPath(): string | null {
    return this.namedChildren().some(([n]) => n === 'classifier') ? 'classifier' : null;
  }

  protected allLayerGroups(): string[][] {
    // The stem, one group per row of the inverted-residual table (the last row with the final 1×1 conv), the head.
    const groups: string[][] = [['features.0']];
    let i = 1;
    INVERTED_RESIDUAL_SETTING.forEach(([, , n], row) => {
      const g: string[] = [];
      for (let k = 0; k < n; k++) g.push(`features.${i++}`);
      if (row === INVERTED_RESIDUAL_SETTING.length - 1) g.push(`features.${i}`);
      groups.push(g);
    });
    groups.push(['classifier']);
    return groups;
  }

  protected emptyLike(): ZooModel {
    return new MobileNetV2({ widthMult: this.widthMult, numClasses: this.numClasses, dropout: this.dropoutP }, true);
  }

  protected adoptStep(step: Step): void {
    if (step.path === 'avgpool') {
      this.registerModule('avgpool', step.module);
      return;
    }
    const name = step.path.slice('features.'.length);
    const kids = new Map(this.namedChildren());
    const features = (kids.get('features') as Sequential | undefined) ?? this.registerModule('features', new Sequential());
    features.registerModule(name, step.module);
  }

  protected override extraRepr(): string {
    return `widthMult=${this.widthMult}, numClasses=${this.numClasses}`;
  }
}

/** torchvision's init: kaiming_normal_(fan_out) convs, BN 1 / 0, Linear N(0, 0.01) weight and zero bias. */
function initTorchvision(model: Module): void {
  noGrad(() => {
    for (const [, m] of model.namedModules()) {
      if (m instanceof Conv2d) {
        const [O, , kH, kW] = m.weight.shape as [number, number, number, number];
        const t = randn(m.weight.shape, { std: Math.sqrt(2 / (O * kH * kW)) });
        m.loadStateDict(new Map([['weight', t]]), { strict: false });
        t.dispose();
      } else if (m instanceof Linear) {
        const w = randn(m.weight.shape, { std: 0.01 });
        const b = zeros([m.outFeatures]);
        m.loadStateDict(new Map([['weight', w], ['bias', b]]));
        w.dispose();
        b.dispose();
      }
    }
  });
}

/** torchvision's mobilenet_v2: 3.5 M parameters with 1000 classes at widthMult 1. */
export function mobilenetV2(options?: MobileNetV2Options): MobileNetV2;
export function mobilenetV2(options: MobileNetV2Options & WithWeights): Promise<MobileNetV2>;
export function mobilenetV2(options: MobileNetV2Options & Partial<WithWeights> = {}): MobileNetV2 | Promise<MobileNetV2> {
  checkOptions('mobilenetV2', options, ['numClasses', 'widthMult', 'dropout', 'weights']);
  const { weights, ...rest } = options;
  return build(new MobileNetV2({ ...rest, ...numClassesOf(rest) }), weights);
}
