// Loss functions with PyTorch's semantics (torch.nn.functional names in camelCase), composed from engine ops
// so autograd differentiates them. Each takes `reduction: 'mean' | 'sum' | 'none'` (default 'mean').
//
//   crossEntropy(logits [N, C] or [N, C, d1, ...], targets int32 [N] or [N, d1, ...], { labelSmoothing })
//       = −Σ_c q_c · log softmax(x)_c with q = (1 − ε)·onehot + ε/C, averaged over all N·d1·… positions.
//       Targets must lie in [0, C) or equal `ignoreIndex` (default −100, PyTorch's): the kernel checks them on the
//       GPU and the next readback throws an IndexError (src/engine/runtime/index-checks.ts). Class weights are not supported.
//       [N, C] logits with reduction 'mean' or 'sum' take the fused op (src/engine/ops/cross-entropy.ts: one dispatch
//       forward, one backward); other shapes the composed one below (crossEntropyComposed), with the same values.
//   bceWithLogits(x, t, { posWeight, weight }) = −[pw·t·log σ(x) + (1 − t)·log σ(−x)], with both log-sigmoids
//       from one log-softmax over the pair (0, x): stable for large |x| and smooth at x = 0.
//   mseLoss = (x − t)²,  l1Loss = |x − t|,
//   huberLoss(delta) = ½d² where d = |x − t| < delta, else delta·(d − ½delta); computed as ½q² + delta·r with
//       r = relu(d − delta) and q = d − r, which is the same function with the same gradient.
//
// Missing labels: one mechanism for every loss. Each sample n has a weight w_n = mask_n · [target_n ≠
// ignoreIndex] (mask: option `mask`, one 0/1 entry per sample along dim 0, default all ones; the ignoreIndex
// factor only for crossEntropy, whose per-position targets are on the GPU). Then
//   'none' → w·ℓ,   'sum' → Σ w·ℓ,   'mean' → Σ w·ℓ / max(Σ w (times the elements per sample), 1),
// so the mean is over labelled samples, a masked sample contributes nothing to the loss or any gradient
// (its target may hold any finite value), and a batch with no label at all gives exactly 0, not PyTorch's NaN
// of an all-ignored mean. With a host mask the count is known on the CPU; with crossEntropy's ignoreIndex
// (or a mask tensor) it is summed on the GPU: two small reductions more than an unmasked mean, no readback.

import {
  DTypeError, DisposedError, ShapeError, fmtShape, Tensor, abs, checkOptions, concat, logSoftmax, maximum, mulOrZero, oneHot, permute, relu,
  reshape, slice, sub, tensor, tidy, unsqueeze, zeros, FUSED_CROSS_ENTROPY_MAX_ELEMENTS, fusedCrossEntropy,
} from '../engine/internal.ts';

export type Reduction = 'mean' | 'sum' | 'none';

/** Which samples have a label: one entry per sample (dim 0), 1/true = labelled, 0/false = missing. */
export type LabelMask = Tensor | ArrayLike<number | boolean>;

export interface MaskOptions {
  /** Per-sample label mask (see the header): masked samples add nothing; the mean is over labelled ones. */
  mask?: LabelMask | null;
}

function checkReduction(op: string, reduction: Reduction | undefined): Reduction {
  const r = reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new TypeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  return r;
}

/** A validated mask: the host count of labelled samples (when known) and its values (host or GPU). */
interface CheckedMask {
  host: Float32Array | null;
  gpu: Tensor | null;
  labelled: number | null;
}

/** Validates `mask` against `n` samples (before any GPU work). */
export function checkMask(op: string, mask: LabelMask | null | undefined, n: number, inputShape: readonly number[]): CheckedMask | null {
  if (mask === null || mask === undefined) return null;
  if (mask instanceof Tensor) {
    if (mask.isDisposed) throw new DTypeError(`${op}: mask was disposed`);
    if (mask.dtype !== 'float32') throw new DTypeError(`${op}: a mask tensor must be float32 0/1 values, got ${mask.describe()}`);
    if (mask.rank !== 1 || mask.shape[0] !== n) {
      throw new ShapeError(`${op}: mask ${fmtShape(mask.shape)} must have one entry per sample, [${n}], for input ${fmtShape(inputShape)}`);
    }
    return { host: null, gpu: mask, labelled: null };
  }
  if (typeof mask !== 'object' || typeof (mask as ArrayLike<unknown>).length !== 'number') {
    throw new TypeError(`${op}: mask must be a Tensor or an array of 0/1 (or booleans), got ${typeof mask}`);
  }
  if (mask.length !== n) throw new ShapeError(`${op}: mask has ${mask.length} entries, expected one per sample (${n}) for input ${fmtShape(inputShape)}`);
  const host = new Float32Array(n);
  let labelled = 0;
  for (let i = 0; i < n; i++) {
    const v = mask[i];
    const f = v === true ? 1 : v === false ? 0 : v;
    if (f !== 0 && f !== 1) throw new TypeError(`${op}: mask entries must be 0/1 or booleans, got ${String(v)} at ${i}`);
    host[i] = f;
    labelled += f;
  }
  return { host, gpu: null, labelled };
}

/** The mask as a tensor of shape [n, 1, ..., 1] (rank `rank`), to broadcast over a sample's elements. */
function maskTensor(m: CheckedMask, rank: number): Tensor {
  const t = m.gpu ?? tensor(m.host!, [m.host!.length]);
  return rank <= 1 ? t : reshape(t, [t.shape[0]!, ...new Array<number>(rank - 1).fill(1)]);
}

/**
 * Reduces per-element losses with the sample weights (see the header). `count` is Σ w over the elements
 * when it is only known on the GPU (crossEntropy); otherwise it comes from the mask.
 */
function reduceMasked(loss: Tensor, reduction: Reduction, mask: CheckedMask | null, gpuCount: Tensor | null = null): Tensor {
  const weighted = mask ? loss.mul(maskTensor(mask, loss.rank)) : loss;
  if (reduction === 'none') return weighted;
  const total = weighted.sum();
  if (reduction === 'sum') return total;
  if (gpuCount) return total.div(maximum(gpuCount, 1));
  if (!mask) return weighted.mean();
  const perSample = loss.shape[0] ? loss.size / loss.shape[0] : 0;
  const count = mask.labelled !== null ? mask.labelled * perSample : null;
  if (count !== null) return total.div(Math.max(count, 1));
  return total.div(maximum(maskTensor(mask, 1).sum().mul(perSample), 1));
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

export interface CrossEntropyOptions extends MaskOptions {
  reduction?: Reduction;
  /**
   * Targets equal to this contribute nothing and are left out of the mean (default −100, as in PyTorch); the
   * device-side range check exempts it.
   */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target distribution becomes (1 − ε)·onehot + ε/C. */
  labelSmoothing?: number;
}

/** Softmax cross-entropy with integer class targets (torch.nn.functional.cross_entropy). */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const a = checkCrossEntropy(input, target, options);
  if (input.rank === 2 && a.reduction !== 'none' && input.size > 0 && input.size <= FUSED_CROSS_ENTROPY_MAX_ELEMENTS) {
    // One dispatch forward and one backward (src/engine/ops/cross-entropy.ts).
    return tidy(() =>
      fusedCrossEntropy({
        logits: input, targets: target, mean: a.reduction === 'mean', labelSmoothing: a.labelSmoothing, ignoreIndex: a.ignoreIndex,
        sampleWeight: a.mask ? maskTensor(a.mask, 1) : null, op: 'crossEntropy',
      }),
    );
  }
  return composedCrossEntropy(input, target, a);
}

/**
 * crossEntropy composed from engine ops (log-softmax, one-hot, mulOrZero, sums): the path for logits of rank
 * above 2, reduction 'none' and very large inputs, and the reference the fused path is tested against.
 */
export function crossEntropyComposed(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  return composedCrossEntropy(input, target, checkCrossEntropy(input, target, options));
}

interface CheckedCrossEntropy {
  labelSmoothing: number;
  ignoreIndex: number;
  reduction: Reduction;
  mask: CheckedMask | null;
}

function checkCrossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions): CheckedCrossEntropy {
  checkOptions('crossEntropy', options, ['reduction', 'labelSmoothing', 'ignoreIndex', 'mask']);
  const op = 'crossEntropy';
  checkTensor(op, input, 'input');
  checkTensor(op, target, 'target');
  if (input.dtype !== 'float32') throw new DTypeError(`${op}: logits must be float32, got ${input.describe()}`);
  if (target.dtype !== 'int32') throw new DTypeError(`${op}: targets must be int32 class indices, got ${target.describe()}`);
  if (input.rank < 2) throw new ShapeError(`${op}: logits must be [N, C] or [N, C, d1, ...], got ${fmtShape(input.shape)}`);
  const want = [input.shape[0]!, ...input.shape.slice(2)];
  if (target.rank !== want.length || target.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${op}: logits ${fmtShape(input.shape)} need targets ${fmtShape(want)}, got ${fmtShape(target.shape)}`);
  }
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new ShapeError(`${op}: labelSmoothing must be in [0, 1], got ${eps}`);
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new TypeError(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  const reduction = checkReduction(op, options.reduction);
  const mask = checkMask(op, options.mask, input.shape[0]!, input.shape);
  return { labelSmoothing: eps, ignoreIndex, reduction, mask };
}

function composedCrossEntropy(input: Tensor, target: Tensor, a: CheckedCrossEntropy): Tensor {
  const op = 'crossEntropy';
  const C = input.shape[1]!;
  const eps = a.labelSmoothing;
  const { mask, reduction: red } = a;
  return tidy(() => {
    // Classes last: [N, C, d...] → [N, d..., C] → [M, C].
    const x = input.rank === 2 ? input : permute(input, [0, ...input.shape.slice(2).map((_, i) => i + 2), 1]);
    const rows = input.size / C;
    const logp = logSoftmax(reshape(x, [rows, C]), -1);
    // Ignored rows of q are zeros, so their loss is 0; a row of q sums to 1 otherwise, so Σq counts the rest.
    const q = oneHot(reshape(target, [rows]), C, 1 - eps + eps / C, eps / C, { op, ignoreIndex: a.ignoreIndex });
    // 0 · (-inf) = 0: a -inf logit of another class stays finite.
    const perPosition = reshape(mulOrZero(q, logp).sum(-1).neg(), target.shape);
    if (red !== 'mean') return reduceMasked(perPosition, red, mask);
    const labelled = reshape(q.sum(-1), target.shape);
    const count = (mask ? labelled.mul(maskTensor(mask, labelled.rank)) : labelled).sum();
    return reduceMasked(perPosition, red, mask, count);
  });
}

export interface BceWithLogitsOptions extends MaskOptions {
  reduction?: Reduction;
  /** Weight of the positive term, broadcast over the input (usually one value per class). */
  posWeight?: Tensor;
  /** Weight of each element's loss, broadcast over the input. */
  weight?: Tensor;
}

/** Binary cross-entropy on logits (torch.nn.functional.binary_cross_entropy_with_logits). */
export function bceWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  checkOptions('bceWithLogits', options, ['reduction', 'posWeight', 'weight', 'mask']);
  const op = 'bceWithLogits';
  checkPair(op, input, target);
  if (options.posWeight) checkTensor(op, options.posWeight, 'posWeight');
  if (options.weight) checkTensor(op, options.weight, 'weight');
  const red = checkReduction(op, options.reduction);
  const mask = checkMask(op, options.mask, input.shape[0] ?? 1, input.shape);
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
    return reduceMasked(loss, red, mask);
  });
}

export interface RegressionLossOptions extends MaskOptions {
  reduction?: Reduction;
}

/** Mean squared error (torch.nn.functional.mse_loss). */
export function mseLoss(input: Tensor, target: Tensor, options: RegressionLossOptions = {}): Tensor {
  checkOptions('mseLoss', options, ['reduction', 'mask']);
  const [red, mask] = checkRegression('mseLoss', input, target, options);
  return tidy(() => {
    const d = sub(input, target);
    return reduceMasked(d.mul(d), red, mask);
  });
}

function checkRegression(op: string, input: Tensor, target: Tensor, options: RegressionLossOptions): [Reduction, CheckedMask | null] {
  checkPair(op, input, target);
  const red = checkReduction(op, options.reduction);
  return [red, checkMask(op, options.mask, input.shape[0] ?? 1, input.shape)];
}

/** Mean absolute error (torch.nn.functional.l1_loss). */
export function l1Loss(input: Tensor, target: Tensor, options: RegressionLossOptions = {}): Tensor {
  checkOptions('l1Loss', options, ['reduction', 'mask']);
  const [red, mask] = checkRegression('l1Loss', input, target, options);
  return tidy(() => reduceMasked(abs(sub(input, target)), red, mask));
}

export interface HuberLossOptions extends RegressionLossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/** Huber loss (torch.nn.functional.huber_loss). */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  checkOptions('huberLoss', options, ['reduction', 'delta', 'mask']);
  const [red, mask] = checkRegression('huberLoss', input, target, options);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new ShapeError(`huberLoss: delta must be positive, got ${delta}`);
  return tidy(() => {
    const d = abs(sub(input, target));
    const r = relu(d.sub(delta));
    const q = d.sub(r);
    return reduceMasked(q.mul(q).mul(0.5).add(r.mul(delta)), red, mask);
  });
}
