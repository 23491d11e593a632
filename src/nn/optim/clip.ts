// Clipping by the global gradient norm outside an optimizer (torch.nn.utils.clip_grad_norm_), composed of
// engine ops. An optimizer's own `maxGradNorm` fuses the same clip into its step instead
// (engine/ops/optim-step.ts's flatGradNorm).

import { EngineError, copyInto, emptyTensor, fillInPlace, maximum, noGrad, sqrt, stack, tidy, type Tensor } from '../../engine/internal.ts';
import { toList, type ParamsInput } from './params.ts';

/** A new 0-d zero: the norm of no gradients. */
export function emptyNorm(): Tensor {
  const t = emptyTensor([]);
  fillInPlace(t, 0);
  return t;
}

/**
 * torch.nn.utils.clip_grad_norm_: scales the gradients of `params` in place so that their global 2-norm is at
 * most `maxNorm` (coef = min(1, maxNorm / (norm + 1e-6))) and returns the norm before clipping as a 0-d
 * tensor. All on the GPU, no readback. For an optimizer's own parameters prefer its `maxGradNorm` option,
 * which fuses this into the step.
 */
export function clipGradNorm(params: ParamsInput, maxNorm: number): Tensor {
  if (!(maxNorm > 0)) throw new EngineError(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  const grads = toList('clipGradNorm', params).map((p) => p.grad).filter((g): g is Tensor => g !== null && !g.isDisposed);
  return noGrad(() => {
    if (grads.length === 0) return emptyNorm();
    const total = tidy(() => sqrt(stack(grads.map((g) => g.mul(g).sum())).sum()));
    tidy(() => {
      // coef = min(1, maxNorm / (total + 1e-6)) = 1 / max(1, (total + 1e-6) / maxNorm)
      const coef = maximum(total.add(1e-6).div(maxNorm), 1).pow(-1);
      for (const g of grads) {
        const scaled = g.mul(coef);
        copyInto(g, scaled);
      }
    });
    return total;
  });
}
