// Layers that pass values through unchanged: Identity (a placeholder, e.g. for a removed head) and Flatten (a
// view that merges dims, no copy).

import { flatten, type Tensor } from '../engine/internal.ts';
import { Module } from './module.ts';

/** Passes the input through (a placeholder, e.g. for a removed head). */
export class Identity extends Module {
  override get typeName(): string { return 'Identity'; }
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    return x;
  }
}

/** Merges dims startDim..endDim into one (default: everything but the batch dim). A view, no copy. */
export class Flatten extends Module {
  override get typeName(): string { return 'Flatten'; }
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const s = this.startDim < 0 ? this.startDim + x.rank : this.startDim;
    const e = this.endDim < 0 ? this.endDim + x.rank : this.endDim;
    if (s < 0 || e >= x.rank || s > e) this.badInput(`a tensor with dims ${this.startDim}..${this.endDim}`, x);
    return flatten(x, this.startDim, this.endDim);
  }

  protected override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
