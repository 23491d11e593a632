// Loss functions with PyTorch's semantics (torch.nn.functional names in camelCase), composed from engine ops
// so autograd differentiates them. Each takes `reduction: 'mean' | 'sum' | 'none'` (default 'mean').
//
//   crossEntropy(logits [N, C] or [N, C, d1, ...], targets int32 [N] or [N, d1, ...], { labelSmoothing })
//       = −Σ_c q_c · log softmax(x)_c with q = (1 − ε)·onehot + ε/C, averaged over all N·d1·… positions.
//       Targets must lie in [0, C) or be ignoreIndex (-100): the kernel checks them on the GPU and the next
//       readback throws an IndexError (src/engine/index-checks.ts). Class weights are not supported.
//   bceWithLogits(x, t, { posWeight, weight }) = −[pw·t·log σ(x) + (1 − t)·log σ(−x)], with both log-sigmoids
//       from one log-softmax over the pair (0, x): stable for large |x| and smooth at x = 0.
//   mseLoss = (x − t)²,  l1Loss = |x − t|,
//   huberLoss(delta) = ½d² where d = |x − t| < delta, else delta·(d − ½delta); computed as ½q² + delta·r with
//       r = relu(d − delta) and q = d − r, which is the same function with the same gradient.

import { DTypeError, DisposedError, ShapeError, fmtShape } from '../engine/errors.ts';
import { Tensor, abs, checkOptions, concat, logSoftmax, mulOrZero, oneHot, permute, relu, reshape, slice, sub, tidy, unsqueeze, zeros } from '../engine/index.ts';

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(op: string, loss: Tensor, reduction: Reduction | undefined): Tensor {
  switch (reduction ?? 'mean') {
    case 'mean': return loss.mean();
    case 'sum': return loss.sum();
    case 'none': return loss;
    default: throw new TypeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  }
}

function checkTensor(op: string, t: unknown, what: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.isDisposed) throw new DisposedError(`${op}: ${what} was disposed`);
}

function checkPair(op: string, input: unknown, target: unknown): asserts input is Tensor {
  checkTensor(op, input, 'input');
  checkTensor(op, target, 'target');
  if (input.dtype !== 'float32' || target.dtype !== 'float32') {
    throw new DTypeError(`${op}: input and target must be float32, got ${input.describe()} and ${target.describe()}`);
  }
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(`${op}: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
  }
}

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** ε in [0, 1]: the target distribution becomes (1 − ε)·onehot + ε/C. */
  labelSmoothing?: number;
  /** A target value the device-side range check exempts (PyTorch's ignore_index, default -100). */
  ignoreIndex?: number;
}

/** Softmax cross-entropy with integer class targets (torch.nn.functional.cross_entropy). */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkOptions('crossEntropy', options, ['reduction', 'labelSmoothing', 'ignoreIndex']);
  const op = 'crossEntropy';
  checkTensor(op, input, 'input');
  checkTensor(op, target, 'target');
  if (input.dtype !== 'float32') throw new DTypeError(`${op}: logits must be float32, got ${input.describe()}`);
  if (target.dtype !== 'int32') throw new DTypeError(`${op}: targets must be int32 class indices, got ${target.describe()}`);
  if (input.rank < 2) throw new ShapeError(`${op}: logits must be [N, C] or [N, C, d1, ...], got ${fmtShape(input.shape)}`);
  const C = input.shape[1]!;
  const want = [input.shape[0]!, ...input.shape.slice(2)];
  if (target.rank !== want.length || target.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${op}: logits ${fmtShape(input.shape)} need targets ${fmtShape(want)}, got ${fmtShape(target.shape)}`);
  }
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new ShapeError(`${op}: labelSmoothing must be in [0, 1], got ${eps}`);
  return tidy(() => {
    // Classes last: [N, C, d...] → [N, d..., C] → [M, C].
    const x = input.rank === 2 ? input : permute(input, [0, ...input.shape.slice(2).map((_, i) => i + 2), 1]);
    const rows = input.size / C;
    const logp = logSoftmax(reshape(x, [rows, C]), -1);
    const q = oneHot(reshape(target, [rows]), C, 1 - eps + eps / C, eps / C, { op, ignoreIndex: options.ignoreIndex ?? -100 });
    const perRow = mulOrZero(q, logp).sum(-1).neg(); // 0 · (-inf) = 0: a -inf logit of another class stays finite
    return reduce(op, reduction(options) === 'none' ? reshape(perRow, target.shape) : perRow, options.reduction);
  });
}

function reduction(o: { reduction?: Reduction }): Reduction {
  return o.reduction ?? 'mean';
}

export interface BceWithLogitsOptions {
  reduction?: Reduction;
  /** Weight of the positive term, broadcast over the input (usually one value per class). */
  posWeight?: Tensor;
  /** Weight of each element's loss, broadcast over the input. */
  weight?: Tensor;
}

/** Binary cross-entropy on logits (torch.nn.functional.binary_cross_entropy_with_logits). */
export function bceWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  checkOptions('bceWithLogits', options, ['reduction', 'posWeight', 'weight']);
  const op = 'bceWithLogits';
  checkPair(op, input, target);
  if (options.posWeight) checkTensor(op, options.posWeight, 'posWeight');
  if (options.weight) checkTensor(op, options.weight, 'weight');
  return tidy(() => {
    // log-softmax over (0, x) along a new last dim gives (log σ(−x), log σ(x)).
    const pairs = concat([unsqueeze(zeros(input.shape), -1), unsqueeze(input, -1)], -1);
    const ls = logSoftmax(pairs, -1);
    const logNeg = reshape(slice(ls, -1, 0, 1), input.shape);
    const logPos = reshape(slice(ls, -1, 1, 2), input.shape);
    const pos = options.posWeight ? target.mul(options.posWeight).mul(logPos) : target.mul(logPos);
    const neg = target.neg().add(1).mul(logNeg);
    let loss = pos.add(neg).neg();
    if (options.weight) loss = loss.mul(options.weight);
    return reduce(op, loss, options.reduction);
  });
}

export interface RegressionLossOptions {
  reduction?: Reduction;
}

/** Mean squared error (torch.nn.functional.mse_loss). */
export function mseLoss(input: Tensor, target: Tensor, options: RegressionLossOptions = {}): Tensor {
  checkOptions('mseLoss', options, ['reduction']);
  checkPair('mseLoss', input, target);
  return tidy(() => {
    const d = sub(input, target);
    return reduce('mseLoss', d.mul(d), options.reduction);
  });
}

/** Mean absolute error (torch.nn.functional.l1_loss). */
export function l1Loss(input: Tensor, target: Tensor, options: RegressionLossOptions = {}): Tensor {
  checkOptions('l1Loss', options, ['reduction']);
  checkPair('l1Loss', input, target);
  return tidy(() => reduce('l1Loss', abs(sub(input, target)), options.reduction));
}

export interface HuberLossOptions extends RegressionLossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/** Huber loss (torch.nn.functional.huber_loss). */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  checkOptions('huberLoss', options, ['reduction', 'delta']);
  checkPair('huberLoss', input, target);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new ShapeError(`huberLoss: delta must be positive, got ${delta}`);
  return tidy(() => {
    const d = abs(sub(input, target));
    const r = relu(d.sub(delta));
    const q = d.sub(r);
    return reduce('huberLoss', q.mul(q).mul(0.5).add(r.mul(delta)), options.reduction);
  });
}
