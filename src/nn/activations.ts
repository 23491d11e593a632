// The activation layers: ReLU, ReLU6, GELU, Sigmoid, Tanh, each its engine op over the input. ReLU and ReLU6 say
// which activation they are (their fusion hook), so an nn.Sequential can run them inside the layer beside them.

import { gelu, relu, relu6, sigmoid, tanh, type Tensor } from '../engine/internal.ts';
import { FUSION, type Fusion } from './fusion.ts';
import { Module } from './module.ts';

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
  [FUSION](): Fusion { return { activation: 'relu' }; }
}

/** min(max(x, 0), 6): torchvision's MobileNetV2 activation (PyTorch's nn.ReLU6, hardtanh from 0 to 6). */
export class ReLU6 extends Elementwise {
  override get typeName(): string { return 'ReLU6'; }
  protected op(x: Tensor): Tensor { return relu6(x); }
  [FUSION](): Fusion { return { activation: 'relu6' }; }
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
