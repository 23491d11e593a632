// Node decoding with sharp on PNGs written here: exact pixels (RGB, gray, RGBA), EXIF-free resizing for held
// pixels, and the ImageFolder loader: sorted classes, files that are not images skipped with a warning naming
// them, fewer than two classes or a class with fewer than two images an error naming it.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNode, fromClasses, fromFolder, type InputSpec } from './index.ts';

const SMALL: InputSpec = { size: [4, 4], channels: 1, resizeShorter: null, mean: [0], std: [1] };

/** A w×h image whose pixel (x, y) is (x·16 + seed, y·16, 200 − x − y), as PNG bytes with `channels` channels. */
async function png(w: number, h: number, seed: number, channels: 1 | 3 | 4 = 3): Promise<{ bytes: Buffer; rgba: Uint8Array }> {
  const raw = new Uint8Array(w * h * channels);
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const v = [(x * 16 + seed) & 255, (y * 16) & 255, 200 - x - y, 100 + x];
      for (let c = 0; c < channels; c++) raw[p * channels + c] = v[c]!;
      const gray = channels === 1;
      rgba.set([v[0]!, gray ? v[0]! : v[1]!, gray ? v[0]! : v[2]!, channels === 4 ? v[3]! : 255], p * 4);
    }
  }
  const bytes = await sharp(raw, { raw: { width: w, height: h, channels } }).png().toBuffer();
  return { bytes, rgba };
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wgt-data-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('Node images (sharp)', () => {
  it('decodes RGB, gray and RGBA PNGs from bytes and from paths to exact RGBA pixels', async () => {
    const dir = tempDir();
    for (const channels of [3, 1, 4] as const) {
      const { bytes, rgba } = await png(7, 5, channels, channels);
      const fromBytes = await decodeNode(bytes);
      expect([fromBytes.width, fromBytes.height]).toEqual([7, 5]);
      expect(Array.from(fromBytes.data)).toEqual(Array.from(rgba));
      writeFileSync(join(dir, `c${channels}.png`), bytes);
      const fromPath = await decodeNode(join(dir, `c${channels}.png`));
      expect(Array.from(fromPath.data)).toEqual(Array.from(rgba));
    }
  });

  it('resizes for an input spec when asked (straight to size, or shorter side to resizeShorter)', async () => {
    const { bytes } = await png(12, 8, 0);
    const straight = await decodeNode(bytes, SMALL);
    expect([straight.width, straight.height, straight.data.length]).toEqual([4, 4, 64]);
    const shorter = await decodeNode(bytes, { ...SMALL, size: [4, 4], resizeShorter: 6 });
    expect([shorter.width, shorter.height]).toEqual([9, 6]); // torchvision: long = trunc(6·12/8)
  });

  it('rejects bytes that are not an image, and a truncated PNG', async () => {
    await expect(decodeNode(new TextEncoder().encode('not an image'))).rejects.toThrow();
    const { bytes } = await png(32, 32, 1);
    await expect(decodeNode(bytes.subarray(0, bytes.length - 40))).rejects.toThrow();
  });

  it('reads an ImageFolder: classes sorted, files in order, broken files skipped with a warning naming them', async () => {
    const root = tempDir();
    const layout: Record<string, number> = { 'zebra': 3, 'Ant': 2, 'cat': 4 };
    for (const [cls, n] of Object.entries(layout)) {
      mkdirSync(join(root, cls, 'nested'), { recursive: true });
      for (let i = 0; i < n; i++) writeFileSync(join(root, cls, i === 0 ? `nested/${i}.png` : `${i}.png`), (await png(6, 6, i)).bytes);
    }
    writeFileSync(join(root, 'cat', 'notes.txt'), 'hello');
    const { bytes } = await png(32, 32, 9);
    writeFileSync(join(root, 'zebra', 'broken.png'), bytes.subarray(0, bytes.length - 40));
    writeFileSync(join(root, 'stray.png'), bytes);
    const warnings: string[] = [];
    const set = await fromFolder(root, { onWarning: (m) => warnings.push(m), input: SMALL });
    expect(set.classes).toEqual(['Ant', 'cat', 'zebra']); // code-unit order, as Python's sorted()
    expect(set.size).toBe(9);
    expect(Array.from(set.labels)).toEqual([0, 0, 1, 1, 1, 1, 2, 2, 2]);
    expect(set.names.map((n) => n.slice(root.length + 1))).toEqual([
      'Ant/1.png', 'Ant/nested/0.png', 'cat/1.png', 'cat/2.png', 'cat/3.png', 'cat/nested/0.png', 'zebra/1.png', 'zebra/2.png', 'zebra/nested/0.png',
    ]);
    expect(warnings.sort()).toEqual([
      expect.stringMatching(/^fromFolder: skipped '.*\/cat\/notes\.txt': not an image/),
      expect.stringMatching(/^fromFolder: skipped '.*\/stray\.png': not in a class folder/),
      expect.stringMatching(/^fromFolder: skipped '.*\/zebra\/broken\.png': not an image/),
    ]);
    // Held as file bytes: the decoded images are the PNGs' pixels.
    const [first] = await set.decodeImages([1]);
    expect(Array.from(first!.data)).toEqual(Array.from((await png(6, 6, 0)).rgba));
    // Held as pixels: resized for the input at load time.
    const held = await fromFolder(root, { onWarning: () => {}, input: SMALL, hold: 'pixels' });
    const [px] = await held.decodeImages([0]);
    expect([px!.width, px!.height]).toEqual([4, 4]);
  });

  it('errors name the class with fewer than two images, and too few classes', async () => {
    const root = tempDir();
    for (const [cls, n] of [['a', 2], ['b', 1]] as const) {
      mkdirSync(join(root, cls));
      for (let i = 0; i < n; i++) writeFileSync(join(root, cls, `${i}.png`), (await png(4, 4, i)).bytes);
    }
    mkdirSync(join(root, 'empty'));
    await expect(fromFolder(root, { onWarning: () => {} })).rejects.toThrow("fromFolder: class 'b' has 1 image(s) that decode; each class needs at least 2");
    rmSync(join(root, 'b'), { recursive: true });
    await expect(fromFolder(root, { onWarning: () => {} })).rejects.toThrow("fromFolder: class 'empty' has 0 image(s)");
    rmSync(join(root, 'empty'), { recursive: true });
    await expect(fromFolder(root)).rejects.toThrow("fromFolder: found 1 class(es) ('a'); at least 2 are needed");
    await expect(fromFolder(join(root, 'nope'))).rejects.toThrow(/fromFolder: cannot read the folder '.*nope'/);
    await expect(fromFolder(root, { hold: 'compressed' as 'encoded' })).rejects.toThrow("fromFolder: hold must be 'encoded' or 'pixels', got compressed");
  });

  it('fromClasses takes paths and Buffers, classes in the given order', async () => {
    const dir = tempDir();
    const a = await png(5, 5, 1);
    writeFileSync(join(dir, 'a.png'), a.bytes);
    const warnings: string[] = [];
    const set = await fromClasses(
      { dog: [join(dir, 'a.png'), (await png(5, 5, 2)).bytes], cat: [(await png(5, 5, 3)).bytes, (await png(5, 5, 4)).bytes, Buffer.from('junk')] },
      { onWarning: (m) => warnings.push(m) },
    );
    expect(set.classes).toEqual(['dog', 'cat']);
    expect(Array.from(set.labels)).toEqual([0, 0, 1, 1]);
    expect(warnings).toEqual([expect.stringMatching(/^fromClasses: skipped 'cat\/2': not an image/)]);
    expect(Array.from((await set.decodeImages([0]))[0]!.data)).toEqual(Array.from(a.rgba));
  });
});
