// The digits the studio trains on, fetched beside the page (site/assets-plugin.ts writes them): MNIST by class
// from data/mnist-digits.u8 (bytes → [0, 1]), the UCI digits, the pretrained trunk and its card.

import { loadUciDigits, type Digits } from '../examples/digits-data.ts';
import { assetUrl, fetchAsset } from './common.ts';

/** MNIST digits per class (class c at index c), [count, 784] in [0, 1], as loadMnistByClass gives them. */
export async function loadMnistU8(): Promise<Float32Array[]> {
  const bytes = new Uint8Array(await (await fetchAsset('data/mnist-digits.u8')).arrayBuffer());
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'MNU8') throw new Error(`data/mnist-digits.u8: bad header ${JSON.stringify(magic)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const out: Float32Array[] = [];
  let at = 44;
  for (let c = 0; c < 10; c++) {
    const n = view.getUint32(4 + 4 * c, true) * 784;
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) f[i] = bytes[at + i]! / 255;
    out.push(f);
    at += n;
  }
  if (at !== bytes.length) throw new Error(`data/mnist-digits.u8: ${bytes.length} bytes, the header describes ${at}`);
  return out;
}

export function loadUci(): Promise<Digits> {
  return loadUciDigits(assetUrl('data/uci-digits.bin'));
}

export async function loadPretrained(): Promise<{ weights: ArrayBuffer; card: { heldOutAccuracy: number; sourceTask: { classes: number[] } } }> {
  const weights = await (await fetchAsset('data/digits-0to4.safetensors')).arrayBuffer();
  const card = (await (await fetchAsset('data/digits-0to4.json')).json()) as { heldOutAccuracy: number; sourceTask: { classes: number[] } };
  return { weights, card };
}
