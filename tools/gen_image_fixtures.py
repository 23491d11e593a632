#!/usr/bin/python3
"""Fixtures for GPU image preprocessing and augmentation (src/engine/ops/image-prep.ts):
tests/fixtures/images/images.json.

A few real photos from python3-skimage (astronaut, coffee, chelsea, rocket, camera in gray), downscaled with PIL
to keep the file small, each stored as uint8 RGB (gray stored as R = G = B, as a decoder hands it over). Each
"call" is one batch: the images, the InputSpec, optional per-image augmentation parameters, and what
torchvision.transforms.functional gives on float tensors in [0, 1] with antialias=True, before normalizing:

  eval:     resize(shorter side | size) -> center_crop -> rgb_to_grayscale when channels == 1
  augment:  resized_crop(top, left, h, w, size) -> hflip? -> adjust_brightness/contrast/saturation in the
            drawn order -> rgb_to_grayscale when channels == 1

Expected values are stored as uint16 (round(v * 65535)), 1.5e-5 of quantization against a 1/255 tolerance.
Run: /usr/bin/python3 tools/gen_image_fixtures.py   (torch 1.13, torchvision 0.14, PIL, skimage)
"""
import base64
import json
import os

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as F
from PIL import Image
from skimage import data

OUT = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'images', 'images.json')


def small(name, height, width):
    """A skimage photo downscaled by PIL (LANCZOS) to height x width, as uint8 HxWx3."""
    img = getattr(data, name)()
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    pil = Image.fromarray(img[..., :3]).resize((width, height), Image.LANCZOS)
    return np.asarray(pil, dtype=np.uint8)


IMAGES = {
    'astronaut': small('astronaut', 96, 96),
    'coffee': small('coffee', 64, 96),
    'chelsea': small('chelsea', 40, 60),
    'rocket': small('rocket', 96, 64),  # portrait: squeezed on purpose, aspect 2:3
    'camera': small('camera', 72, 72),
}


def as_float(u8):
    return torch.from_numpy(u8.copy()).permute(2, 0, 1).float() / 255


def finish(x, channels):
    return F.rgb_to_grayscale(x) if channels == 1 else x


def eval_ref(u8, spec):
    x = as_float(u8)
    if spec['resizeShorter'] is not None:
        x = F.resize(x, spec['resizeShorter'], antialias=True)
        x = F.center_crop(x, list(spec['size']))
    else:
        x = F.resize(x, list(spec['size']), antialias=True)
    return finish(x, spec['channels'])


JITTER = {
    'brightness': F.adjust_brightness,
    'contrast': F.adjust_contrast,
    'saturation': F.adjust_saturation,
}


def augment_ref(u8, spec, aug):
    top, left, h, w = aug['box']
    x = F.resized_crop(as_float(u8), top, left, h, w, list(spec['size']), antialias=True)
    if aug['flip']:
        x = F.hflip(x)
    for name in aug['order']:
        x = JITTER[name](x, aug[name])
    return finish(x, spec['channels'])


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode('ascii')


def spec(size, channels=3, shorter=None):
    return {'size': size, 'channels': channels, 'resizeShorter': shorter, 'mean': [0, 0, 0][:channels], 'std': [1, 1, 1][:channels]}


def aug(box, flip=False, order=(), **factors):
    out = {'box': list(box), 'flip': flip, 'order': list(order), 'brightness': 1.0, 'contrast': 1.0, 'saturation': 1.0}
    out.update(factors)
    return out


CALLS = [
    # One batch of three photos of different sizes and aspect ratios, shrunk: Resize(36) + CenterCrop(32).
    {'name': 'batch: resize shorter 36, centre crop 32', 'images': ['astronaut', 'coffee', 'rocket'], 'spec': spec([32, 32], 3, 36)},
    {'name': 'straight resize, aspect changed (shrink)', 'images': ['coffee'], 'spec': spec([24, 40])},
    {'name': 'strong shrink (8x to 9.6x: wide antialias filter)', 'images': ['astronaut', 'coffee'], 'spec': spec([12, 10])},
    {'name': 'upscale: resize shorter 56, crop 48', 'images': ['chelsea'], 'spec': spec([48, 48], 3, 56)},
    {'name': 'gray photo to 1 channel', 'images': ['camera'], 'spec': spec([32, 32], 1)},
    {'name': 'gray photo to RGB', 'images': ['camera'], 'spec': spec([28, 28], 3, 30)},
    {'name': 'RGB to gray (601-2 luma)', 'images': ['astronaut', 'chelsea'], 'spec': spec([30, 30], 1, 34)},
    {'name': 'augment: resized crop, flip, jitter in drawn orders', 'images': ['rocket', 'astronaut', 'chelsea'], 'spec': spec([32, 32]),
     'augment': [
         aug((5, 20, 50, 40), True, ('saturation', 'brightness', 'contrast'), brightness=1.3, contrast=0.6, saturation=1.4),
         aug((10, 3, 70, 60), False, ('brightness', 'contrast', 'saturation'), brightness=0.7, contrast=1.35, saturation=0.2),
         aug((2, 4, 20, 25), True, ('contrast',), contrast=1.6),
     ]},
    {'name': 'augment to gray', 'images': ['coffee'], 'spec': spec([24, 24], 1),
     'augment': [aug((0, 30, 64, 60), True, ('contrast', 'saturation', 'brightness'), brightness=1.2, contrast=1.5, saturation=0.5)]},
]


def main():
    assert torch.__version__.startswith('1.13') and torchvision.__version__.startswith('0.14'), 'made with torch 1.13, torchvision 0.14'
    calls = []
    for call in CALLS:
        outs = []
        for k, name in enumerate(call['images']):
            u8 = IMAGES[name]
            y = augment_ref(u8, call['spec'], call['augment'][k]) if 'augment' in call else eval_ref(u8, call['spec'])
            outs.append(y)
        y = torch.stack(outs).numpy()
        assert y.min() >= 0 and y.max() <= 1, call['name']
        entry = dict(call)
        entry['shape'] = list(y.shape)
        entry['expected_u16'] = b64(np.round(y * 65535).astype('<u2'))
        calls.append(entry)
    images = {k: {'height': v.shape[0], 'width': v.shape[1], 'rgb': b64(v)} for k, v in IMAGES.items()}
    with open(OUT, 'w') as f:
        versions = {'torch': torch.__version__, 'torchvision': torchvision.__version__}
        json.dump({'generator': 'tools/gen_image_fixtures.py', **versions, 'images': images, 'calls': calls}, f)
    print(f'wrote {OUT}: {os.path.getsize(OUT)} bytes')


if __name__ == '__main__':
    main()
