// Optimizer updates as engine ops over flat buffers: an SGD step (optim_sgd.wgsl), an Adam/AdamW step
// (optim_adam.wgsl) and the global gradient norm with its clip coefficient (nn_grad_norm.wgsl). nn's
// optimizers (src/nn/optim/) keep the bookkeeping: which parameter sits where in the flat buffers, step
// counts, parked state; here is only what the kernels need and how they are launched.
//
// The contract shared by the step kernels:
// - A segment is a run of equal-length 1-D float32 views of the flat parameter, gradient and state buffers
//   (one per parameter group). Parameters start at multiples of STEP_CHUNK elements; gaps hold zeros.
// - `chunkOwner` (int32, one entry per STEP_CHUNK elements of the segment) names the row of `table` of the
//   parameter each chunk belongs to. `table` is float32 [parameters, 4], written by the CPU each step:
//   row[0] = 1 to update the parameter, 0 to leave it (and its state) untouched; the rest by
//   sgdTableRow / adamTableRow from the parameter's own step count (bias corrections in double precision).
// - With clipping, the step kernels scale each gradient by the coefficient flatGradNorm wrote into
//   `buffers.norm[1]` (and write the clipped gradient back, as clip_grad_norm_ does): no readback.
// Nothing here records anything but dispatches; no gradient flows through an optimizer step.

import adamWgsl from '../../shaders/optim_adam.wgsl?raw';
import sgdWgsl from '../../shaders/optim_sgd.wgsl?raw';
import gradNormWgsl from '../../shaders/nn_grad_norm.wgsl?raw';
import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { EngineError } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import type { BufferRange } from '../runtime/buffer-range.ts';
import { keep } from '../scope.ts';
import { Tensor } from '../tensor.ts';
import { fillInPlace } from './creation.ts';

const sgdKernel = defineKernel('optim_sgd', sgdWgsl, ['write', 'write', 'write', 'read', 'read', 'table'], {
  n: 'u32', lr: 'f32', weight_decay: 'f32', momentum: 'f32', dampening: 'f32',
});
const adamKernel = defineKernel('optim_adam', adamWgsl, ['write', 'write', 'write', 'write', 'read', 'read', 'table'], {
  n: 'u32', beta1: 'f32', beta2: 'f32', one_minus_beta1: 'f32', one_minus_beta2: 'f32', eps: 'f32', weight_decay: 'f32', decay: 'f32',
});
const gradNormKernel = defineKernel('nn_grad_norm', floatBitsWgsl + gradNormWgsl, ['read', 'write'], { n: 'u32', workgroups: 'u32', max_norm: 'f32' });

/**
 * Elements per `chunkOwner` entry (the kernels divide by 64u). Slots start at view-aligned offsets
 * (VIEW_ALIGN_BYTES, 256 bytes = 64 floats), so every chunk belongs to one parameter.
 */
export const STEP_CHUNK = 64;

const MAX_PARTIALS = 256;

/** One parameter group's run of the flat buffers. */
export interface FlatSegment {
  /** float32 [length] views of the flat parameter and gradient buffers. */
  param: Tensor;
  grad: Tensor;
  /** float32 [length] views of the flat state buffers (SGD: [momentum buffer] or none; Adam: [m, v]). */
  states: readonly Tensor[];
  /** int32 [ceil(length / STEP_CHUNK)]: the `table` row of each chunk's parameter. */
  chunkOwner: Tensor;
}

/**
 * The small persistent buffers a series of steps binds besides the flat buffers: the norm pass's partial
 * sums, its [norm, clip coefficient] output, and two 1-element fillers for the bindings a variant leaves
 * unused (a kernel binds every buffer it declares, and a writable binding may not alias another). Kept
 * across steps so bind groups are reused. The caller owns them: dispose() when done.
 */
export class StepBuffers {
  /** float32 [2]: [‖g‖₂, min(1, maxNorm / (‖g‖₂ + 1e-6))] from the last flatGradNorm. */
  readonly norm: Tensor;
  readonly unusedState: Tensor;
  readonly unusedRead: Tensor;
  private partials: Tensor | null = null;

  constructor() {
    this.norm = zeroed(2);
    this.unusedState = keep(emptyTensor([1]));
    this.unusedRead = zeroed(1);
  }

  /**
   * Sizes the partial sums for a gradient buffer of `total` elements: each norm thread sums at least 256
   * elements, so few workgroups for small models (SwiftShader and other CPU-like adapters pay per workgroup
   * barrier), up to 256 for 16M+ parameters.
   */
  fit(total: number): void {
    const count = Math.max(1, Math.min(MAX_PARTIALS, Math.ceil(total / (256 * 256))));
    if (this.partials?.size === count) return;
    this.partials?.dispose();
    this.partials = zeroed(count);
  }

  /** The partial-sum buffer (after fit()). */
  get partialSums(): Tensor {
    if (!this.partials) throw new EngineError('StepBuffers: fit() was not called');
    return this.partials;
  }

  dispose(): void {
    this.norm.dispose();
    this.unusedState.dispose();
    this.unusedRead.dispose();
    this.partials?.dispose();
    this.partials = null;
  }
}

function zeroed(n: number): Tensor {
  const t = keep(emptyTensor([n]));
  fillInPlace(t, 0);
  return t;
}

/** Two dispatches: partial sums of squares of `grads`, then [norm, min(1, maxNorm / (norm + 1e-6))] into buffers.norm. */
export function flatGradNorm(grads: Tensor, buffers: StepBuffers, maxNorm: number): void {
  if (grads.dtype !== 'float32') throw new EngineError(`flatGradNorm: gradients must be float32, got ${grads.describe()}`);
  if (!(maxNorm > 0)) throw new EngineError(`flatGradNorm: maxNorm must be positive, got ${maxNorm}`);
  const partials = buffers.partialSums;
  launch(gradNormKernel, [grads, partials], {
    params: { n: grads.size, workgroups: partials.size, max_norm: maxNorm },
    constants: { STAGE: 0 },
    workgroups: [partials.size, 1, 1],
    label: 'optim.grad_norm',
  });
  launch(gradNormKernel, [partials, buffers.norm], {
    params: { n: partials.size, workgroups: 1, max_norm: maxNorm },
    constants: { STAGE: 1 },
    workgroups: [1, 1, 1],
    label: 'optim.grad_norm.finish',
  });
}

/** What one step launch binds besides its segment. */
export interface StepBindings {
  /** float32 [parameters, 4]: see the contract above; staged host data (stagedData) or a tensor. */
  table: Tensor | BufferRange;
  buffers: StepBuffers;
  /** Scale the gradients by buffers.norm[1] (flatGradNorm ran before, in the same order of work). */
  clipping: boolean;
}

export interface SgdStepHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/** torch.optim.SGD's update over one segment (one dispatch); the momentum buffer is `seg.states[0]` when momentum ≠ 0. */
export function sgdStep(seg: FlatSegment, h: SgdStepHyper, b: StepBindings): void {
  const momentum = h.momentum !== 0;
  const n = checkSegment('sgdStep', seg, momentum ? 1 : 0);
  const buf = momentum ? seg.states[0]! : b.buffers.unusedState;
  launch(sgdKernel, [seg.param, seg.grad, buf, b.clipping ? b.buffers.norm : b.buffers.unusedRead, seg.chunkOwner, b.table], {
    params: { n, lr: h.lr, weight_decay: h.weightDecay, momentum: h.momentum, dampening: h.dampening },
    constants: { MOMENTUM: momentum ? 1 : 0, NESTEROV: h.nesterov ? 1 : 0, CLIP: b.clipping ? 1 : 0, MAXIMIZE: h.maximize ? 1 : 0 },
    workgroups: grid(Math.ceil(n / 256)),
    label: 'optim.sgd',
  });
}

/** SGD's table row after `step` steps (row[0], "update", is the caller's): the momentum buffer starts as the gradient. */
export function sgdTableRow(step: number, row: Float32Array): void {
  row[1] = step === 1 ? 1 : 0;
}

export interface AdamStepHyper {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
  /** AdamW: decay the parameter (p *= 1 − lr·wd) instead of adding wd·p to the gradient. */
  decoupled: boolean;
}

/** torch.optim.Adam / AdamW's update over one segment (one dispatch); m and v are `seg.states[0]` and `[1]`. */
export function adamStep(seg: FlatSegment, h: AdamStepHyper, b: StepBindings): void {
  const n = checkSegment('adamStep', seg, 2);
  const [b1, b2] = h.betas;
  launch(adamKernel, [seg.param, seg.grad, seg.states[0]!, seg.states[1]!, b.clipping ? b.buffers.norm : b.buffers.unusedRead, seg.chunkOwner, b.table], {
    params: {
      n, beta1: b1, beta2: b2, one_minus_beta1: 1 - b1,
      one_minus_beta2: 1 - b2, eps: h.eps, weight_decay: h.weightDecay, decay: 1 - h.lr * h.weightDecay,
    },
    constants: { DECOUPLED: h.decoupled ? 1 : 0, CLIP: b.clipping ? 1 : 0, MAXIMIZE: h.maximize ? 1 : 0 },
    workgroups: grid(Math.ceil(n / 256)),
    label: h.decoupled ? 'optim.adamw' : 'optim.adam',
  });
}

/** Adam's table row after `step` steps: [·, lr / bc1, sqrt(bc2)], bias corrections in double precision as PyTorch does in Python. */
export function adamTableRow(lr: number, betas: readonly [number, number], step: number, row: Float32Array): void {
  row[1] = lr / (1 - betas[0] ** step);
  row[2] = Math.sqrt(1 - betas[1] ** step);
}

/** The segment's length, after checking that its views agree (an EngineError before any dispatch if not). */
function checkSegment(op: string, seg: FlatSegment, states: number): number {
  const n = seg.param.size;
  const views = [seg.param, seg.grad, ...seg.states.slice(0, states)];
  if (seg.states.length < states) throw new EngineError(`${op}: needs ${states} state buffers, got ${seg.states.length}`);
  for (const v of views) {
    if (v.dtype !== 'float32' || v.size !== n) throw new EngineError(`${op}: the segment's views must be float32 of ${n} elements, got ${v.describe()}`);
  }
  if (seg.chunkOwner.dtype !== 'int32' || seg.chunkOwner.size !== Math.ceil(n / STEP_CHUNK)) {
    throw new EngineError(`${op}: chunkOwner must be int32 of ${Math.ceil(n / STEP_CHUNK)} entries, got ${seg.chunkOwner.describe()}`);
  }
  return n;
}
