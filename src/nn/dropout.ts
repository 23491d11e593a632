// nn.Dropout: the engine's dropout op in train mode, the identity in eval mode. The layer owns its masks' seeds:
// by default each call draws one from the engine's random stream (so manualSeed fixes every layer's masks); with
// its own seed, its masks form a stream of their own, whose position (`calls`) checkpoints store.

import { EngineError, checkOptions, drawSeed, dropout, type Tensor } from '../engine/internal.ts';
import { Module } from './module.ts';

export interface DropoutOptions {
  /**
   * This layer's own seed: its masks then form a stream of their own (each call still draws a new mask),
   * independent of everything else. Default: each call draws its mask's seed from the engine's random
   * stream, so `manualSeed` fixes the masks of every layer.
   */
  seed?: number;
}

/** Zeroes elements with probability p in train mode and scales the rest by 1/(1−p); identity in eval mode. */
export class Dropout extends Module {
  override get typeName(): string { return 'Dropout'; }
  /** Masks drawn so far by a layer with its own seed (the position in its stream; checkpoints store it). */
  calls = 0;
  readonly seed: number | null;

  constructor(readonly p = 0.5, options: DropoutOptions = {}) {
    super();
    checkOptions('Dropout', options, ['seed']);
    if (!(p >= 0 && p <= 1)) throw new EngineError(`Dropout: p must be in [0, 1], got ${p}`);
    this.seed = options.seed === undefined ? null : options.seed >>> 0;
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (!this.training || this.p === 0) return x;
    const seed = this.seed === null ? drawSeed() : (this.seed + Math.imul(++this.calls, 0x85ebca6b)) >>> 0;
    return dropout(x, this.p, seed);
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
