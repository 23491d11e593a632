// The dataset without a GPU (batch preparation and label upload replaced by host stand-ins): the stratified split
// by seed, shuffled batches that cover every image once, and the prefetch — the next batch's decode starts before
// the current one is handed out — read from the order of 'decode k' / 'yield k' events, not from timing.

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../engine/internal.ts';
import { ImageSet, type HeldImage } from './image-set.ts';
import type { InputSpec, RgbaImage } from './types.ts';

const INPUT: InputSpec = { size: [2, 2], channels: 1, resizeShorter: null, mean: [0], std: [1] };

interface FakeTensor {
  values: number[];
  dispose(): void;
}

/** A set of `perClass[c]` images of class c; image i decodes to a 1×1 image whose red value is i. */
function makeSet(perClass: number[], log: string[] = [], fence: () => Promise<void> = async () => {}): ImageSet {
  const labels = perClass.flatMap((n, c) => Array.from({ length: n }, () => c));
  const images: HeldImage[] = labels.map((_, i) => ({ name: `img${i}`, bytes: Uint8Array.of(i) }));
  const decode = async (b: Uint8Array | Blob): Promise<RgbaImage> => {
    await new Promise((r) => setTimeout(r, 1));
    return { data: Uint8Array.of((b as Uint8Array)[0]!, 0, 0, 255), width: 1, height: 1 };
  };
  const fake = (values: number[]): Tensor => ({ values, dispose() {} }) as unknown as Tensor;
  return new ImageSet({
    classes: perClass.map((_, c) => `class${c}`),
    labels: Int32Array.from(labels),
    images,
    input: INPUT,
    decode,
    trace: (e) => log.push(e),
    prepare: (imgs) => fake(imgs.map((im) => im.data[0]!)),
    labelTensor: (l) => fake(Array.from(l)),
    fence,
  });
}

describe('ImageSet', () => {
  it('splits each class by valFraction, disjoint and complete, the same for the same seed', () => {
    const set = makeSet([10, 21, 3, 2]);
    const { train, validation } = set.split({ valFraction: 0.2, seed: 7 });
    const count = (s: ImageSet) => set.classes.map((_, c) => s.labels.filter((l) => l === c).length);
    expect(count(validation)).toEqual([2, 4, 1, 1]); // round(n·0.2), at least 1, at most n − 1
    expect(count(train)).toEqual([8, 17, 2, 1]);
    const all = [...train.names, ...validation.names].sort();
    expect(all).toEqual([...set.names].sort());
    expect(new Set(all).size).toBe(set.size);
    expect(set.split({ valFraction: 0.2, seed: 7 }).validation.names).toEqual(validation.names);
    expect(set.split({ valFraction: 0.2, seed: 8 }).validation.names).not.toEqual(validation.names);
    expect(train.classes).toBe(set.classes);
  });

  it('split refuses a fraction outside (0, 1) and a class of one image, naming it', () => {
    expect(() => makeSet([4, 4]).split({ valFraction: 1, seed: 0 })).toThrow('split: valFraction must be in (0, 1), got 1');
    expect(() => makeSet([4, 1]).split({ valFraction: 0.5 })).toThrow("split: class 'class1' has 1 image(s); each class needs at least 2 to be split");
  });

  it('shuffled batches cover every image once, labels follow their images, the same order for the same seed', async () => {
    const set = makeSet([5, 6]);
    const run = async (seed: number) => {
      const out: { x: number[]; y: number[] }[] = [];
      const values = (t: Tensor) => (t as unknown as FakeTensor).values;
      for await (const b of set.batches({ batchSize: 4, shuffle: true, seed })) out.push({ x: values(b.x), y: values(b.y) });
      return out;
    };
    const a = await run(3);
    expect(a.map((b) => b.x.length)).toEqual([4, 4, 3]);
    const xs = a.flatMap((b) => b.x);
    expect([...xs].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(xs).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    a.forEach((b) => b.x.forEach((i, j) => expect(b.y[j]).toBe(set.labels[i])));
    expect(await run(3)).toEqual(a);
  });

  it('decodes batch k + 1 while the caller trains on batch k (order of events)', async () => {
    const log: string[] = [];
    const set = makeSet([4, 4], log);
    for await (const b of set.batches({ batchSize: 2 })) {
      const k = (b.x as unknown as FakeTensor).values[0]! / 2;
      log.push(`train ${k}`);
      await new Promise((r) => setTimeout(r, 5)); // the GPU step: awaits let the next decode run
      log.push(`trained ${k}`);
    }
    expect(log).toEqual([
      'decode 0', 'decode 1', 'yield 0', 'train 0', 'trained 0',
      'decode 2', 'yield 1', 'train 1', 'trained 1',
      'fence 0', 'decode 3', 'yield 2', 'train 2', 'trained 2',
      'fence 1', 'yield 3', 'train 3', 'trained 3',
    ]);
  });

  it('makes batch k only once the GPU has finished the work on batch k − 2 (backpressure, order of events)', async () => {
    const log: string[] = [];
    const gpuDone: Array<() => void> = [];
    const fence = () => new Promise<void>((resolve) => {
      const j = gpuDone.length;
      gpuDone.push(() => {
        log.push(`gpu done ${j}`);
        resolve();
      });
    });
    const set = makeSet([6, 6], log, fence);
    const batches = set.batches({ batchSize: 2 })[Symbol.asyncIterator]();
    await batches.next();
    await batches.next(); // asking for batch 1 took the fence of the work on batch 0
    const third = batches.next();
    await new Promise((r) => setTimeout(r, 20)); // decodes are done long before: only the fence holds batch 2
    expect(log).toEqual(['decode 0', 'decode 1', 'yield 0', 'decode 2', 'yield 1']);
    gpuDone[0]!();
    await third;
    expect(log.slice(5)).toEqual(['gpu done 0', 'fence 0', 'decode 3', 'yield 2']);
    let seen = 3;
    for (;;) {
      gpuDone.splice(0).forEach((done) => done());
      if ((await batches.next()).done) break;
      seen++;
    }
    expect(seen).toBe(6);
  });

  it('stops between batches on an abort, and an early break leaves no decode running', async () => {
    const log: string[] = [];
    const set = makeSet([4, 4], log);
    const controller = new AbortController();
    let seen = 0;
    for await (const _ of set.batches({ batchSize: 2, signal: controller.signal })) {
      seen++;
      controller.abort();
    }
    expect(seen).toBe(1);
    log.length = 0;
    for await (const _ of set.batches({ batchSize: 2 })) break;
    expect(log).toEqual(['decode 0', 'decode 1', 'yield 0']);
  });

  it('refuses bad batch options and out-of-range subsets before any work', () => {
    const set = makeSet([2, 2]);
    expect(() => set.batches({ batchSize: 0 })).toThrow('batches: batchSize must be a positive integer, got 0');
    expect(() => set.batches({ batchSize: 2, shufle: true } as never)).toThrow('batches: unknown option(s) shufle');
    expect(() => set.subset([0, 4])).toThrow('subset: index 4 is out of range for 4 images');
    expect(() => set.withInput({ ...INPUT, channels: 2 as 1 })).toThrow('ImageSet: input.channels must be 1 or 3, got 2');
  });
});
