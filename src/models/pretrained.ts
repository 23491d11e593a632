// The shipped pretrained trunk in one call: `await transfer.pretrainedDigits()` gives the digits CNN with the
// weights of pretrained/digits-0to4.safetensors, which the npm package carries (package.json `files`).
//
// The file is found relative to this module, `new URL('../../pretrained/…', import.meta.url)`: from src/models/
// in the repository and from dist/models/ in the package it is the same folder. Node reads it from disk (a file:
// URL); a page fetches it; bundlers that know the pattern (vite, webpack 5, parcel, rollup's and esbuild's URL
// plugins) copy the file into the build and rewrite the URL. Where an app serves the file itself, `{ url }`.
//
// DIGITS_INPUT says what the trunk expects (it is written in the model card, pretrained/digits-0to4.json,
// and a unit test keeps the two equal): 28×28 grey, pixel values v/255 in [0, 1], no mean or std, white digits
// on black as in MNIST.

import type { InputSpec } from '../data/types.ts';
import { loadSafetensors } from '../nn/index.ts';
import { DigitsCnn } from './digits-cnn.ts';

/** The shipped trunk's input: 28×28, one channel, v/255, no normalization (mean 0, std 1). */
export const DIGITS_INPUT: InputSpec = Object.freeze({
  size: Object.freeze([28, 28] as const),
  channels: 1 as const,
  resizeShorter: null,
  mean: Object.freeze([0]),
  std: Object.freeze([1]),
});

export interface PretrainedOptions {
  /** Where the .safetensors file is served or stored, when not beside the package (an app's own copy). */
  url?: string | URL;
}

/** Where the package keeps the weights (a file: URL in Node, the server's or the bundle's URL in a page). */
export function pretrainedDigitsUrl(): URL {
  return new URL('../../pretrained/digits-0to4.safetensors', import.meta.url);
}

async function filePath(url: URL): Promise<string> {
  const specifier = 'node:url';
  const { fileURLToPath } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:url');
  return fileURLToPath(url);
}

/**
 * The digits CNN (transfer.digitsCnn(5)) with the shipped weights: trained by this engine on MNIST digits 0–4
 * (98.6% on 500 held-out digits, pretrained/digits-0to4.json). Feed it DIGITS_INPUT; replace its head
 * (`classifier.1`, Linear(288, 5)) for a new task. The caller disposes the model.
 */
export async function pretrainedDigits(options: PretrainedOptions = {}): Promise<DigitsCnn> {
  const url = options.url !== undefined ? new URL(options.url, globalThis.location?.href) : pretrainedDigitsUrl();
  let source: string | ArrayBuffer;
  if (url.protocol === 'file:') {
    source = await filePath(url);
  } else {
    const response = await fetch(url).catch((e: unknown) => {
      throw new Error(`pretrainedDigits: could not fetch ${url.href}: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!response.ok) {
      throw new Error(
        `pretrainedDigits: ${url.href} answered ${response.status} ${response.statusText}: serve pretrained/digits-0to4.safetensors ` +
          'from the package and pass { url }, or use a bundler that copies new URL(..., import.meta.url) assets',
      );
    }
    source = await response.arrayBuffer();
  }
  const model = new DigitsCnn(5);
  try {
    await loadSafetensors(model, source);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
