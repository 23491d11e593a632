// RGBA images → the float32 batch [N, C, H, W] a model's InputSpec asks for: resize (shorter side, then the
// centre crop; or straight to the size when resizeShorter is null and the image is square), gray ↔ RGB, scale
// to [0, 1], normalize by mean and std.
//
// CPU FALLBACK: this runs src/models/image.ts's host preprocessing (the reference path) until the GPU
// preprocessing ops of issue 22 item 2 are merged (src/engine/ops/image-*.ts); wire them in here, in
// prepareImages, and nothing above it changes. Gray is torchvision's rgb_to_grayscale (0.2989 R + 0.587 G +
// 0.114 B).

import { EngineError, tensor, type Tensor } from '../engine/internal.ts';
import { preprocess } from '../models/image.ts';
import type { InputSpec, RgbaImage } from '../data/types.ts';

export function prepareImages(images: readonly RgbaImage[], input: InputSpec): Tensor {
  if (images.length === 0) throw new EngineError('predict: no images');
  const [h, w] = input.size;
  if (h !== w) throw new EngineError(`predict: preparing RGBA images for a non-square input ${h}×${w} needs the GPU preprocessing (not merged yet)`);
  const c = input.channels;
  const out = new Float32Array(images.length * c * h * w);
  images.forEach((img, n) => {
    if (!img || !(img.data instanceof Uint8Array || img.data instanceof Uint8ClampedArray) || img.data.length !== img.width * img.height * 4) {
      throw new EngineError(`predict: image ${n} is not RGBA pixels { data, width, height } (4 bytes a pixel)`);
    }
    const { data } = preprocess(img, { resize: input.resizeShorter ?? h, crop: h, mean: null, antialias: true });
    const plane = h * w;
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < plane; i++) {
        const v = c === 1 ? 0.2989 * data[i]! + 0.587 * data[plane + i]! + 0.114 * data[2 * plane + i]! : data[ch * plane + i]!;
        out[((n * c + ch) * h * w) + i] = (v - (input.mean[ch] ?? 0)) / (input.std[ch] ?? 1);
      }
    }
  });
  return tensor(out, [images.length, c, h, w]);
}
