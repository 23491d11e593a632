// Random augmentation parameters for a batch of images, drawn on the host (they are per image, a few numbers
// each) and applied on the GPU by prepareImages (image-prep.ts: the crop box goes into the resize kernel, the
// flip into its output index, the jitter into image_jitter.wgsl). The draws follow torchvision 0.14:
//   RandomResizedCrop.get_params: up to 10 tries of area fraction ~ U(scale) and aspect ratio ~ exp(U(log ratio)),
//     w = round(√(area·ratio)), h = round(√(area/ratio)) (Python's round, half to even), accepted when
//     0 < w ≤ W and 0 < h ≤ H, then top ~ randint(0, H − h + 1) and left likewise; after 10 misses, the centre
//     crop of the whole image clamped to the ratio range.
//   RandomHorizontalFlip(p): flip when u < p.
//   ColorJitter(b, c, s): the steps in a random order (torchvision permutes its four; we permute the three
//     we have), each factor ~ U(max(0, 1 − strength), 1 + strength); a strength of 0 leaves its step out.
// One seed per batch, from `seed` or one draw of the engine's stream (src/engine/random.ts), feeds a Mulberry32
// generator: manualSeed(s) makes a whole run's augmentation repeatable.

import { EngineError } from '../errors.ts';
import { checkOptions } from '../options.ts';
import { drawSeed, seededUniform } from '../random.ts';

export type JitterStep = 'brightness' | 'contrast' | 'saturation';
export const JITTER_STEPS: readonly JitterStep[] = ['brightness', 'contrast', 'saturation'];

/** What prepareImages applies to one image: a source box resized to the input size, a flip, jitter steps. */
export interface ImageAugmentation {
  /** The crop box in source pixels: top, left, height, width. */
  box: readonly [number, number, number, number];
  flip: boolean;
  /** The jitter steps in the order they are applied (each at most once). */
  order: readonly JitterStep[];
  brightness: number;
  contrast: number;
  saturation: number;
}

export interface AugmentConfig {
  /** Random resized crop (default true); false keeps the whole image. */
  crop?: boolean;
  /** Range of the crop's area as a fraction of the image (default [0.08, 1]). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio w/h, drawn log-uniformly (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
  /** Probability of a horizontal flip (default 0.5). */
  flip?: number;
  /** Jitter strengths: factors ~ U(max(0, 1 − s), 1 + s) (default 0.4 each, torchvision's and timm's usual; 0: off). */
  brightness?: number;
  contrast?: number;
  saturation?: number;
  /** Seed of this batch's draws (default: one draw from the engine's stream). */
  seed?: number;
}

const CONFIG_KEYS = ['crop', 'scale', 'ratio', 'flip', 'brightness', 'contrast', 'saturation', 'seed'] as const;

/** Python's round(): half to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision's RandomResizedCrop.get_params for an image of height × width, drawing from `next` (U[0, 1)). */
export function randomResizedCropBox(
  height: number, width: number, next: () => number, scale: readonly [number, number] = [0.08, 1], ratio: readonly [number, number] = [3 / 4, 4 / 3],
): [number, number, number, number] {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * next());
    const aspect = Math.exp(logLo + (logHi - logLo) * next());
    const w = roundHalfEven(Math.sqrt(target * aspect));
    const h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = Math.floor(next() * (height - h + 1));
      const left = Math.floor(next() * (width - w + 1));
      return [top, left, h, w];
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(...ratio)) h = roundHalfEven(w / Math.min(...ratio));
  else if (inRatio > Math.max(...ratio)) w = roundHalfEven(h * Math.max(...ratio));
  return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
}

function checkRange(name: string, r: readonly [number, number] | undefined, lo: number): void {
  if (r === undefined) return;
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => Number.isFinite(v) && v > lo) || r[0] > r[1]) {
    throw new EngineError(`drawAugmentations: ${name} must be [low, high] with ${lo} < low ≤ high, got ${JSON.stringify(r)}`);
  }
}

function checkStrength(name: string, v: number | undefined, max = Infinity): number | undefined {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= max)) {
    throw new EngineError(`drawAugmentations: ${name} must be a number in [0, ${max}], got ${v}`);
  }
  return v;
}

/** One augmentation per image (sizes in pixels), drawn as torchvision would (see the header). */
export function drawAugmentations(sizes: ReadonlyArray<{ width: number; height: number }>, config: AugmentConfig = {}): ImageAugmentation[] {
  checkOptions('drawAugmentations', config, CONFIG_KEYS);
  checkRange('scale', config.scale, 0);
  checkRange('ratio', config.ratio, 0);
  if (config.scale && config.scale[1] > 1) throw new EngineError(`drawAugmentations: scale must lie in (0, 1], got ${JSON.stringify(config.scale)}`);
  const flipP = checkStrength('flip', config.flip, 1) ?? 0.5;
  const strengths = JITTER_STEPS.map((s) => checkStrength(s, config[s]) ?? 0.4);
  const next = seededUniform(config.seed ?? drawSeed());
  return sizes.map(({ width, height }, i) => {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new EngineError(`drawAugmentations: image ${i} is ${width}×${height}; sizes must be positive integers`);
    }
    const whole: [number, number, number, number] = [0, 0, height, width];
    const box = config.crop === false ? whole : randomResizedCropBox(height, width, next, config.scale, config.ratio);
    const flip = next() < flipP;
    const perm = [0, 1, 2];
    for (let k = 2; k > 0; k--) {
      const j = Math.floor(next() * (k + 1));
      [perm[k], perm[j]] = [perm[j]!, perm[k]!];
    }
    const factors = strengths.map((s) => Math.max(0, 1 - s) + (1 + s - Math.max(0, 1 - s)) * next());
    return {
      box,
      flip,
      order: perm.filter((k) => strengths[k]! > 0).map((k) => JITTER_STEPS[k]!),
      brightness: factors[0]!,
      contrast: factors[1]!,
      saturation: factors[2]!,
    };
  });
}
