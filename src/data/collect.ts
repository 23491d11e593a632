// From "these sources belong to these classes" to an ImageSet, the same way for every kind of source: each image
// is read and decoded once to check it (files that are not images or fail to decode are skipped with a warning
// naming them), then held as its bytes or as uint8 pixels at the input size; fewer than two classes, or a class
// with fewer than two images, is an error naming it. The Node and browser codecs (node.ts, browser.ts) say how a
// source is read and decoded.

import { EngineError } from '../engine/internal.ts';
import { ImageSet, type HeldImage } from './image-set.ts';
import { checkInput } from './prepare.ts';
import type { InputSpec, RgbaImage } from './types.ts';
import { IMAGENET_INPUT } from './imagenet.ts';


export interface LoadOptions {
  /** What batches are prepared for (default IMAGENET_INPUT); `withInput` changes it later. */
  input?: InputSpec;
  /**
   * 'encoded' (default) holds each file's bytes and decodes a batch at a time; 'pixels' holds uint8 RGBA resized
   * for `input` (faster batches, more memory: 10,000 images at 224² are 2 GB). Sources that are already pixels
   * (ImageBitmap, canvas, VideoFrame, ImageData) are always held as pixels at the input size. Held pixels are
   * what `withInput` prepares from: hold 'encoded' when the set will serve trunks of different sizes.
   */
  hold?: 'encoded' | 'pixels';
  /** Called with one line per skipped file (default console.warn). */
  onWarning?: (message: string) => void;
  /** How many images are read and decoded at once while loading (default 8). */
  concurrency?: number;
  /** Receives 'decode k' / 'yield k' events as batches are made. */
  trace?: (event: string) => void;
}

/** How one environment reads and decodes its sources. */
export interface Codec<S> {
  /** Loads the decoder, or rejects saying what is missing (before any file is tried, so that is not a skip). */
  ready(): Promise<void>;
  /** The bytes to hold for a source, or null when the source is already pixels. */
  bytes(source: S): Promise<Uint8Array | Blob | null>;
  /** Decodes encoded bytes or a pixel source to RGBA; resized for `input` (the held size) when given. */
  decode(source: S | Uint8Array | Blob, input?: InputSpec): Promise<RgbaImage>;
}

export interface Entry<S> {
  className: string;
  /** The file's path or a made-up `class/index`, for messages. */
  name: string;
  source: S;
}

const LOAD_OPTIONS = new Set(['input', 'hold', 'onWarning', 'concurrency', 'trace']);

export function checkLoadOptions(op: string, options: LoadOptions): void {
  const unknown = Object.keys(options).filter((k) => !LOAD_OPTIONS.has(k));
  if (unknown.length) throw new EngineError(`${op}: unknown option(s) ${unknown.join(', ')}`);
  if (options.hold !== undefined && options.hold !== 'encoded' && options.hold !== 'pixels') {
    throw new EngineError(`${op}: hold must be 'encoded' or 'pixels', got ${String(options.hold)}`);
  }
  const c = options.concurrency;
  if (c !== undefined && (!Number.isInteger(c) || c < 1)) throw new EngineError(`${op}: concurrency must be a positive integer, got ${c}`);
  if (options.input) checkInput(op, options.input);
}

/** Maps `fn` over `items` with at most `limit` calls in flight; results in item order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/**
 * Reads, checks and holds every entry, then builds the set. `classes` is the class list in label order (classes
 * with no entries included, so that an empty class folder is an error naming it).
 */
export async function collect<S>(
  op: string,
  classes: readonly string[],
  entries: readonly Entry<S>[],
  codec: Codec<S>,
  heldDecode: (b: Uint8Array | Blob) => Promise<RgbaImage>,
  options: LoadOptions,
): Promise<ImageSet> {
  checkLoadOptions(op, options);
  const input = options.input ?? IMAGENET_INPUT;
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  await codec.ready();
  if (classes.length < 2) throw new EngineError(`${op}: found ${classes.length} class(es)${classes.length ? ` ('${classes[0]}')` : ''}; at least 2 are needed`);
  const held = await mapLimited(entries, options.concurrency ?? 8, async (e): Promise<HeldImage | null> => {
    try {
      const bytes = await codec.bytes(e.source);
      if (bytes && options.hold !== 'pixels') {
        await codec.decode(bytes); // decodes now so a broken file is skipped here, not in the middle of an epoch
        return { name: e.name, bytes };
      }
      return { name: e.name, pixels: await codec.decode(bytes ?? e.source, input) };
    } catch (err) {
      warn(`${op}: skipped '${e.name}': not an image or it failed to decode (${reason(err)})`);
      return null;
    }
  });
  const counts = classes.map(() => 0);
  const images: HeldImage[] = [];
  const labels: number[] = [];
  held.forEach((h, i) => {
    if (!h) return;
    const label = classes.indexOf(entries[i]!.className);
    counts[label]!++;
    images.push(h);
    labels.push(label);
  });
  const small = counts.findIndex((c) => c < 2);
  if (small >= 0) throw new EngineError(`${op}: class '${classes[small]}' has ${counts[small]} image(s) that decode; each class needs at least 2`);
  return new ImageSet({ classes, labels: Int32Array.from(labels), images, input, decode: heldDecode, trace: options.trace });
}

/** Python's sorted() order for class and file names (code units, not the locale), as torchvision's ImageFolder. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
