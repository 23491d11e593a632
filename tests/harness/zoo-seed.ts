// Seeded weights for the model-zoo parity tests, bit for bit the same as tests/fixtures/gen_zoo_fixtures.py
// computes in Python, so the fixtures carry PyTorch's outputs but no weights.
//
// Each state-dict entry i (in state-dict order, which the tests check equals torchvision's) draws from
// seededRandom(1000 + i) (tests/harness/random.ts: mulberry32, integer-only, values u = k/2^23 − 1 in [-1, 1)),
// and its value is a + b·u computed in float64 (IEEE: the same in both languages, √ included) then rounded to float32 (round-to-nearest-even, the
// same on both sides):
//   conv / linear weight     u · √(6/fanIn)   (He-uniform: variance 2/fanIn keeps activations O(1) in eval mode)
//   linear bias              u / 16
//   BatchNorm weight / bias  1 + u/4 / 1 + u/4   (a positive bias leaves few dead ReLUs: with 8 values per
//                            channel in the last stages, a near-constant channel makes train-mode BatchNorm's
//                            gradient ill-conditioned, 1/√(var + eps) amplifying float32 rounding to ~1e-2)
//   running_mean / var       u/8 / 1 + u/2
//   num_batches_tracked      0
// Inputs: seededRandom(7) in [-1, 1); the upstream gradient of the logits seededRandom(8).

import { seededRandom } from './random.ts';

export interface SeedEntry {
  key: string;
  shape: readonly number[];
}

/** The value of state-dict entry `index` (see the header); int entries give 0. */
export function seededValues(entries: readonly SeedEntry[], index: number): Float32Array | Int32Array {
  const { key, shape } = entries[index]!;
  const n = shape.reduce((a, b) => a * b, 1);
  if (key.endsWith('.num_batches_tracked')) return new Int32Array(n);
  const next = seededRandom(1000 + index);
  const prefix = key.slice(0, key.lastIndexOf('.'));
  const isBn = entries.some((e) => e.key === `${prefix}.running_mean`);
  let a = 0;
  let b = 1;
  if (key.endsWith('.running_mean')) b = 1 / 8;
  else if (key.endsWith('.running_var')) [a, b] = [1, 1 / 2];
  else if (key.endsWith('.weight') && isBn) [a, b] = [1, 1 / 4];
  else if (key.endsWith('.bias') && isBn) [a, b] = [1, 1 / 4];
  else if (key.endsWith('.bias')) b = 1 / 16;
  else if (key.endsWith('.weight')) {
    b = Math.sqrt(6 / shape.slice(1).reduce((x, y) => x * y, 1)); // He-uniform: variance 2/fanIn
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a + b * next();
  return out;
}
