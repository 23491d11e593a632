// Images in Node: file paths, Buffers and class-per-folder directories (torchvision's ImageFolder layout),
// decoded by `sharp`, an optional peer dependency loaded on first use. Every Node module is imported through a
// hidden specifier, so bundlers resolve none of them, and package.json's `browser` field swaps this file for
// node.browser.ts in web bundles.

import { EngineError } from '../engine/internal.ts';
import { byCodeUnits, collect, type Codec, type Entry, type LoadOptions } from './collect.ts';
import { resizedGeometry } from './geometry.ts';
import type { ImageSet } from './image-set.ts';
import type { InputSpec, RgbaImage } from './types.ts';

const SHARP_HINT = 'decoding images in Node needs the `sharp` package: npm install sharp';

interface SharpPipeline {
  rotate(): SharpPipeline;
  resize(options: { width: number; height: number; fit: 'fill' }): SharpPipeline;
  raw(): SharpPipeline;
  metadata(): Promise<{ width?: number; height?: number; orientation?: number }>;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Uint8Array; info: { width: number; height: number; channels: number } }>;
}
type Sharp = (input: Uint8Array, options?: { failOn?: 'none' | 'truncated' | 'error' | 'warning' }) => SharpPipeline;

interface FsPromises {
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string, options: { withFileTypes: true }): Promise<{ name: string; isDirectory(): boolean; isFile(): boolean }[]>;
}

const hidden = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

let sharpModule: Promise<Sharp> | undefined;

/** The error for a `sharp` that did not load: it names the package and the install command. */
export function sharpLoadError(e: unknown): EngineError {
  const code = (e as { code?: string }).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return new EngineError(`sharp is not installed: ${SHARP_HINT}`);
  return new EngineError(`the \`sharp\` package failed to load (${e instanceof Error ? e.message : String(e)}); ${SHARP_HINT}`);
}

/** The `sharp` function; rejects with an error naming the package and its install command when it is missing. */
export function loadSharp(): Promise<Sharp> {
  sharpModule ??= hidden('sharp').then(
    (m) => {
      const fn = (m as { default?: unknown }).default ?? m;
      if (typeof fn !== 'function') throw new EngineError(`the \`sharp\` package loaded but exports no function; ${SHARP_HINT}`);
      return fn as Sharp;
    },
    (e: unknown) => {
      sharpModule = undefined; // a later call may find it installed
      throw sharpLoadError(e);
    },
  );
  return sharpModule;
}

const fs = () => hidden('node:fs/promises') as Promise<FsPromises>;

/** sharp's raw output (1 to 4 channels) as RGBA. */
function toRgba(data: Uint8Array, width: number, height: number, channels: number): RgbaImage {
  if (channels === 4) return { data: new Uint8Array(data.buffer, data.byteOffset, width * height * 4), width, height };
  const out = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    const gray = channels <= 2;
    out[p * 4] = data[s]!;
    out[p * 4 + 1] = data[gray ? s : s + 1]!;
    out[p * 4 + 2] = data[gray ? s : s + 2]!;
    out[p * 4 + 3] = channels === 2 ? data[s + 1]! : 255;
  }
  return { data: out, width, height };
}

/**
 * Decodes an image file (a path) or its bytes to RGBA, turned upright by its EXIF orientation as browsers do;
 * resized for `input` (straight to its size, or its shorter side to resizeShorter) when given.
 */
export async function decodeNode(source: string | Uint8Array, input?: InputSpec): Promise<RgbaImage> {
  const sharp = await loadSharp();
  const bytes = typeof source === 'string' ? await (await fs()).readFile(source) : source;
  let pipeline = sharp(bytes, { failOn: 'error' }).rotate();
  if (input) {
    const meta = await sharp(bytes).metadata();
    const swap = (meta.orientation ?? 1) >= 5; // EXIF orientations 5–8 turn the image a quarter
    const [w, h] = swap ? [meta.height ?? 0, meta.width ?? 0] : [meta.width ?? 0, meta.height ?? 0];
    const g = resizedGeometry(w, h, input);
    pipeline = pipeline.resize({ width: g.rw, height: g.rh, fit: 'fill' });
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return toRgba(data, info.width, info.height, info.channels);
}

/** The Node codec: paths are read, bytes are held, sharp decodes. */
export const nodeCodec: Codec<string | Uint8Array> = {
  ready: async () => void (await loadSharp()),
  bytes: async (s) => (typeof s === 'string' ? (await fs()).readFile(s) : s),
  decode: (s, input) => (s instanceof Blob ? s.arrayBuffer().then((b) => decodeNode(new Uint8Array(b), input)) : decodeNode(s, input)),
};

export const nodeHeldDecode = (b: Uint8Array | Blob): Promise<RgbaImage> => nodeCodec.decode(b);

/** Every file under `dir` (recursively, sorted; hidden entries such as .DS_Store left out), as paths joined with '/'. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const all = await (await fs()).readdir(dir, { withFileTypes: true });
  const items = all.filter((i) => !i.name.startsWith('.')).sort((a, b) => byCodeUnits(a.name, b.name));
  for (const item of items) {
    const path = `${dir}/${item.name}`;
    if (item.isDirectory()) out.push(...(await filesUnder(path)));
    else if (item.isFile()) out.push(path);
  }
  return out;
}

/**
 * A class-per-folder directory (torchvision's ImageFolder): `dir/<class>/**` are that class's images, classes
 * sorted by name. Files directly in `dir`, and files that are not images, are skipped with a warning; hidden
 * entries (.DS_Store, .ipynb_checkpoints: names starting with a dot) are left out silently, unlike ImageFolder.
 */
export async function fromFolder(dir: string, options: LoadOptions = {}): Promise<ImageSet> {
  const op = 'fromFolder';
  const root = dir.replace(/\/+$/, '') || '/';
  let items;
  try {
    items = await (await fs()).readdir(root, { withFileTypes: true });
  } catch (e) {
    throw new EngineError(`${op}: cannot read the folder '${dir}': ${e instanceof Error ? e.message : String(e)}`);
  }
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const visible = items.filter((i) => !i.name.startsWith('.'));
  const classes = visible.filter((i) => i.isDirectory()).map((i) => i.name).sort(byCodeUnits);
  for (const i of visible) if (i.isFile()) warn(`${op}: skipped '${root}/${i.name}': not in a class folder`);
  const entries: Entry<string>[] = [];
  for (const className of classes) for (const path of await filesUnder(`${root}/${className}`)) entries.push({ className, name: path, source: path });
  return collect(op, classes, entries, nodeCodec, nodeHeldDecode, options);
}
