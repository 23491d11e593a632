// The optimizer state that outlives a parameter's place in the flat buffers: each parameter's step count,
// and the parked state of parameters that left the flat buffers (frozen, or between loadStateDict and the
// relayout). A parameter frozen later keeps its state here, and when it is unfrozen it comes back with that
// state and its own step count (which for Adam keeps the bias correction right). A skipped step (no
// gradient) leaves the count unchanged. The one place a state dict reads step counts from.

import type { Tensor } from '../../engine/internal.ts';

export class ParamStates {
  /** Steps taken by each parameter (trainable or parked). */
  readonly stepCount = new Map<Tensor, number>();
  /** State tensors of parameters outside the flat buffers, each the parameter's shape, in state-buffer order. */
  private readonly parked = new Map<Tensor, Tensor[]>();

  /** Counts one step of `p`; returns its new count. */
  advance(p: Tensor): number {
    const t = (this.stepCount.get(p) ?? 0) + 1;
    this.stepCount.set(p, t);
    return t;
  }

  /** Keeps `states` (taking ownership) for `p` until it comes back. */
  park(p: Tensor, states: Tensor[]): void {
    this.parked.set(p, states);
  }

  /** The parked state of `p`, without taking it. */
  parkedOf(p: Tensor): readonly Tensor[] | undefined {
    return this.parked.get(p);
  }

  /** Removes and returns the parked state of `p` (the caller disposes it). */
  take(p: Tensor): Tensor[] | undefined {
    const states = this.parked.get(p);
    this.parked.delete(p);
    return states;
  }

  /** Forgets a parameter that was disposed: its step count (and parked state, if any). */
  forget(p: Tensor): void {
    for (const s of this.take(p) ?? []) s.dispose();
    this.stepCount.delete(p);
  }

  /** Forgets every parked parameter that was disposed since. */
  dropDisposed(): void {
    for (const p of [...this.parked.keys()]) if (p.isDisposed) this.forget(p);
  }

  /** Drops every parked state and every step count (loadStateDict starts over). */
  clear(): void {
    this.disposeParked();
    this.stepCount.clear();
  }

  /** Releases the parked state (the optimizer is disposed). */
  disposeParked(): void {
    for (const states of this.parked.values()) for (const s of states) s.dispose();
    this.parked.clear();
  }
}
