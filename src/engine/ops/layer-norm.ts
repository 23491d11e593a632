// layerNorm: normalization over the trailing dims of each sample (torch.nn.functional.layer_norm; nn.LayerNorm
// composes it), with the fused kernels of nn_layernorm.wgsl: forward, the registered pass layerNorm.forward
// (layer-norm-forward.ts: one launch, or on the GPU rules for few long rows row ranges across workgroups), and
// for the backward one for the input gradient and one for the weight and bias gradients (column sums with a
// fixed order: deterministic).
//   y = (x − μ)/sqrt(σ² + eps)·w + b,  μ and σ² (biased) over the last D = prod(normalizedShape) elements.

import { grid } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { VIEW_ALIGN_BYTES } from '../runtime/storage.ts';
import { Tensor, checkFloat, checkOperand } from '../tensor.ts';
import { layerNormForwardVersions, layerNormKernel } from './layer-norm-forward.ts';

/**
 * LayerNorm of x over its last normalizedShape.length dims, which must equal normalizedShape. weight and bias
 * (shape normalizedShape) are optional; without them the layer is the bare normalization.
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const op = 'layerNorm';
  checkOperand(op, x);
  checkFloat(op, x);
  if (weight) checkOperand(op, weight, 'weight');
  if (bias) checkOperand(op, bias, 'bias');
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.rank - k);
  if (k === 0 || x.rank < k || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new ShapeError(`${op}: input ${fmtShape(x.shape)} must end with the normalized shape ${fmtShape(normalizedShape)}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && (t.rank !== k || t.shape.some((d, i) => d !== normalizedShape[i]))) {
      throw new ShapeError(`${op}: ${name} ${fmtShape(t.shape)} must have the normalized shape ${fmtShape(normalizedShape)}`);
    }
  }
  if ((weight === null) !== (bias === null)) throw new ShapeError(`${op}: give both weight and bias, or neither`);
  const D = normalizedShape.reduce((a, b) => a * b, 1);
  const R = D === 0 ? 0 : x.size / D;
  const out = emptyTensor(x.shape, 'float32', op);
  const stats = emptyTensor([Math.max(R, 1), 2], 'float32', op);
  const affine = weight !== null;
  // PASS 2 writes Σg·x̂ at [0, D) and Σg at [sumsRow, sumsRow + D): both rows start on a view boundary.
  const sumsRow = Math.ceil(D / (VIEW_ALIGN_BYTES / 4)) * (VIEW_ALIGN_BYTES / 4);
  const params = { rows: R, d: D, eps, sumsRow };
  if (R > 0 && D > 0) layerNormForwardVersions.run({ x, w: weight, b: bias, eps, sumsRow, stats, out, R, D });
  const saved = affine ? [x, stats, weight!] : [x, stats];
  const result = attach(op, [x, weight, bias], out, saved, (g, [x0, s0, w0], needs) => {
    let dx: Tensor | null = null;
    if (needs[0]) {
      dx = emptyTensor(x0!.shape);
      if (R > 0 && D > 0) {
        launch(layerNormKernel, [x0!, g, w0 ?? x0!, x0!, s0!, dx], {
          params,
          constants: { PASS: 1, AFFINE: affine ? 1 : 0 },
          workgroups: grid(R),
          label: 'layerNorm.backward_input',
        });
      }
    }
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[1] || needs[2]) {
      const sums = emptyTensor([Math.max(sumsRow + D, 1)]);
      launch(layerNormKernel, [x0!, g, w0 ?? x0!, x0!, s0!, sums], {
        params,
        constants: { PASS: 2, AFFINE: affine ? 1 : 0 },
        workgroups: grid(D),
        label: 'layerNorm.backward_params',
      });
      const row = (at: number): Tensor => new Tensor(sums.storage.view(at * 4, Math.max(D, 1) * 4), normalizedShape, 'float32');
      dw = needs[1] ? row(0) : null;
      db = needs[2] ? row(sumsRow) : null;
      sums.dispose();
    }
    return [dx, dw, db];
  });
  stats.dispose();
  return result;
}
