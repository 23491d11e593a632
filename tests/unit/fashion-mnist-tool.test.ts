// tools/fashion-mnist.mjs, run as a command: the PNGs it writes are parsed back here by a decoder of this file's
// own (chunks, CRCs, zlib, row filters), and each must be an image of its folder's class in the source, at the
// asked size. On a small synthetic idx source always; on Debian's dataset-fashion-mnist and against the
// committed subsets in data/fashion-mnist when that package is installed (.ci/run installs it).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const TOOL = path.join(REPO, 'tools/fashion-mnist.mjs');
const DEBIAN = '/usr/share/datasets/fashion-mnist';
const CLASSES = ['t-shirt-top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];
const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'fashion-tool-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tool(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [TOOL, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (b: Uint8Array): number => (b.reduce((c, x) => CRC[(c ^ x) & 0xff]! ^ (c >>> 8), 0xffffffff) ^ 0xffffffff) >>> 0;

/** An 8-bit grey PNG back to its pixels: checks the signature, every chunk's CRC, and the row filters (type 0 only). */
function decodeGrayPng(png: Buffer): { width: number; height: number; pixels: Uint8Array } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  for (;;) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    expect(png.readUInt32BE(at + 8 + len), `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8)]).toEqual([8, 0, 0, 0, 0]); // 8-bit, grey, deflate, filter 0, no interlace
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + len;
    if (type === 'IEND') break;
  }
  expect(at).toBe(png.length);
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe((width + 1) * height);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, pixels };
}

function idxGz(magic: number, dims: number[], body: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([head, body]));
}

/** A split of an idx source (gzipped) as images and labels. */
function readIdx(dir: string, stem: string): { images: Buffer[]; labels: number[] } {
  const img = gunzipSync(readFileSync(path.join(dir, `${stem}-images-idx3-ubyte.gz`)));
  const lab = gunzipSync(readFileSync(path.join(dir, `${stem}-labels-idx1-ubyte.gz`)));
  const count = img.readUInt32BE(4);
  const px = img.readUInt32BE(8) * img.readUInt32BE(12);
  return { images: Array.from({ length: count }, (_, i) => img.subarray(16 + i * px, 16 + (i + 1) * px)), labels: [...lab.subarray(8, 8 + count)] };
}

/** Every PNG under OUT/<class>/ decoded, with its folder's class index. */
function readFolders(out: string): { label: number; name: string; width: number; height: number; pixels: Uint8Array }[] {
  return readdirSync(out).flatMap((cls) =>
    readdirSync(path.join(out, cls)).map((name) => ({
      label: CLASSES.indexOf(cls),
      name: `${cls}/${name}`,
      ...decodeGrayPng(readFileSync(path.join(out, cls, name))),
    })),
  );
}

/** A synthetic source: 40 test images, label i % 4, every pixel distinct per image. */
function syntheticSource(): { dir: string; images: Buffer[]; labels: number[] } {
  const dir = temp();
  const n = 40;
  const pixel = (i: number, p: number): number => (i * 37 + (p % 28) * 3 + Math.floor(p / 28) * 5) & 255;
  const images = Array.from({ length: n }, (_, i) => Buffer.from(Array.from({ length: 784 }, (_, p) => pixel(i, p))));
  const labels = images.map((_, i) => i % 4);
  writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), idxGz(0x803, [n, 28, 28], Buffer.concat(images)));
  writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), idxGz(0x801, [n], Buffer.from(labels)));
  return { dir, images, labels };
}

const key = (b: Uint8Array): string => Buffer.from(b).toString('base64');

describe('tools/fashion-mnist.mjs --folders', () => {
  const src = syntheticSource();
  const labelOf = new Map(src.images.map((img, i) => [key(img), src.labels[i]!]));

  it('writes OUT/<class>/<n>.png at 28×28: each PNG decodes to an image of its folder’s class', () => {
    const out = temp();
    const r = tool('--folders', out, '--source', src.dir, '--split', 'test', '--per-class', '3', '--classes', '0-2');
    expect(r.code, r.out).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['pullover', 't-shirt-top', 'trouser']);
    const pngs = readFolders(out);
    expect(pngs.map((p) => p.name.split('/')[1]).sort()).toEqual(['0.png', '0.png', '0.png', '1.png', '1.png', '1.png', '2.png', '2.png', '2.png']);
    for (const p of pngs) {
      expect([p.width, p.height]).toEqual([28, 28]);
      expect(labelOf.get(key(p.pixels)), p.name).toBe(p.label);
    }
    expect(new Set(pngs.map((p) => key(p.pixels))).size).toBe(9);
  });

  it('resizes bilinearly: 28 → 14 is the rounded mean of each 2×2 block', () => {
    const out = temp();
    expect(tool('--folders', out, '--source', src.dir, '--split', 'test', '--per-class', '2', '--size', '14', '--classes', 'dress').code).toBe(0);
    const pngs = readFolders(out);
    expect(pngs).toHaveLength(2);
    const halves = new Map(
      src.images.map((img, i) => {
        const half = new Uint8Array(196);
        for (let y = 0; y < 14; y++) {
          for (let x = 0; x < 14; x++) {
            const s = img[2 * y * 28 + 2 * x]! + img[2 * y * 28 + 2 * x + 1]! + img[(2 * y + 1) * 28 + 2 * x]! + img[(2 * y + 1) * 28 + 2 * x + 1]!;
            half[y * 14 + x] = Math.round(s / 4);
          }
        }
        return [key(half), src.labels[i]!];
      }),
    );
    for (const p of pngs) {
      expect([p.width, p.height]).toEqual([14, 14]);
      expect(halves.get(key(p.pixels)), p.name).toBe(3);
    }
  });

  it('chooses by seed: the same seed writes the same bytes, another seed other images', () => {
    const [a, b, c] = [temp(), temp(), temp()];
    const args = ['--source', src.dir, '--split', 'test', '--per-class', '4', '--classes', '1'];
    expect(tool('--folders', a, ...args).code).toBe(0);
    expect(tool('--folders', b, ...args).code).toBe(0);
    expect(tool('--folders', c, ...args, '--seed', '5').code).toBe(0);
    const bytes = (d: string): string[] => [0, 1, 2, 3].map((n) => readFileSync(path.join(d, 'trouser', `${n}.png`)).toString('base64'));
    expect(bytes(b)).toEqual(bytes(a));
    expect(bytes(c)).not.toEqual(bytes(a));
  });

  it('refuses bad arguments with a message and exit code 1', () => {
    const split = tool('--folders', temp(), '--source', src.dir, '--split', 'valid');
    expect(split).toMatchObject({ code: 1, out: expect.stringContaining('--split must be train or test') });
    expect(tool('--folders', temp(), '--classes', 'hat')).toMatchObject({ code: 1, out: expect.stringContaining('unknown class "hat"') });
    expect(tool('--folders', temp(), '--size', '0')).toMatchObject({ code: 1, out: expect.stringContaining('--size needs a positive integer') });
    expect(tool('--folders', temp(), '--source', temp())).toMatchObject({ code: 1, out: expect.stringContaining('cannot read') });
    expect(tool()).toMatchObject({ code: 1, out: expect.stringContaining('usage:') });
  });
});

describe.skipIf(!existsSync(DEBIAN))("on Debian's dataset-fashion-mnist", () => {
  const test = existsSync(DEBIAN) ? readIdx(DEBIAN, 't10k') : { images: [], labels: [] };
  const labelOf = new Map(test.images.map((img, i) => [key(img), test.labels[i]!]));

  it('writes real images of the right class, all ten class names', () => {
    const out = temp();
    const r = tool('--folders', out, '--split', 'test', '--per-class', '2');
    expect(r.code, r.out).toBe(0);
    expect(readdirSync(out).sort()).toEqual([...CLASSES].sort());
    const pngs = readFolders(out);
    expect(pngs).toHaveLength(20);
    for (const p of pngs) expect(labelOf.get(key(p.pixels)), p.name).toBe(p.label);
  });

  it('the committed subsets are what --subsets writes, 200 / 100 per class, each image with its source label', () => {
    const out = temp();
    expect(tool('--subsets', '--out', out).code).toBe(0);
    const committed = path.join(REPO, 'data/fashion-mnist');
    for (const f of readdirSync(out)) expect(readFileSync(path.join(out, f)).equals(readFileSync(path.join(committed, f))), f).toBe(true);
    const train = readIdx(committed, 'train-200');
    const sub = readIdx(committed, 'test-100');
    expect(CLASSES.map((_, c) => train.labels.filter((l) => l === c).length)).toEqual(CLASSES.map(() => 200));
    expect(CLASSES.map((_, c) => sub.labels.filter((l) => l === c).length)).toEqual(CLASSES.map(() => 100));
    sub.images.forEach((img, i) => expect(labelOf.get(key(img))).toBe(sub.labels[i]));
  });
});
