#!/usr/bin/env node
// The one Fashion-MNIST tool: reads Debian's dataset-fashion-mnist (gzipped idx files in
// /usr/share/datasets/fashion-mnist; `apt install dataset-fashion-mnist`) and writes what experiments, tests
// and benchmarks use. No dependency: Node's zlib, a small PNG writer and a seeded choice, so a run is repeatable.
//
//   node tools/fashion-mnist.mjs --folders OUT [--per-class N] [--size S] [--split train|test] [--classes 0-4] [--seed 0]
//       OUT/<class>/<n>.png, 8-bit grey PNGs of S×S (bilinear from 28×28 when S ≠ 28), n = 0..N-1 per class,
//       the class folders named as below: torchvision's ImageFolder layout. N images of each class are drawn
//       by a seeded shuffle of that class's images (all of them without --per-class).
//   node tools/fashion-mnist.mjs --subsets [--out data/fashion-mnist]
//       the committed uint8 subsets (SUBSETS below): gzipped idx files in the source's own format, plus
//       subsets.json saying what they are. Rerunning it rewrites the same bytes.
//   --source DIR reads the idx files from DIR instead (tests/unit/fashion-mnist-tool.test.ts uses a small one).
//
// The committed subsets: 200 images of each of the 10 classes from the training split and 100 of each from
// the test split (3,000 images, about 1.3 MB gzipped), in original order. Enough for the issue's transfer runs
// (100 training images per class plus a validation share, 100 held-out test images per class); the scale
// benchmark writes its 10,000 images with --folders from the Debian files instead.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync, gunzipSync, gzipSync } from 'node:zlib';

export const SOURCE = '/usr/share/datasets/fashion-mnist';
export const CLASSES = ['t-shirt-top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];
export const SUBSETS = { train: { perClass: 200, seed: 0 }, test: { perClass: 100, seed: 0 } };
const FILES = { train: 'train', test: 't10k' };

/** One split of an idx dataset: `images` (count × rows × cols bytes) and `labels` (count bytes). */
export function readSplit(source, split) {
  const stem = FILES[split];
  if (!stem) throw new Error(`fashion-mnist: --split must be train or test, got ${split}`);
  const read = (kind) => {
    const file = path.join(source, `${stem}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte.gz`);
    try {
      return gunzipSync(readFileSync(file));
    } catch (e) {
      const hint = source === SOURCE ? ' (apt install dataset-fashion-mnist)' : '';
      throw new Error(`fashion-mnist: cannot read ${file}${hint}: ${e instanceof Error ? e.message : e}`);
    }
  };
  const img = read('images');
  const lab = read('labels');
  const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (view(img).getUint32(0) !== 0x803 || view(lab).getUint32(0) !== 0x801) throw new Error(`fashion-mnist: ${source}: not idx files (bad magic number)`);
  const count = view(img).getUint32(4);
  const rows = view(img).getUint32(8);
  const cols = view(img).getUint32(12);
  if (view(lab).getUint32(4) !== count) throw new Error(`fashion-mnist: ${split}: ${count} images but ${view(lab).getUint32(4)} labels`);
  return { count, rows, cols, images: img.subarray(16, 16 + count * rows * cols), labels: lab.subarray(8, 8 + count) };
}

/** mulberry32: a tiny seeded generator of floats in [0, 1). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** For each class, up to `perClass` of its image indices, drawn by a seeded Fisher–Yates shuffle (all when perClass is null). */
export function choose(labels, classes, perClass, seed) {
  const next = random(seed);
  return classes.map((c) => {
    const idx = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) idx.push(i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return perClass === null ? idx : idx.slice(0, perClass);
  });
}

/** Bilinear resize of a grey image (half-pixel centres, edges clamped: align_corners=False, no antialiasing). */
export function resizeBilinear(src, w, h, outW, outH) {
  if (outW === w && outH === h) return Uint8Array.from(src);
  const out = new Uint8Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(Math.max((y + 0.5) * (h / outH) - 0.5, 0), h - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = sy - y0;
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(Math.max((x + 0.5) * (w / outW) - 0.5, 0), w - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = sx - x0;
      const top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
      const bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
      out[y * outW + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit greyscale PNG (colour type 0, no interlace, filter 0 on every row) of `pixels` (width × height bytes). */
export function encodeGrayPng(pixels, width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, grey, deflate, filter method 0, no interlace
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** "0-4", "0,2,9" or class names ("sandal,bag") → class indices. */
export function parseClasses(text) {
  const out = [];
  for (const part of text.split(',')) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) for (let c = Number(range[1]); c <= Number(range[2]); c++) out.push(c);
    else if (/^\d+$/.test(part)) out.push(Number(part));
    else if (CLASSES.includes(part)) out.push(CLASSES.indexOf(part));
    else throw new Error(`fashion-mnist: unknown class ${JSON.stringify(part)} (0-9 or ${CLASSES.join(', ')})`);
  }
  const bad = out.filter((c) => c < 0 || c > 9);
  if (bad.length > 0) throw new Error(`fashion-mnist: classes are 0-9, got ${bad.join(', ')}`);
  return [...new Set(out)];
}

/** Writes OUT/<class>/<n>.png; returns the number of images per class written. */
export function writeFolders({ source = SOURCE, out, perClass = null, size = 28, split = 'train', classes = CLASSES.map((_, i) => i), seed = 0 }) {
  const data = readSplit(source, split);
  const chosen = choose(data.labels, classes, perClass, seed);
  const px = data.rows * data.cols;
  classes.forEach((c, k) => {
    const dir = path.join(out, CLASSES[c]);
    mkdirSync(dir, { recursive: true });
    chosen[k].forEach((i, n) => {
      const img = resizeBilinear(data.images.subarray(i * px, (i + 1) * px), data.cols, data.rows, size, size);
      writeFileSync(path.join(dir, `${n}.png`), encodeGrayPng(img, size, size));
    });
  });
  return Object.fromEntries(classes.map((c, k) => [CLASSES[c], chosen[k].length]));
}

function idx(magic, dims, body) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([head, body]), { level: 9 });
}

/** Writes the committed subsets (SUBSETS) under `out` as gzipped idx files and subsets.json. */
export function writeSubsets({ source = SOURCE, out = 'data/fashion-mnist' }) {
  mkdirSync(out, { recursive: true });
  const card = { source: 'Debian dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)', classes: CLASSES, splits: {} };
  for (const [split, { perClass, seed }] of Object.entries(SUBSETS)) {
    const data = readSplit(source, split);
    const picked = choose(data.labels, CLASSES.map((_, i) => i), perClass, seed).flat().sort((a, b) => a - b);
    const px = data.rows * data.cols;
    const images = Buffer.concat(picked.map((i) => data.images.subarray(i * px, (i + 1) * px)));
    const labels = Buffer.from(picked.map((i) => data.labels[i]));
    const stem = `${split}-${perClass}`;
    writeFileSync(path.join(out, `${stem}-images-idx3-ubyte.gz`), idx(0x803, [picked.length, data.rows, data.cols], images));
    writeFileSync(path.join(out, `${stem}-labels-idx1-ubyte.gz`), idx(0x801, [picked.length], labels));
    card.splits[split] = { perClass, seed, count: picked.length, files: `${stem}-{images-idx3,labels-idx1}-ubyte.gz`, order: 'original index' };
  }
  card.command = 'node tools/fashion-mnist.mjs --subsets';
  card.format = 'idx (big-endian magic 0x803 / 0x801, then dimensions, then uint8 pixels or labels), gzipped; readSplit() reads it';
  writeFileSync(path.join(out, 'subsets.json'), `${JSON.stringify(card, null, 2)}\n`);
  return card;
}

function parseArgs(argv) {
  const args = { folders: null, subsets: false, out: undefined, perClass: null, size: 28, split: 'train', classes: undefined, seed: 0, source: SOURCE };
  const int = (flag, v) => {
    if (!/^\d+$/.test(v ?? '') || Number(v) < 1) throw new Error(`fashion-mnist: ${flag} needs a positive integer, got ${v}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--folders') (args.folders = v), i++;
    else if (a === '--subsets') args.subsets = true;
    else if (a === '--out') (args.out = v), i++;
    else if (a === '--per-class') (args.perClass = int(a, v)), i++;
    else if (a === '--size') (args.size = int(a, v)), i++;
    else if (a === '--split') (args.split = v), i++;
    else if (a === '--classes') (args.classes = parseClasses(v ?? '')), i++;
    else if (a === '--seed') (args.seed = Number(v)), i++;
    else if (a === '--source') (args.source = v), i++;
    else throw new Error(`fashion-mnist: unknown argument ${a}\n${USAGE}`);
  }
  if (!args.folders && !args.subsets) throw new Error(USAGE);
  return args;
}

const USAGE =
  'usage: node tools/fashion-mnist.mjs --folders OUT [--per-class N] [--size S] [--split train|test] [--classes 0-4] [--seed 0]\n' +
  '       node tools/fashion-mnist.mjs --subsets [--out data/fashion-mnist]';

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const a = parseArgs(process.argv.slice(2));
    if (a.folders) {
      const counts = writeFolders({ source: a.source, out: a.folders, perClass: a.perClass, size: a.size, split: a.split, classes: a.classes, seed: a.seed });
      console.log(`wrote ${Object.values(counts).reduce((s, n) => s + n, 0)} PNGs of ${a.size}×${a.size} under ${a.folders}: ${JSON.stringify(counts)}`);
    }
    if (a.subsets) {
      const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
      const out = a.out ?? path.join(repo, 'data', 'fashion-mnist');
      const card = writeSubsets({ source: a.source, out });
      console.log(`wrote the subsets under ${out}: ${Object.entries(card.splits).map(([s, v]) => `${s} ${v.count}`).join(', ')}`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}
