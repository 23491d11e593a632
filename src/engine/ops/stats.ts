// Spread over dims: variance and std (torch.var / torch.std), with PyTorch's correction (Bessel's by
// default: divide by N − 1), dims and keepdim. Two passes (the mean first, then the squared deviations), so
// large offsets cost no precision. One backward rule: d var / dx = 2 (x − mean) / (N − correction) · g.
// `var` is a reserved word in JavaScript, so the function is `variance`; the Tensor method is `x.var()`.

import { attach, noGrad } from '../autograd.ts';
import { EngineError } from '../errors.ts';
import { checkOptions } from '../options.ts';
import { normalizeDims, sizeOf } from '../shape.ts';
import { Tensor, checkFloat, checkOperand } from '../tensor.ts';
import { div, mul, sqrt, sub } from './elementwise.ts';
import { mean, sum } from './reduce.ts';
import { reshape } from './shape-ops.ts';

export interface VarianceOptions {
  /** Subtracted from the element count in the divisor: 1 (default, unbiased) or 0 (the population variance). */
  correction?: number;
  /** Keep the reduced dims with size 1. */
  keepdim?: boolean;
}

function spread(op: 'variance' | 'std', x: Tensor, dim: number | readonly number[] | undefined, options: VarianceOptions): Tensor {
  checkOperand(op, x);
  checkFloat(op, x);
  checkOptions(op, options, ['correction', 'keepdim']);
  const correction = options.correction ?? 1;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new EngineError(`${op}: correction must be a number ≥ 0, got ${String(correction)}`);
  }
  const keepdim = options.keepdim ?? false;
  const dims = normalizeDims(op, dim, x.rank);
  const count = sizeOf(dims.map((d) => x.shape[d]!));
  const divisor = Math.max(0, count - correction);
  const keptShape = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const { deviation, out } = noGrad(() => {
    const m = mean(x, dims, true);
    const dev = sub(x, m);
    m.dispose();
    const sq = mul(dev, dev);
    const total = sum(sq, dims, keepdim);
    sq.dispose();
    const v = div(total, divisor);
    total.dispose();
    if (op === 'variance') return { deviation: dev, out: v };
    const s = sqrt(v);
    v.dispose();
    return { deviation: dev, out: s };
  });
  const saved = op === 'std' ? [deviation, out] : [deviation];
  attach(op, [x], out, saved, (g, [dev, s]) => {
    // g for the variance: g itself, or g / (2·std) through the square root.
    let gv = g;
    if (s) {
      const twice = mul(s, 2);
      gv = div(g, twice);
      twice.dispose();
    }
    const gk = reshape(gv, keptShape);
    const scaled = mul(gk, 2 / divisor);
    const dx = mul(dev!, scaled);
    for (const t of [gk, scaled]) t.dispose();
    if (gv !== g) gv.dispose();
    return [dx];
  });
  deviation.dispose();
  return out;
}

/**
 * Variance over `dim` (all dims when omitted): Σ(x − mean)² / (N − correction), correction 1 by default
 * (torch.var; `{ correction: 0 }` for the population variance). N − correction ≤ 0 gives NaN or inf, as in
 * PyTorch.
 */
export const variance = (x: Tensor, dim?: number | readonly number[], options: VarianceOptions = {}): Tensor => spread('variance', x, dim, options);

/** Standard deviation: the square root of `variance` with the same options (torch.std). */
export const std = (x: Tensor, dim?: number | readonly number[], options: VarianceOptions = {}): Tensor => spread('std', x, dim, options);
