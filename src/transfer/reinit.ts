// A model's weights drawn afresh, in place, and put back afterwards: what 'from-scratch' training starts from,
// and the random trunks measureSimilarity compares a pretrained one with. PyTorch's default initialisation,
// by state-dict entry: a weight of fan-in f (conv or linear) and its layer's bias ~ U(−1/√f, 1/√f)
// (kaiming_uniform with a = √5 gives that bound); BatchNorm weight 1, bias 0, running mean 0, variance 1,
// num_batches_tracked 0. A `seed` makes the draw its own stream (the engine's stream is left where it was).

import { full, getRngState, manualSeed, rand, setRngState, tidy, keep, type Tensor } from '../engine/internal.ts';
import type { Module } from '../nn/index.ts';

/** Re-initialises every parameter and buffer of `model` in place (see the top of this file). */
export function reinitialize(model: Module, seed?: number): void {
  const saved = seed === undefined ? null : getRngState();
  if (seed !== undefined) manualSeed(seed);
  try {
    const entries = [...model.stateDict()];
    const fanIn = (prefix: string): number => {
      const w = entries.find(([k]) => k === `${prefix}.weight`)?.[1];
      return w && w.shape.length >= 2 ? w.shape.slice(1).reduce((a, b) => a * b, 1) : 0;
    };
    const fresh = new Map<string, Tensor>();
    tidy(() => {
      for (const [key, t] of entries) {
        const prefix = key.slice(0, key.lastIndexOf('.'));
        const leaf = key.slice(key.lastIndexOf('.') + 1);
        const f = fanIn(prefix);
        let v: Tensor;
        if (leaf === 'num_batches_tracked') v = full(t.shape, 0, { dtype: t.dtype });
        else if (leaf === 'running_mean') v = full(t.shape, 0);
        else if (leaf === 'running_var') v = full(t.shape, 1);
        else if (leaf === 'weight' && t.shape.length < 2) v = full(t.shape, 1); // BatchNorm, LayerNorm
        else if (leaf === 'bias' && f === 0) v = full(t.shape, 0);
        else v = rand(t.shape, { low: -1 / Math.sqrt(Math.max(f, 1)), high: 1 / Math.sqrt(Math.max(f, 1)) });
        fresh.set(key, keep(v));
      }
    });
    model.loadStateDict(fresh);
    for (const t of fresh.values()) t.dispose();
  } finally {
    if (saved) setRngState(saved);
  }
}

/** Copies of every state-dict entry (GPU copies), to put back with `restore`. */
export function snapshot(model: Module): Map<string, Tensor> {
  return new Map([...model.stateDict()].map(([k, t]) => [k, keep(t.clone())]));
}

/** Loads a snapshot back into `model` and disposes it. */
export function restore(model: Module, snap: Map<string, Tensor>): void {
  try {
    model.loadStateDict(snap);
  } finally {
    for (const t of snap.values()) t.dispose();
  }
}
