// The stratified train/validation split: every class keeps its share in both parts, chosen by a seed, so the
// same seed gives the same split in Node and in the page (scikit-learn's train_test_split(stratify=y) idea).

import { EngineError, randperm } from '../engine/internal.ts';

export interface SplitOptions {
  /** Share of each class that goes to validation, in (0, 1). */
  valFraction: number;
  /** Same seed, same split (default 0). */
  seed?: number;
}

/**
 * Indices for train and validation, each ascending. A class of n images gives round(n·valFraction) of them to
 * validation, at least one and at most n − 1, so both parts see every class.
 */
export function stratifiedSplit(labels: Int32Array, classes: readonly string[], options: SplitOptions): { train: number[]; validation: number[] } {
  const { valFraction, seed = 0 } = options;
  if (!(valFraction > 0 && valFraction < 1)) throw new EngineError(`split: valFraction must be in (0, 1), got ${valFraction}`);
  if (!Number.isInteger(seed)) throw new EngineError(`split: seed must be an integer, got ${seed}`);
  const byClass: number[][] = classes.map(() => []);
  labels.forEach((label, i) => byClass[label]!.push(i));
  const train: number[] = [];
  const validation: number[] = [];
  byClass.forEach((members, c) => {
    if (members.length < 2) throw new EngineError(`split: class '${classes[c]}' has ${members.length} image(s); each class needs at least 2 to be split`);
    const nVal = Math.min(Math.max(Math.round(members.length * valFraction), 1), members.length - 1);
    // One permutation per class, from the seed and the class index, so adding a class leaves the others' splits alone.
    const order = randperm(members.length, { seed: (Math.imul(seed, 0x9e3779b1) + c * 0x85ebca6b) >>> 0 });
    order.forEach((k, i) => (i < nVal ? validation : train).push(members[k]!));
  });
  return { train: train.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}
