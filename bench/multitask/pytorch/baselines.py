"""PyTorch check of the CNN multi-task experiment's single-task baselines (bench/multitask/cnn-experiment.ts).

Same data (exported by export-data.ts), same trunk (Conv2d 1->8 s2, Conv2d 8->16 s2, Linear 784->64, a Linear
head), same losses (cross-entropy, BCE with logits, MSE on theta/45), Adam with the experiment's schedule
(flat for a fraction of the steps, then cosine to 0), shuffled epochs, the validation metric at 8 points and the
convergence rule (|mean of points 7-8 - mean of points 5-6| < 0.5 point / 0.5 degree).

  python3 bench/multitask/pytorch/baselines.py DATA_DIR --steps 150 --batch 32 --lr 3e-3 --flat 0 --seeds 1,2,3
"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('data')
p.add_argument('--steps', type=int, default=150)
p.add_argument('--batch', type=int, default=32)
p.add_argument('--lr', type=float, default=3e-3)
p.add_argument('--flat', type=float, default=0.0, help='fraction of the steps at the full lr before the cosine decay')
p.add_argument('--seeds', default='1,2,3')
p.add_argument('--tasks', default='')
p.add_argument('--wide', type=int, default=8, help='conv1 channels (conv2: twice)')
args = p.parse_args()
torch.set_num_threads(1)

meta = json.load(open(os.path.join(args.data, 'meta.json')))


def load(split):
    n = meta['n'][split]
    x = np.fromfile(os.path.join(args.data, f'{split}.x.f32'), dtype='<f4').reshape(n, 1, 28, 28)
    labels = {}
    for t in meta['tasks']:
        for ext, dt in (('i32', '<i4'), ('f32', '<f4')):
            f = os.path.join(args.data, f'{split}.{t["name"]}.{ext}')
            if os.path.exists(f):
                labels[t['name']] = torch.from_numpy(np.fromfile(f, dtype=dt).copy())
    return torch.from_numpy(x.copy()), labels


data = {s: load(s) for s in ('train', 'val', 'test')}
tasks = [t for t in meta['tasks'] if not args.tasks or t['name'] in args.tasks.split(',')]


def model_for(task, c):
    return nn.Sequential(
        nn.Conv2d(1, c, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(2 * c * 49, 64), nn.ReLU(), nn.Linear(64, task['outputs']))


def loss_of(task, out, y):
    if task['kind'] == 'class':
        return F.cross_entropy(out, y.long())
    if task['kind'] == 'binary':
        return F.binary_cross_entropy_with_logits(out[:, 0], y)
    return F.mse_loss(out[:, 0], y)


@torch.no_grad()
def metric(task, m, split):
    x, labels = data[split]
    out = m(x)
    y = labels[task['name']]
    if task['kind'] == 'class':
        return (out.argmax(1) == y.long()).float().mean().item() * 100
    if task['kind'] == 'binary':
        return ((out[:, 0] > 0).float() == y).float().mean().item() * 100
    return (out[:, 0] - y).abs().mean().item() * 45


def lr_factor(s):
    flat = round(args.flat * args.steps)
    if s < flat:
        return 1.0
    return 0.5 * (1 + math.cos(math.pi * min(s - flat, args.steps - flat) / max(args.steps - flat, 1)))


rows = []
for task in tasks:
    for seed in [int(s) for s in args.seeds.split(',')]:
        torch.manual_seed(seed)
        m = model_for(task, args.wide)
        opt = torch.optim.Adam(m.parameters(), lr=args.lr)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
        x, labels = data['train']
        y = labels[task['name']]
        g = torch.Generator().manual_seed(seed * 7919 + 13)
        order, at = torch.randperm(len(x), generator=g), 0
        points = [round((k + 1) * args.steps / 8) for k in range(8)]
        curve = []
        for step in range(args.steps):
            if at + args.batch > len(x):
                order, at = torch.randperm(len(x), generator=g), 0
            idx = order[at:at + args.batch]
            at += args.batch
            opt.zero_grad()
            loss_of(task, m(x[idx]), y[idx]).backward()
            opt.step()
            sched.step()
            if step + 1 in points:
                m.eval()
                curve.append(metric(task, m, 'val'))
                m.train()
        change = abs(sum(curve[6:]) / 2 - sum(curve[4:6]) / 2)
        test = metric(task, m, 'test')
        rows.append((task['name'], seed, test, change))
        print(f'{task["name"]:6s} seed {seed}: test {test:6.2f}  Q3->Q4 {change:5.2f} {"" if change < 0.5 else "NOT CONVERGED"}  '
              f'curve {" ".join(f"{v:.1f}" for v in curve)}', flush=True)
for t in tasks:
    r = [row for row in rows if row[0] == t['name']]
    te = np.array([row[2] for row in r])
    print(f'== {t["name"]}: test {te.mean():.2f} ± {te.std(ddof=1) if len(te) > 1 else 0:.2f}; converged {sum(row[3] < 0.5 for row in r)}/{len(r)}')
