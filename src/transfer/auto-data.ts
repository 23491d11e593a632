// The auto strategy's data helpers (auto.ts): the bounded stratified subsets a rung validates on and the scores
// sample, and frozen features computed from a dataset's images where they are (on the GPU).

import { concat, noGrad, randperm, tidy, type Tensor } from '../engine/internal.ts';
import type { Module } from '../nn/index.ts';
import type { LabeledImages } from '../data/types.ts';
import { forwardTo } from './cut.ts';

/** [N, ...] → [N, F]. */
export function flatRows(f: Tensor): Tensor {
  const n = f.shape[0]!;
  return f.reshape([n, f.size / n]);
}

/** The frozen features at `at` of every image of `set`, in order, [N, F] (batches of 256; the images stay on the GPU). */
export async function featuresOfSet(model: Module, set: LabeledImages, at: string): Promise<Tensor> {
  const parts: Tensor[] = [];
  for await (const batch of set.batches({ batchSize: 256 })) {
    batch.y.dispose();
    parts.push(noGrad(() => tidy(() => flatRows(forwardTo(model, batch.x, at)))));
    batch.x.dispose();
  }
  if (parts.length === 1) return parts[0]!;
  const all = noGrad(() => concat(parts, 0));
  for (const p of parts) p.dispose();
  return all;
}

/**
 * Up to `max` indices of `labels` (sorted), stratified: each class keeps its share of the set, rounded by largest
 * remainder, at least one per class present (so more than `max` only when there are more classes); the members
 * of each class are drawn by `seed`. All of them when there are at most `max`.
 */
export function stratifiedSubset(labels: Int32Array | readonly number[], max: number, seed: number): number[] {
  const n = labels.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  }
  const classes = [...byClass.keys()].sort((x, y) => x - y);
  const take = new Map(classes.map((c) => [c, Math.max(1, Math.floor((max * byClass.get(c)!.length) / n))]));
  let left = max - [...take.values()].reduce((x, y) => x + y, 0);
  const byRemainder = [...classes].sort((x, y) => {
    const r = (c: number): number => (max * byClass.get(c)!.length) / n - Math.floor((max * byClass.get(c)!.length) / n);
    return r(y) - r(x) || x - y;
  });
  for (let k = 0; left > 0 && k < byRemainder.length; k++, left--) take.set(byRemainder[k]!, take.get(byRemainder[k]!)! + 1);
  const out: number[] = [];
  for (const c of classes) {
    const members = byClass.get(c)!;
    const order = randperm(members.length, { seed: seed + 31 * c });
    for (let k = 0; k < Math.min(take.get(c)!, members.length); k++) out.push(members[order[k]!]!);
  }
  return out.sort((x, y) => x - y);
}
