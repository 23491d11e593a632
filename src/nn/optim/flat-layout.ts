// The optimizer's flat-buffer layout. Every trainable parameter lives in ONE flat GPU buffer, their gradients
// in a second and each kind of state (momentum buffer; Adam's m and v) in one more each, all with the same
// layout: each parameter has a slot at a 256-byte aligned offset (zeros in the gaps), and each parameter
// group is one contiguous run, a segment, which one step dispatch covers (engine/ops/optim-step.ts).
//
// Re-homing: a repack copies each parameter's values into its slot and moves the Parameter onto a view of it
// (rehome: the object stays the same, so the model and the user's references keep working). `param.grad` is
// a view of the gradient slot when the parameter has a gradient, and the slot is the parameter's gradient
// destination (engine: setGradDestination), so backward's first gradient lands in the slot and sets
// `param.grad` to it: `grad !== null` means "a backward reached this parameter since zeroGrad()".
//
// Repacking follows the trainable set: parameters that leave (frozen, disposed, removed) get their own memory
// back and their state is parked (state.ts); parameters that come back take theirs. A tensor is in at most
// one optimizer's flat buffers. This file knows nothing of update rules or hyperparameters.

import {
  EngineError, STEP_CHUNK, Storage, Tensor, VIEW_ALIGN_BYTES, copyInto, emptyTensor, fillInPlace, gradDestination, keep, setGradDestination, upload,
  type FlatSegment,
} from '../../engine/internal.ts';
import { rehome } from '../parameter.ts';
import type { ParamStates } from './state.ts';

const ALIGN = VIEW_ALIGN_BYTES / 4; // slot alignment in elements (a multiple of STEP_CHUNK)

/** One trainable parameter's place in the flat buffers. */
export interface Slot {
  param: Tensor;
  group: number;
  /** Elements from the start of the flat buffers. */
  offset: number;
  /** Row in the per-step parameter table (optim-step.ts). */
  index: number;
  /** The gradient slot, owned by the layout. */
  gradView: Tensor;
  /** What param.grad is set to, and the parameter's gradient destination. */
  gradAlias: Tensor;
  /** The slot holds zeros and no backward wrote it since (so a null grad needs no fill). */
  clean: boolean;
}

/** One group's run of the flat buffers, with the views and chunk-owner table a step dispatch binds. */
export interface Segment extends FlatSegment {
  group: number;
  start: number;
  length: number;
  slots: Slot[];
}

/** Which optimizer holds each tensor in its flat buffers (a tensor can be in one only). */
const owners = new WeakMap<Tensor, object>();

/** A tensor over `storage` (taking one reference), not tracked by tidy. */
function over(storage: Storage, shape: readonly number[]): Tensor {
  return new Tensor(storage, shape, 'float32', false);
}

/** A view of `shape` into a flat buffer at `offset` elements. */
function sliceOf(flat: Tensor, offset: number, shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return over(flat.storage.view(offset * 4, Math.max(n, 1) * 4), shape);
}

function roundUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

export class FlatLayout {
  private slotMap = new Map<Tensor, Slot>();
  private segmentList: Segment[] = [];
  private flatParams: Tensor | null = null;
  private flatGrads: Tensor | null = null;
  private flatStates: Tensor[] = [];
  private built = false;

  /** `owner` is the optimizer (one optimizer per tensor), `name` its name for errors. */
  constructor(
    private readonly owner: object,
    private readonly name: string,
    private readonly states: ParamStates,
  ) {}

  /** Elements in each flat buffer (parameters, gradients, each state): trainable sizes rounded up to 64. */
  get size(): number {
    return this.flatParams?.size ?? 0;
  }

  /** The flat gradient buffer, or null when nothing is trainable. */
  get gradients(): Tensor | null {
    return this.flatGrads;
  }

  get segments(): readonly Segment[] {
    return this.segmentList;
  }

  get slots(): ReadonlyMap<Tensor, Slot> {
    return this.slotMap;
  }

  /** Whether the layout holds exactly `wanted` (parameter → group) with `stateCount` state buffers. */
  matches(wanted: ReadonlyMap<Tensor, number>, stateCount: number): boolean {
    if (!this.built || this.flatStates.length !== stateCount || wanted.size !== this.slotMap.size) return false;
    for (const [p, gi] of wanted) if (this.slotMap.get(p)?.group !== gi) return false;
    return true;
  }

  /**
   * Builds the layout for `wanted` (parameter → group index; `groups` gives the order within each group) with
   * `stateCount` state buffers, moving values, gradients and state over from the old layout or the parking
   * lot. Returns the flat buffers' size in elements.
   */
  repack(groups: ReadonlyArray<readonly Tensor[]>, wanted: ReadonlyMap<Tensor, number>, stateCount: number): number {
    for (const p of wanted.keys()) {
      const owner = owners.get(p);
      if (owner && owner !== this.owner) {
        throw new EngineError(`${this.name}: parameter ${p.describe()} is already managed by another optimizer (dispose that one first)`);
      }
    }
    // New segments: one per group with trainable parameters, in group order.
    const plan: Array<{ group: number; params: Tensor[] }> = [];
    groups.forEach((params, gi) => {
      const mine = params.filter((p) => wanted.get(p) === gi);
      if (mine.length) plan.push({ group: gi, params: mine });
    });
    let total = 0;
    const offsets = new Map<Tensor, number>();
    for (const seg of plan) for (const p of seg.params) {
      offsets.set(p, total);
      total += roundUp(p.size);
    }

    // New buffers, zero-filled so the gaps hold zeros.
    const newParams = total > 0 ? keep(emptyTensor([total])) : null;
    const newGrads = total > 0 ? keep(emptyTensor([total])) : null;
    const newStates = total > 0 ? Array.from({ length: stateCount }, () => keep(emptyTensor([total]))) : [];
    for (const t of [newParams, newGrads, ...newStates]) if (t) fillInPlace(t, 0);

    const newSlots = new Map<Tensor, Slot>();
    for (const segPlan of plan) {
      for (const p of segPlan.params) {
        const off = offsets.get(p)!;
        newSlots.set(p, this.moveIn(p, segPlan.group, off, newSlots.size, newParams!, newGrads!, newStates));
      }
    }
    // Parameters that leave (frozen, disposed, removed): own memory again, state parked, no gradient.
    for (const [p, slot] of this.slotMap) {
      if (newSlots.has(p)) continue;
      if (!p.isDisposed) {
        this.states.park(p, this.flatStates.map((flat) => {
          const src = sliceOf(flat, slot.offset, p.shape);
          const own = keep(emptyTensor(p.shape));
          copyInto(own, src);
          src.dispose();
          return own;
        }));
      } else {
        this.states.forget(p);
      }
      this.release(slot, !p.isDisposed);
    }
    this.freeBuffers();
    this.slotMap = newSlots;
    this.flatParams = newParams;
    this.flatGrads = newGrads;
    this.flatStates = newStates;
    this.segmentList = plan.map((sp) => this.segment(sp.group, sp.params.map((p) => newSlots.get(p)!)));
    this.built = true;
    return total;
  }

  /** Gives `p` its slot at `off` in the new buffers: values, gradient and state copied in, then re-homed. */
  private moveIn(p: Tensor, group: number, off: number, index: number, params: Tensor, grads: Tensor, states: Tensor[]): Slot {
    const paramView = sliceOf(params, off, p.shape);
    copyInto(paramView, p);
    const gradView = sliceOf(grads, off, p.shape);
    const old = this.slotMap.get(p);
    const g = p.grad;
    const hasGrad = !!g && !g.isDisposed && g.size === p.size;
    if (hasGrad) copyInto(gradView, g);
    // State: from the old slot, from the parking lot, or zeros (already).
    const parked = this.states.take(p);
    states.forEach((flat, k) => {
      const fromOld = old && this.flatStates[k] ? sliceOf(this.flatStates[k]!, old.offset, p.shape) : null;
      const src = fromOld ?? parked?.[k];
      if (!src) return;
      const dst = sliceOf(flat, off, p.shape);
      copyInto(dst, src);
      dst.dispose();
      fromOld?.dispose();
    });
    for (const s of parked ?? []) s.dispose();
    rehome(p, paramView.storage.retain());
    paramView.dispose();
    // The old gradient (now copied) and the old slot's handles are done with.
    if (g && g !== old?.gradAlias) g.dispose();
    if (old) {
      old.gradAlias.dispose();
      old.gradView.dispose();
    }
    const gradAlias = gradView.alias();
    p.grad = hasGrad ? gradAlias : null;
    setGradDestination(p, gradAlias);
    owners.set(p, this.owner);
    return { param: p, group, offset: off, index, gradView, gradAlias, clean: !hasGrad };
  }

  /** A segment over `slots` (consecutive in the new buffers) with its chunk-owner table. */
  private segment(group: number, slots: Slot[]): Segment {
    const start = slots[0]!.offset;
    const last = slots[slots.length - 1]!;
    const length = last.offset + last.param.size - start;
    const view = (flat: Tensor): Tensor => sliceOf(flat, start, [length]);
    const owner = new Int32Array(Math.ceil(length / STEP_CHUNK));
    for (const s of slots) owner.fill(s.index, (s.offset - start) / STEP_CHUNK);
    const chunkOwner = keep(upload(owner, [owner.length], 'int32'));
    return { group, start, length, slots, param: view(this.flatParams!), grad: view(this.flatGrads!), states: this.flatStates.map(view), chunkOwner };
  }

  /**
   * Puts gradients assigned by hand back into their slots (a dropped one, null, leaves its slot zeroed), and
   * renews a gradient alias the user disposed.
   */
  adoptGradients(): void {
    for (const slot of this.slotMap.values()) {
      const p = slot.param;
      if (slot.gradAlias.isDisposed) {
        slot.gradAlias = slot.gradView.alias();
        if (p.grad?.isDisposed) p.grad = null;
      }
      setGradDestination(p, slot.gradAlias);
      const g = p.grad;
      if (g === slot.gradAlias) {
        slot.clean = false;
        continue;
      }
      if (g && !g.isDisposed && g.size === p.size && g.dtype === 'float32') {
        copyInto(slot.gradView, g);
        g.dispose();
        p.grad = slot.gradAlias;
        slot.clean = false;
        continue;
      }
      if (g) g.dispose();
      p.grad = null;
      if (!slot.clean) fillInPlace(slot.gradView, 0);
      slot.clean = true;
    }
  }

  /** One fill of the gradient buffer; every grad null (setToNone) or its zeroed slot. */
  zeroGrads(setToNone: boolean): void {
    if (this.flatGrads) fillInPlace(this.flatGrads, 0);
    for (const slot of this.slotMap.values()) {
      slot.clean = true;
      slot.param.grad = setToNone ? null : slot.gradAlias;
    }
  }

  /** New views of `p`'s state slots (the caller disposes them), or null if `p` has no slot. */
  stateViews(p: Tensor): Tensor[] | null {
    const slot = this.slotMap.get(p);
    return slot ? this.flatStates.map((flat) => sliceOf(flat, slot.offset, p.shape)) : null;
  }

  /** Every parameter leaves (own memory again, no gradient; state dropped, not parked) and the buffers are freed. */
  releaseAll(): void {
    for (const slot of this.slotMap.values()) this.release(slot, true);
    this.slotMap.clear();
    this.freeBuffers();
  }

  /** Ends a slot: the parameter gets its own memory (if `copyOut`), its gradient is dropped. */
  private release(slot: Slot, copyOut: boolean): void {
    const p = slot.param;
    if (copyOut && p.isLive) {
      const own = emptyTensor(p.shape);
      copyInto(own, p);
      rehome(p, own.storage.retain());
      own.dispose();
    }
    if (p.grad === slot.gradAlias) p.grad = null;
    if (gradDestination(p) === slot.gradAlias) setGradDestination(p, null);
    slot.gradAlias.dispose();
    slot.gradView.dispose();
    owners.delete(p);
  }

  private freeBuffers(): void {
    for (const seg of this.segmentList) {
      seg.param.dispose();
      seg.grad.dispose();
      seg.chunkOwner.dispose();
      for (const s of seg.states) s.dispose();
    }
    this.segmentList = [];
    this.flatParams?.dispose();
    this.flatGrads?.dispose();
    for (const s of this.flatStates) s.dispose();
    this.flatParams = null;
    this.flatGrads = null;
    this.flatStates = [];
  }
}
