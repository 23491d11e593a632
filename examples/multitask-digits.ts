// The multi-task digits of `npm run experiment:multitask` and the training studio: each MNIST image rotated by
// an angle θ ~ U(−45°, 45°) drawn once per image, averaged 2×2 to 14×14 (196 inputs), with three labels:
//   digit  the class (10-way)
//   thick  whether the digit's ink (sum of pixel intensities of the unrotated image) exceeds the median of its
//          own class (binary; 50% positive in every class by construction)
//   angle  θ / 45° (regression)
// See bench/multitask/experiment.ts for why these three tasks. Below: the tasks' trunk, heads, losses and weightings.

import * as E from '../src/index.ts';

export interface RotatedSplit {
  x: Float32Array; // [n, 196]
  digit: Int32Array;
  thick: Float32Array;
  angle: Float32Array; // θ / 45°
  n: number;
}

export interface LabelledDigits {
  images: Float32Array; // [count, 784]
  labels: Int32Array;
  count: number;
}

/** A seeded uniform [0, 1) stream (LCG). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Rotates a 28×28 image by θ degrees about its centre (bilinear, zeros outside) into out[at .. at+784). */
export function rotate28(img: Float32Array, deg: number, out: Float32Array, at: number): void {
  const c = Math.cos((deg * Math.PI) / 180);
  const s = Math.sin((deg * Math.PI) / 180);
  const px = (yy: number, xx: number) => (xx >= 0 && xx < 28 && yy >= 0 && yy < 28 ? img[yy * 28 + xx]! : 0);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const dx = x - 13.5;
      const dy = y - 13.5;
      const sx = c * dx + s * dy + 13.5;
      const sy = -s * dx + c * dy + 13.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      out[at + y * 28 + x] = (1 - fy) * ((1 - fx) * px(y0, x0) + fx * px(y0, x0 + 1)) + fy * ((1 - fx) * px(y0 + 1, x0) + fx * px(y0 + 1, x0 + 1));
    }
  }
}

/** Rotates a 28×28 image by θ degrees (rotate28), then 2×2 average → 14×14. */
export function rotateDown(img: Float32Array, deg: number, out: Float32Array, at: number): void {
  const rot = new Float32Array(784);
  rotate28(img, deg, rot, 0);
  for (let y = 0; y < 14; y++) {
    for (let x = 0; x < 14; x++) {
      const i = 2 * y * 28 + 2 * x;
      out[at + y * 14 + x] = (rot[i]! + rot[i + 1]! + rot[i + 28]! + rot[i + 29]!) / 4;
    }
  }
}

/** Sum of pixel intensities of image i. */
export function ink(images: Float32Array, i: number): number {
  let s = 0;
  for (let k = 0; k < 784; k++) s += images[i * 784 + k]!;
  return s;
}

/** The median ink of each class over all the given sets. */
export function inkMedians(sets: LabelledDigits[]): number[] {
  const perClass: number[][] = Array.from({ length: 10 }, () => []);
  for (const set of sets) for (let i = 0; i < set.count; i++) perClass[set.labels[i]!]!.push(ink(set.images, i));
  return perClass.map((v) => {
    const s = [...v].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  });
}

/** Images [from, to) of `set`, rotated (angles drawn from `rand` in order) and labelled. */
export function rotatedSplit(set: LabelledDigits, from: number, to: number, medians: number[], rand: () => number): RotatedSplit {
  const n = to - from;
  const split: RotatedSplit = { x: new Float32Array(n * 196), digit: new Int32Array(n), thick: new Float32Array(n), angle: new Float32Array(n), n };
  for (let j = 0; j < n; j++) {
    const i = from + j;
    const deg = (rand() * 2 - 1) * 45;
    rotateDown(set.images.subarray(i * 784, (i + 1) * 784), deg, split.x, j * 196);
    split.digit[j] = set.labels[i]!;
    split.thick[j] = ink(set.images, i) > medians[set.labels[i]!]! ? 1 : 0;
    split.angle[j] = deg / 45;
  }
  return split;
}

// ------------------------------------------------------------------ the models

export const TASKS = ['digit', 'thick', 'angle'] as const;
export type Task = (typeof TASKS)[number];
export const WEIGHTING_METHODS = [
  'equal', 'uncertainty', 'dwa', 'gradnorm', 'mgda-ub', 'pcgrad',
  'cagrad', 'imtl-g', 'imtl-l', 'imtl', 'nash-mtl', 'aligned-mtl', 'famo', 'upgrad', 'rlw', 'gradvac', 'graddrop',
] as const;
export type WeightingMethod = (typeof WEIGHTING_METHODS)[number];
export const TASK_LOSSES: Record<Task, E.multitask.TaskLoss> = { digit: E.crossEntropy, thick: E.bceWithLogits, angle: E.mseLoss };

/** The hard-sharing trunk: 196 → 128 → 64 with ReLUs. */
export function makeTrunk(): E.nn.Module {
  return new E.nn.Sequential(new E.nn.Linear(196, 128), new E.nn.ReLU(), new E.nn.Linear(128, 64), new E.nn.ReLU());
}

/** A task's head on the 64 trunk features: 10 logits for the digit, one output otherwise. */
export function makeHead(task: Task): E.nn.Module {
  return new E.nn.Linear(64, task === 'digit' ? 10 : 1);
}

export function makeWeighting(method: WeightingMethod, tasks: readonly string[], seed: number): E.multitask.Weighting {
  const w = E.multitask.weighting;
  switch (method) {
    case 'equal': return w.equal(tasks);
    case 'uncertainty': return w.uncertainty(tasks);
    case 'dwa': return w.dwa(tasks);
    case 'gradnorm': return w.gradNorm(tasks, { alpha: 1.5 });
    case 'mgda-ub': return w.mgdaUb(tasks);
    case 'pcgrad': return w.pcGrad(tasks, { seed });
    case 'cagrad': return w.caGrad(tasks, { c: 0.4 });
    case 'imtl-g': return w.imtlG(tasks);
    case 'imtl-l': return w.imtlL(tasks);
    case 'imtl': return w.imtl(tasks);
    case 'nash-mtl': return w.nashMtl(tasks);
    case 'aligned-mtl': return w.alignedMtl(tasks);
    case 'famo': return w.famo(tasks);
    case 'upgrad': return w.upGrad(tasks);
    case 'rlw': return w.rlw(tasks, { seed });
    case 'gradvac': return w.gradVac(tasks, { seed });
    case 'graddrop': return w.gradDrop(tasks, { seed });
  }
}
