// Images in the page (src/data/browser.ts): PNG bytes made here become Blobs and Files in the page, decoded by the
// browser (createImageBitmap), read as a picked folder (root/<class>/…) with a broken file skipped and named;
// ImageBitmap, <img>, canvas, OffscreenCanvas, VideoFrame and ImageData sources through fromClasses; GPU batches
// with the right values and labels, the next batch decoded before the current one is handed out, nothing leaked.

import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage, type Engine } from '../harness/gpu.ts';

/** A w×h PNG of one colour, and a w×h PNG whose red is x·20 + seed, green y·20, blue 90. */
async function solid(w: number, h: number, rgb: [number, number, number]): Promise<number[]> {
  return Array.from(await sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer());
}
async function ramp(w: number, h: number, seed: number): Promise<{ png: number[]; rgba: number[] }> {
  const raw = new Uint8Array(w * h * 3);
  const rgba: number[] = [];
  for (let p = 0; p < w * h; p++) {
    const v = [((p % w) * 20 + seed) & 255, Math.floor(p / w) * 20, 90];
    raw.set(v, p * 3);
    rgba.push(...v, 255);
  }
  return { png: Array.from(await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()), rgba };
}

describe('data: images in the page', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('reads a picked folder from Blobs and Files: classes sorted, exact pixels, a broken file skipped and named', async () => {
    const images = await Promise.all([0, 1, 2, 3, 4].map((s) => ramp(5, 3, s * 7)));
    const got = await gpu.run(async (_E: Engine, H, pngs: number[][]) => {
      const D = await H.data();
      const blob = (bytes: number[]) => new Blob([new Uint8Array(bytes)], { type: 'image/png' });
      const files = [
        { path: 'root/zebra/a.png', file: blob(pngs[0]!) },
        { path: 'root/zebra/b.png', file: new File([new Uint8Array(pngs[1]!)], 'b.png') },
        { path: 'root/ant/c.png', file: blob(pngs[2]!) },
        { path: 'root/ant/sub/d.png', file: blob(pngs[3]!) },
        { path: 'root/ant/notes.txt', file: new Blob(['hello']) },
        { path: 'root/zebra/cut.png', file: blob(pngs[4]!.slice(0, 40)) },
        { path: 'root/readme.png', file: blob(pngs[4]!) },
      ];
      const warnings: string[] = [];
      const set = await D.fromFiles(files, { onWarning: (m) => warnings.push(m) });
      const decoded = await set.decodeImages([0, 1, 2, 3]);
      const errors: string[] = [];
      for (const bad of [[files[0]!, files[2]!, files[3]!], [new File([new Uint8Array(pngs[0]!)], 'loose.png')]]) {
        await D.fromFiles(bad, { onWarning: () => {} }).catch((e: Error) => errors.push(e.message));
      }
      return {
        classes: set.classes,
        labels: Array.from(set.labels),
        names: set.names,
        warnings: warnings.sort(),
        decoded: decoded.map((d) => Array.from(d.data)),
        errors,
      };
    }, images.map((i) => i.png));
    expect(got.classes).toEqual(['ant', 'zebra']);
    expect(got.labels).toEqual([0, 0, 1, 1]);
    expect(got.names).toEqual(['root/ant/c.png', 'root/ant/sub/d.png', 'root/zebra/a.png', 'root/zebra/b.png']);
    expect(got.warnings).toEqual([
      expect.stringMatching(/^fromFiles: skipped 'root\/ant\/notes\.txt': not an image or it failed to decode/),
      "fromFiles: skipped 'root/readme.png': not in a class folder",
      expect.stringMatching(/^fromFiles: skipped 'root\/zebra\/cut\.png': not an image or it failed to decode/),
    ]);
    expect(got.decoded).toEqual([images[2]!.rgba, images[3]!.rgba, images[0]!.rgba, images[1]!.rgba]);
    expect(got.errors).toEqual([
      "fromFiles: class 'zebra' has 1 image(s) that decode; each class needs at least 2",
      "fromFiles: 'loose.png' has no folder path: pick a folder (webkitdirectory), pass { path, file }, or use fromClasses",
    ]);
  });

  it('takes ImageBitmap, <img>, canvas, OffscreenCanvas, VideoFrame and ImageData, held as pixels at the input size', async () => {
    const png = await solid(6, 4, [200, 100, 50]);
    const got = await gpu.run(async (_E: Engine, H, bytes: number[]) => {
      const D = await H.data();
      const blob = new Blob([new Uint8Array(bytes)], { type: 'image/png' });
      const img = new Image();
      img.src = URL.createObjectURL(blob);
      const canvas = document.createElement('canvas');
      canvas.width = 6;
      canvas.height = 4;
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = 'rgb(10, 20, 30)';
      ctx.fillRect(0, 0, 6, 4);
      const off = new OffscreenCanvas(8, 8);
      off.getContext('2d')!.drawImage(canvas, 0, 0, 8, 8);
      const frame = new VideoFrame(canvas, { timestamp: 0 });
      const data = new ImageData(new Uint8ClampedArray(6 * 4 * 4).map((_, i) => (i % 4 === 3 ? 255 : 10)), 6, 4);
      const input = { size: [2, 3] as [number, number], channels: 3 as const, resizeShorter: null, mean: [0, 0, 0], std: [1, 1, 1] };
      const set = await D.fromClasses(
        { png: [await createImageBitmap(blob), img], drawn: [canvas, off, frame, data] },
        {
          input,
          onWarning: (m) => {
            throw new Error(m);
          },
        },
      );
      frame.close();
      const decoded = await set.decodeImages([0, 1, 2, 3, 4, 5]);
      return decoded.map((d) => [d.width, d.height, ...Array.from(d.data.slice(0, 4))]);
    }, png);
    expect(got).toEqual([
      [3, 2, 200, 100, 50, 255], [3, 2, 200, 100, 50, 255],
      [3, 2, 10, 20, 30, 255], [3, 2, 10, 20, 30, 255], [3, 2, 10, 20, 30, 255], [3, 2, 10, 10, 10, 255],
    ]);
  });

  it('makes GPU batches: values and labels, shuffled by seed, next batch decoded first, nothing leaked', async () => {
    const colours: [number, number, number][] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30], [200, 200, 200], [90, 60, 30], [0, 0, 0]];
    const pngs = await Promise.all(colours.map((c, i) => solid(4 + i, 6, c)));
    const got = await gpu.run(async (E: Engine, H, bytes: number[][]) => {
      const D = await H.data();
      const log: string[] = [];
      const input = { size: [3, 3] as [number, number], channels: 1 as const, resizeShorter: null, mean: [0.5], std: [0.25] };
      const files = bytes.map((b, i) => ({ path: `r/${i < 3 ? 'a' : 'b'}/${i}.png`, file: new Blob([new Uint8Array(b)]) }));
      const set = await D.fromFiles(files, { input, trace: (e) => log.push(e) });
      const before = E.memoryStats().inUse;
      const batches: { shape: number[]; x: number[]; y: number[] }[] = [];
      for await (const { x, y } of set.batches({ batchSize: 3, shuffle: true, seed: 5 })) {
        const k = batches.length;
        log.push(`train ${k}`);
        batches.push({ shape: [...x.shape], x: Array.from(await x.data()), y: Array.from(await y.data()) });
        x.dispose();
        y.dispose();
      }
      const order = Array.from(E.internal.randperm(7, { seed: 5 }));
      return { batches, log, order, leaked: E.memoryStats().inUse - before, names: set.names };
    }, pngs);
    const luma = (c: number[]) => ((0.2989 * c[0]! + 0.587 * c[1]! + 0.114 * c[2]!) / 255 - 0.5) / 0.25;
    expect(got.batches.map((b) => b.shape)).toEqual([[3, 1, 3, 3], [3, 1, 3, 3], [1, 1, 3, 3]]);
    const seen = got.batches.flatMap((b) => b.y);
    expect(seen).toEqual(got.order.map((i) => (i < 3 ? 0 : 1)));
    got.batches.forEach((b, k) => {
      b.y.forEach((_, j) => {
        const colour = colours[got.order[k * 3 + j]!]!;
        for (const v of b.x.slice(j * 9, j * 9 + 9)) expect(v).toBeCloseTo(luma(colour), 4);
      });
    });
    // 'fence 0': batch 2 was made once the GPU had finished the work recorded on batch 0 (backpressure, prefetch.ts)
    expect(got.log).toEqual(['decode 0', 'decode 1', 'yield 0', 'train 0', 'decode 2', 'yield 1', 'train 1', 'fence 0', 'yield 2', 'train 2']);
    expect(got.leaked).toBe(0);
  });
  it('prepares training batches on the GPU (a kernel trace shows the resize), augmented batches repeat by seed', async () => {
    const colours: [number, number, number][] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]];
    const pngs = await Promise.all(colours.map((c, i) => solid(9 + i, 12, c)));
    const got = await gpu.run(async (E: Engine, H, bytes: number[][]) => {
      const D = await H.data();
      const input = { size: [6, 6] as [number, number], channels: 3 as const, resizeShorter: null, mean: [0, 0, 0], std: [1, 1, 1] };
      const files = bytes.map((b, i) => ({ path: `r/${i < 2 ? 'a' : 'b'}/${i}.png`, file: new Blob([new Uint8Array(b)]) }));
      const set = await D.fromFiles(files, { input });
      const before = E.memoryStats().inUse;
      const epoch = async (augment: boolean) => {
        const xs: number[][] = [];
        for await (const { x, y } of set.batches({ batchSize: 4, shuffle: true, seed: 3, augment })) {
          xs.push(Array.from(await x.data()));
          x.dispose();
          y.dispose();
        }
        return xs;
      };
      const traced = await E.internal.traceLaunches(async () => {
        for await (const { x, y } of set.batches({ batchSize: 4 })) {
          x.dispose();
          y.dispose();
        }
      });
      const [a, b, plain] = [await epoch(true), await epoch(true), await epoch(false)];
      return { traced: traced.map((l) => `${l.op}:${l.kernel}`), a, b, plain, leaked: E.memoryStats().inUse - before };
    }, pngs);
    expect(got.traced).toContain('batches:image_resize');
    expect(got.a).toEqual(got.b); // the same seed gives the same augmented batches
    expect(got.a).not.toEqual(got.plain); // and augmentation changed them
    expect(got.a.flat().every(Number.isFinite)).toBe(true);
    expect(got.leaked).toBe(0);
  });
});
