// Images in the page: File/Blob, ImageBitmap, <img>, canvas, VideoFrame and ImageData, decoded by the browser
// itself (createImageBitmap, then an OffscreenCanvas's getImageData), never by a JavaScript decoder. A dropped or
// picked folder (<input type="file" webkitdirectory>) gives Files whose webkitRelativePath is root/<class>/…,
// torchvision's ImageFolder layout.

import { EngineError } from '../engine/internal.ts';
import { byCodeUnits, collect, type Codec, type Entry, type LoadOptions } from './collect.ts';
import { resizedGeometry } from './geometry.ts';
import type { ImageSet } from './image-set.ts';
import type { InputSpec, RgbaImage } from './types.ts';

/** What the browser can decode or draw. */
export type BrowserImageSource = Blob | ImageBitmap | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | VideoFrame | ImageData;

function checkBrowser(): void {
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') {
    throw new EngineError('decoding images here needs createImageBitmap and OffscreenCanvas (a browser or a worker); in Node use paths or Buffers with sharp');
  }
}

/** Decodes (or reads) a browser image to RGBA; resized by the browser for `input` (the held size) when given. */
export async function decodeBrowser(source: BrowserImageSource, input?: InputSpec): Promise<RgbaImage> {
  checkBrowser();
  if (typeof HTMLImageElement !== 'undefined' && source instanceof HTMLImageElement) await source.decode();
  // No colour management (torchvision and sharp here read the stored values); canvas keeps alpha premultiplied, so
  // colours under partial transparency lose precision (photos are opaque).
  let bitmap = await createImageBitmap(source, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    if (input) {
      const g = resizedGeometry(bitmap.width, bitmap.height, input);
      if (g.rw !== bitmap.width || g.rh !== bitmap.height) {
        const resized = await createImageBitmap(bitmap, { resizeWidth: g.rw, resizeHeight: g.rh, resizeQuality: 'high' });
        bitmap.close();
        bitmap = resized;
      }
    }
    const { width, height } = bitmap;
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new EngineError('decodeBrowser: no 2-D context on an OffscreenCanvas');
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, width, height);
    return { data, width, height };
  } finally {
    bitmap.close();
  }
}

/** The browser codec: Blobs are held as they are; other sources are already pixels. */
export const browserCodec: Codec<BrowserImageSource | Uint8Array> = {
  ready: async () => checkBrowser(),
  bytes: async (s) => (s instanceof Blob ? s : s instanceof Uint8Array ? new Blob([s as Uint8Array<ArrayBuffer>]) : null),
  decode: (s, input) => decodeBrowser(s instanceof Uint8Array ? new Blob([s as Uint8Array<ArrayBuffer>]) : s, input),
};

export const browserHeldDecode = (b: Uint8Array | Blob): Promise<RgbaImage> => browserCodec.decode(b);

/** A file with the path it had in the picked folder (root/<class>/…), for Files whose webkitRelativePath is empty. */
export interface PathedFile {
  path: string;
  file: Blob;
}

/**
 * A picked or dropped folder as torchvision's ImageFolder reads a directory: root/<class>/** are that class's
 * images, classes sorted by name. Takes Files with a webkitRelativePath, or { path, file } pairs.
 */
export async function fromFiles(files: Iterable<File | PathedFile>, options: LoadOptions = {}): Promise<ImageSet> {
  const op = 'fromFiles';
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const items: { path: string; file: Blob }[] = [];
  for (const f of files) {
    const path = 'path' in f ? f.path : f.webkitRelativePath || f.name;
    if (!path.includes('/')) {
      throw new EngineError(`${op}: '${path}' has no folder path: pick a folder (webkitdirectory), pass { path, file }, or use fromClasses`);
    }
    items.push({ path, file: 'path' in f ? f.file : f });
  }
  items.sort((a, b) => byCodeUnits(a.path, b.path));
  const entries: Entry<Blob>[] = [];
  for (const { path, file } of items) {
    const parts = path.split('/').filter(Boolean);
    if (parts.length < 3) warn(`${op}: skipped '${path}': not in a class folder`);
    else entries.push({ className: parts[1]!, name: path, source: file });
  }
  const classes = [...new Set(entries.map((e) => e.className))].sort(byCodeUnits);
  return collect(op, classes, entries, browserCodec, browserHeldDecode, options);
}
