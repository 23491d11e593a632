// What web bundles get instead of node.ts (package.json's `browser` field): same exports, no Node code.
// In the page, images come in through fromFiles / fromClasses (browser.ts), decoded by the browser.

import { EngineError } from '../engine/internal.ts';
import type { Codec, LoadOptions } from './collect.ts';
import type { ImageSet } from './image-set.ts';
import type { RgbaImage } from './types.ts';

const nodeOnly = (what: string) => new EngineError(`${what} needs Node; in a browser pass File/Blob, ImageBitmap, <img>, canvas or VideoFrame`);

export function loadSharp(): Promise<never> {
  return Promise.reject(nodeOnly('sharp'));
}

export function decodeNode(): Promise<RgbaImage> {
  return Promise.reject(nodeOnly('decodeNode'));
}

export function sharpLoadError(): EngineError {
  return nodeOnly('sharp');
}

export const nodeCodec: Codec<string | Uint8Array> = {
  ready: () => Promise.reject(nodeOnly('decodeNode')),
  bytes: () => Promise.reject(nodeOnly('reading a path')),
  decode: () => Promise.reject(nodeOnly('decodeNode')),
};

export const nodeHeldDecode = (): Promise<RgbaImage> => Promise.reject(nodeOnly('decodeNode'));

export function fromFolder(_dir: string, _options?: LoadOptions): Promise<ImageSet> {
  return Promise.reject(nodeOnly('fromFolder'));
}
