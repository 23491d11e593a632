// nn.LayerNorm: layer normalization over the trailing dims of each sample (torch.nn.LayerNorm), a module over the
// engine's layerNorm op (engine/ops/layer-norm.ts), with a learned weight and bias of the normalized shape.

import { EngineError, fmtShape, checkOptions, layerNorm, ones, zeros, type Tensor } from '../engine/internal.ts';
import { Module } from './module.ts';
import { Parameter } from './parameter.ts';

export interface LayerNormOptions {
  eps?: number;
  /** Learn a weight (ones) and bias (zeros) of the normalized shape (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Layer normalization over the trailing dims (torch.nn.LayerNorm): `new nn.LayerNorm(64)` normalizes the
 * last dim of [..., 64], `new nn.LayerNorm([8, 8])` the last two of [..., 8, 8]. weight and bias have the
 * normalized shape; no running statistics, so train and eval modes compute the same thing.
 */
export class LayerNorm extends Module {
  override get typeName(): string { return 'LayerNorm'; }
  readonly normalizedShape: readonly number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptions('LayerNorm', options, ['eps', 'elementwiseAffine']);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new EngineError(`LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
    }
    this.normalizedShape = Object.freeze(shape);
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    const weight = ones(shape);
    const bias = zeros(shape);
    this.registerParameter('weight', affine ? new Parameter(weight) : null);
    this.registerParameter('bias', affine ? new Parameter(bias) : null);
    weight.dispose();
    bias.dispose();
  }

  get weight(): Parameter | null { return this.param('weight'); }
  get bias(): Parameter | null { return this.param('bias'); }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const k = this.normalizedShape.length;
    if (x.rank < k || x.shape.slice(x.rank - k).some((d, i) => d !== this.normalizedShape[i])) {
      this.badInput(`[..., ${this.normalizedShape.join(', ')}]`, x);
    }
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  protected override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}
