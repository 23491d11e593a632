// Per-task metrics, computed on the GPU and returned as 0-d tensors (read with `await m.item()`). Each takes
// the same optional per-sample label mask as the losses; the mean is over labelled samples (0 if none).

import { DTypeError, ShapeError, fmtShape, Tensor, abs, argmax, eq, gt, noGrad, reshape, sub, tensor, tidy, toFloat, zeros } from '../engine/internal.ts';
import { checkMask, type LabelMask } from '../nn/losses.ts';

function masked(op: string, perSample: Tensor, mask: LabelMask | null | undefined, n: number): Tensor {
  const m = checkMask(op, mask, n, perSample.shape);
  if (!m) return perSample.mean();
  const mt = m.gpu ?? tensor(m.host!, [n]);
  const count = m.labelled ?? null;
  const total = perSample.mul(mt).sum();
  return count !== null ? total.div(Math.max(count, 1)) : total.div(mt.sum().maximum(1));
}

/** Fraction of samples whose argmax over classes equals the int32 target: logits [N, C], targets [N]. */
export function accuracy(logits: Tensor, targets: Tensor, mask?: LabelMask | null): Tensor {
  if (targets.dtype !== 'int32') throw new DTypeError(`accuracy: targets must be int32 class indices, got ${targets.describe()}`);
  if (logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new ShapeError(`accuracy: expected logits [N, C] and targets [N], got ${fmtShape(logits.shape)} and ${fmtShape(targets.shape)}`);
  }
  return noGrad(() => tidy(() => masked('accuracy', toFloat(eq(argmax(logits, 1), targets)), mask, targets.shape[0]!)));
}

/** Fraction of samples where (logit > 0) equals the 0/1 target: logits and targets [N] or [N, 1]. */
export function binaryAccuracy(logits: Tensor, targets: Tensor, mask?: LabelMask | null): Tensor {
  if (logits.size !== targets.size || logits.shape[0] !== targets.shape[0]) {
    throw new ShapeError(`binaryAccuracy: logits ${fmtShape(logits.shape)} and targets ${fmtShape(targets.shape)} must hold one value per sample`);
  }
  const n = logits.shape[0]!;
  return noGrad(() => tidy(() => {
    const pred = toFloat(gt(reshape(logits, [n]), zeros([n])));
    return masked('binaryAccuracy', abs(sub(pred, reshape(targets, [n]))).neg().add(1), mask, n);
  }));
}

/** Mean absolute error over samples (and the elements of each): predictions and targets of one shape. */
export function mae(pred: Tensor, targets: Tensor, mask?: LabelMask | null): Tensor {
  if (pred.rank !== targets.rank || pred.shape.some((d, i) => d !== targets.shape[i])) {
    throw new ShapeError(`mae: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(targets.shape)} must have the same shape`);
  }
  const n = pred.shape[0]!;
  return noGrad(() => tidy(() => {
    const per = abs(sub(pred, targets));
    const perSample = per.rank > 1 ? reshape(per, [n, per.size / n]).mean(1) : per;
    return masked('mae', perSample, mask, n);
  }));
}
