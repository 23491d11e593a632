// Small training helpers the example pages share: seeded mini-batches from host arrays, accuracy.

import * as E from '../src/index.ts';
import { seededOrder, type Digits } from './digits-data.ts';

const PIXELS = 28 * 28;

/** Gathers the digits at `idx` into one upload: x [n, 1, 28, 28] float32, y [n] int32. */
export function digitBatch(set: Digits, idx: ArrayLike<number>): { x: E.Tensor; y: E.Tensor } {
  const n = idx.length;
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    images.set(set.images.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
    labels[i] = set.labels[j]!;
  }
  return { x: E.tensor(images, [n, 1, 28, 28]), y: E.tensor(labels, [n], { dtype: 'int32' }) };
}

/** The batches of one epoch: a seeded shuffle of 0..count−1 cut into runs of `batch` (the last may be short). */
export function epochBatches(count: number, batch: number, seed: number): Int32Array[] {
  const order = seededOrder(count, seed);
  const out: Int32Array[] = [];
  for (let s = 0; s < count; s += batch) out.push(order.subarray(s, Math.min(count, s + batch)));
  return out;
}

/** Held-out accuracy of `forward` (eval mode is the caller's business) over `set`, in chunks of 500. */
export async function accuracy(forward: (x: E.Tensor) => E.Tensor, set: Digits): Promise<number> {
  let correct = 0;
  for (let start = 0; start < set.count; start += 500) {
    const n = Math.min(500, set.count - start);
    const x = E.tensor(set.images.subarray(start * PIXELS, (start + n) * PIXELS), [n, 1, 28, 28]);
    const pred = E.tidy(() => E.noGrad(() => E.argmax(forward(x), 1)));
    const got = await pred.data();
    pred.dispose();
    x.dispose();
    for (let i = 0; i < n; i++) if (got[i] === set.labels[start + i]) correct++;
  }
  return correct / set.count;
}
