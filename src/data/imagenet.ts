// ImageNet's preprocessing at 224, the default input of the model zoo and of an image set made without one:
// torchvision's Resize(256) + CenterCrop(224) with ImageNet's mean and std (the IMAGENET1K_V1 preset; timm's
// crop_pct 0.875 at 224). Frozen: a spec is shared by every set and model that uses it.

import type { InputSpec } from './types.ts';

export const IMAGENET_INPUT: InputSpec = Object.freeze({
  size: Object.freeze([224, 224] as const),
  channels: 3,
  resizeShorter: 256,
  mean: Object.freeze([0.485, 0.456, 0.406]),
  std: Object.freeze([0.229, 0.224, 0.225]),
});
