// Weights from wherever the user has them, as one state dict in torchvision's layout:
//
//   File / Blob                 <input type=file>, a drag and drop, fetch().blob()
//   ArrayBuffer / Uint8Array    bytes already in memory
//   string, in Node             a file path (or an http(s):// URL, or a file:// URL)
//   string, in a page           a URL, absolute or relative to the document (its <base> included)
//   URL                         http(s): downloaded; file: (Node) read
//   a state dict                a Map or object of tensors already in memory
//   what readWeights returned   read once (look at its metadata, identifyCheckpoint its keys), then build from it
//
// URLs download with progress into a cache (download.ts, weights-cache.ts): a second load reads the cache. Bytes
// are checked before parsing (not safetensors at all? cut short?), timm's MobileNetV2 names are mapped to
// torchvision's (timm-layout.ts), and the file's InputSpec is read from its metadata (input-spec.ts).

import type { InputSpec } from '../data/types.ts';
import { parseSafetensors } from '../nn/safetensors.ts';
import type { SafetensorsSource, StateSource, StateValue } from '../nn/index.ts';
import { download, type DownloadOptions } from './download.ts';
import { inputSpecFromMetadata } from './input-spec.ts';
import { toTorchvisionLayout, type KeyLayout } from './timm-layout.ts';
import { inNode, nodeModule, openWeightsCache } from './weights-cache.ts';
import { WeightsError, checkWholeSafetensors } from './weights-error.ts';

/** Weights for a zoo model: .safetensors bytes, a File/Blob, a path (Node), a URL, a state dict, or readWeights' result. */
export type WeightsSource = SafetensorsSource | URL | StateSource | LoadedWeights;

/** How to get weights from a URL. */
export interface LoadWeightsOptions extends DownloadOptions {
  /** The cache for downloads: true (default), false (always download), or a Cache Storage name / a folder (Node). */
  cache?: boolean | string;
}

/** Weights read from a source, in torchvision's key layout. */
export interface LoadedWeights {
  tensors: Map<string, StateValue>;
  /** The safetensors metadata ({} for a state dict). */
  metadata: Record<string, string>;
  /** The layout the keys were in before mapping. */
  layout: KeyLayout;
  /** The input the weights were trained for, when the file's metadata says ("input"), else null. */
  input: InputSpec | null;
  /** Where they came from, for messages: a URL, 'file <path>', 'a Blob', 'bytes', 'a state dict'. */
  from: string;
}

/**
 * Reads weights from any source (see the header) into a state dict in torchvision's layout, with the file's
 * metadata and InputSpec. Throws WeightsError when the weights cannot be had or are not a whole safetensors file.
 */
export async function readWeights(source: WeightsSource, options: LoadWeightsOptions = {}): Promise<LoadedWeights> {
  if (typeof source === 'string' || source instanceof URL) {
    const where = await locate(source);
    if (where.path !== undefined) return fromBytes(await readPath(where.path), `file ${where.path}`);
    return fromUrl(where.url!, options);
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const name = (source as { name?: unknown }).name;
    return fromBytes(new Uint8Array(await source.arrayBuffer()), typeof name === 'string' && name ? `file "${name}"` : 'a Blob');
  }
  if (isLoaded(source)) return source;
  if (source instanceof ArrayBuffer) return fromBytes(new Uint8Array(source), 'bytes');
  if (source instanceof Uint8Array) return fromBytes(source, 'bytes');
  if (source instanceof Map || (typeof source === 'object' && source !== null && !ArrayBuffer.isView(source))) {
    const state = source instanceof Map ? source : new Map(Object.entries(source));
    const { state: tensors, layout } = toTorchvisionLayout(state);
    return { tensors, metadata: {}, layout, input: null, from: 'a state dict' };
  }
  throw new TypeError('weights must be .safetensors bytes (ArrayBuffer / Uint8Array), a File or Blob, a path (Node), a URL, or a state dict');
}

function isLoaded(source: object): source is LoadedWeights {
  const s = source as Partial<LoadedWeights>;
  return s.tensors instanceof Map && typeof s.from === 'string' && (s.layout === 'torchvision' || s.layout === 'timm');
}

/** A string or URL as a URL to download or a path to read (Node). */
async function locate(source: string | URL): Promise<{ url?: string; path?: string }> {
  const text = source instanceof URL ? source.href : source;
  if (/^https?:\/\//i.test(text)) return { url: new URL(text).href };
  if (inNode()) {
    if (!/^file:/i.test(text)) return { path: text };
    const { fileURLToPath } = await nodeModule<typeof import('node:url')>('url');
    return { path: fileURLToPath(text) };
  }
  // In a page: relative to the document (a <base> element included), else to the worker's location.
  const doc = (globalThis as { document?: { baseURI: string } }).document;
  const base = doc?.baseURI ?? (globalThis as { location?: { href: string } }).location?.href;
  return { url: new URL(text, base).href };
}

async function readPath(path: string): Promise<Uint8Array> {
  const fs = await nodeModule<typeof import('node:fs/promises')>('fs/promises');
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') {
      throw new WeightsError('not-found', `file ${path}`, `weights file not found: ${path} (relative paths start at ${globalThis.process?.cwd()})`);
    }
    if (code === 'EISDIR') throw new WeightsError('not-found', `file ${path}`, `weights path ${path} is a folder, not a .safetensors file`);
    throw e;
  }
}

/** Downloads through the cache: a hit is read back, a miss is downloaded, checked, and only then stored. */
async function fromUrl(url: string, options: LoadWeightsOptions): Promise<LoadedWeights> {
  const cache = await openWeightsCache(options.cache);
  const hit = await cache?.get(url).catch(() => null); // an unreadable cache is a miss
  if (hit) {
    try {
      const out = fromBytes(hit, url);
      options.onProgress?.({ url, received: hit.byteLength, total: hit.byteLength, cached: true });
      return out;
    } catch {
      await cache!.delete(url).catch(() => undefined); // a damaged entry: forget it and download again
    }
  }
  const bytes = await download(url, options);
  const out = fromBytes(bytes, url);
  try {
    await cache?.put(url, bytes);
  } catch (e) {
    // A full disk or quota costs the next load a download, not this one its weights.
    console.warn(`webgpu-tensor: could not keep ${url} in ${cache!.where} (${e instanceof Error ? e.message : String(e)}); the next load downloads it again`);
  }
  return out;
}

/** Checks, parses and maps one safetensors file. */
function fromBytes(bytes: Uint8Array, from: string): LoadedWeights {
  checkWholeSafetensors(bytes, from);
  const { tensors: host, metadata } = parseSafetensors(bytes);
  const { state: tensors, layout } = toTorchvisionLayout(host as Map<string, StateValue>);
  return { tensors, metadata, layout, input: inputSpecFromMetadata(metadata, from), from };
}

/** Forgets downloaded weights: one URL, or the whole cache (the default one, or `cache`: a name or folder). */
export async function clearWeightsCache(options: { url?: string | URL; cache?: string } = {}): Promise<void> {
  const cache = await openWeightsCache(options.cache ?? true);
  if (!cache) return;
  const url = options.url === undefined ? undefined : (await locate(options.url)).url;
  await cache.delete(url);
}
