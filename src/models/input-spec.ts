// What input each zoo architecture expects (an InputSpec, src/data/types.ts), and how a weights file says so.
//
// A file may carry its own spec in its safetensors metadata, under the key "input", as JSON:
//   {"size": [224, 224], "channels": 3, "resizeShorter": 256, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
// (tools/export_torchvision.py writes it from the torchvision weights' own transforms; a model saved by this
// library writes it too). Without it the model keeps its architecture's documented default:
//
//   resnet18, resnet34, mobilenet_v2   224 × 224 RGB, resize the shorter side to 256, centre crop 224,
//                                      ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225)
//
// That is torchvision's IMAGENET1K_V1 preset and timm's crop_pct 0.875 at 224 (`timm/resnet18.tv_in1k`,
// `timm/mobilenetv2_100.ra_in1k`). torchvision's mobilenet_v2 IMAGENET1K_V2 resizes to 232 instead: its
// exported file says so in its metadata.

import type { InputSpec } from '../data/types.ts';
import { IMAGENET_INPUT } from '../data/imagenet.ts';
import { WeightsError } from './weights-error.ts';

/** The metadata key a weights file's InputSpec is stored under (JSON). */
export const INPUT_METADATA_KEY = 'input';

/** ImageNet's preprocessing at 224 (src/data/imagenet.ts): the zoo's default. */
export { IMAGENET_INPUT };

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const finiteList = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** The InputSpec in a file's metadata, or null when it has none. Throws 'bad-metadata' when it is malformed. */
export function inputSpecFromMetadata(metadata: Record<string, string>, from: string): InputSpec | null {
  const text = metadata[INPUT_METADATA_KEY];
  if (text === undefined) return null;
  const bad = (why: string): WeightsError =>
    new WeightsError('bad-metadata', from,
      `weights from ${from}: metadata "${INPUT_METADATA_KEY}" ${why}; expected JSON like ${JSON.stringify(IMAGENET_INPUT)}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad(`is not JSON (${JSON.stringify(text.slice(0, 60))})`);
  }
  if (typeof v !== 'object' || v === null) throw bad('is not an object');
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.size) || o.size.length !== 2 || !o.size.every(positive)) throw bad(`has size ${JSON.stringify(o.size)}, not [height, width]`);
  if (o.channels !== 1 && o.channels !== 3) throw bad(`has channels ${JSON.stringify(o.channels)}, not 1 or 3`);
  const resize = o.resizeShorter ?? null;
  if (resize !== null && !positive(resize)) throw bad(`has resizeShorter ${JSON.stringify(resize)}, not a positive integer or null`);
  if (!finiteList(o.mean, o.channels)) throw bad(`has mean ${JSON.stringify(o.mean)}, not ${o.channels} numbers`);
  if (!finiteList(o.std, o.channels) || o.std.some((s) => s <= 0)) throw bad(`has std ${JSON.stringify(o.std)}, not ${o.channels} positive numbers`);
  const [h, w] = o.size as [number, number];
  return { size: [h, w], channels: o.channels, resizeShorter: resize, mean: [...o.mean], std: [...o.std] };
}

/** The metadata entry for `spec` (what a saved file should carry). */
export function inputSpecMetadata(spec: InputSpec): Record<string, string> {
  const { size, channels, resizeShorter, mean, std } = spec;
  return { [INPUT_METADATA_KEY]: JSON.stringify({ size, channels, resizeShorter, mean, std }) };
}
