// nn.Linear: y = x·Wᵀ + b over the last dim, with PyTorch's parameter names, shapes and default initialization
// (kaiming-uniform bounds). In an nn.Sequential a ReLU after it runs in the matmul's epilogue (linearAct).

import { EngineError, checkOptions, linear, linearAct, type Tensor } from '../engine/internal.ts';
import { FUSION, type Fusion } from './fusion.ts';
import { uniformParameter } from './layer-init.ts';
import { Module } from './module.ts';
import type { Parameter } from './parameter.ts';

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
    this.checkFeatures(x);
    return linear(x, this.weight, this.bias);
  }

  /** relu(forward(x)) with the ReLU in the matmul's epilogue (linearAct): what nn.Sequential runs for Linear → ReLU. */
  forwardWithRelu(x: Tensor): Tensor {
    this.checkFeatures(x);
    return linearAct(x, this.weight, this.bias, 'relu');
  }

  [FUSION](): Fusion {
    return { epilogue: { activations: ['relu'], run: (x) => this.forwardWithRelu(x) } };
  }

  private checkFeatures(x: Tensor): void {
    this.checkInput(x);
    if (x.rank === 0 || x.shape[x.rank - 1] !== this.inFeatures) this.badInput(`[..., ${this.inFeatures}]`, x);
  }

  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
