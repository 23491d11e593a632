#!/usr/bin/env python3
"""PyTorch eager reference for the GPU run (bench/gpu/run.sh): the same rows as the engine's, timed the way a
PyTorch user would see them, written as JSON that bench/node-entry.ts (--reference) puts beside our figures.

Rows (names match bench/cases/*.ts):
  matmul 1024 / 2048 / 4096                 torch.mm, FP32 with TF32 off
  conv2d resnet18 layer1 64→64 56² N64 fwd / bwd   F.conv2d (cuDNN), bwd = input + weight gradients
  train mnist-cnn|resnet-s full|frozen|two-heads N64|N256
      one Adam step (lr 1e-3, eps 1e-8) with loss.item() every step, models as in bench/cases/train.ts
      (BatchNorm eps 1e-5 momentum 0.1; frozen = trunk requires_grad False and in eval mode).

Usage: python3 bench/gpu/torch_reference.py OUT.json [--device cuda|cpu] [--quick]
Without torch it writes {"error": ...} and exits 0, so the GPU run goes on without the reference.
"""
import json
import sys
import time


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else "torch-reference.json"
    quick = "--quick" in sys.argv
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001 - any import failure means no reference
        json.dump({"error": f"no torch: {e}"}, open(out, "w"))
        print(f"torch_reference: no torch ({e}); skipped")
        return
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if "--device" in sys.argv:
        device = sys.argv[sys.argv.index("--device") + 1]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    def timed(fn, target_s=0.5 if not quick else 0.05, min_runs=3):
        fn()
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        one = max(time.perf_counter() - t0, 1e-6)
        n = max(min_runs, min(200, int(target_s / one)))
        samples = []
        for _ in range(5 if not quick else 2):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            sync()
            samples.append((time.perf_counter() - t0) * 1000 / n)
        samples.sort()
        return samples[len(samples) // 2]

    rows = {}
    for n in ([1024, 2048, 4096] if not quick else [256]):
        a = torch.randn(n, n, device=device)
        b = torch.randn(n, n, device=device)
        rows[f"matmul {n}"] = {"ms": timed(lambda: torch.mm(a, b))}

    N = 64 if not quick else 2
    x = torch.randn(N, 64, 56, 56, device=device, requires_grad=True)
    w = torch.randn(64, 64, 3, 3, device=device, requires_grad=True)
    rows[f"conv2d resnet18 layer1 64→64 56² N{N} fwd"] = {"ms": timed(lambda: F.conv2d(x, w, padding=1))}
    y = F.conv2d(x, w, padding=1)
    g = torch.randn_like(y)
    rows[f"conv2d resnet18 layer1 64→64 56² N{N} bwd"] = {"ms": timed(lambda: torch.autograd.grad(y, (x, w), g, retain_graph=True))}

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if stride != 1 or cin != cout else None

        def forward(self, x):
            y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            return F.relu(y + (self.down(x) if self.down is not None else x))

    def trunk_of(model):
        if model == "mnist-cnn":
            return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                                 nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU()), 128, (1, 28, 28)
        return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16, eps=1e-5, momentum=0.1), nn.ReLU(),
                             Block(16, 16, 1), Block(16, 32, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten()), 32, (3, 32, 32)

    batches = [64, 256] if not quick else [4]
    for model in ["mnist-cnn", "resnet-s"]:
        for mode in ["full", "frozen", "two-heads"]:
            for n in batches:
                trunk, feat, shape = trunk_of(model)
                heads = nn.ModuleList([nn.Linear(feat, 10) for _ in range(2 if mode == "two-heads" else 1)])
                trunk.to(device)
                heads.to(device)
                if mode == "frozen":
                    trunk.requires_grad_(False)
                    trunk.eval()
                params = [p for p in list(trunk.parameters()) + list(heads.parameters()) if p.requires_grad]
                opt = torch.optim.Adam(params, lr=1e-3, eps=1e-8)
                xb = torch.randn(n, *shape, device=device)
                ys = [torch.randint(0, 10, (n,), device=device) for _ in heads]

                def step():
                    opt.zero_grad(set_to_none=True)
                    f = trunk(xb)
                    loss = sum(F.cross_entropy(h(f), y) for h, y in zip(heads, ys))
                    loss.backward()
                    opt.step()
                    return loss.item()

                for _ in range(3):
                    step()
                ms = timed(step)
                rows[f"train {model} {mode} N{n}"] = {"ms": ms, "samplesPerSec": 1000 * n / ms}
                print(f"torch {model} {mode} N{n}: {ms:.3f} ms/step", flush=True)

    info = {"torch": torch.__version__, "device": device, "name": torch.cuda.get_device_name(0) if device == "cuda" else "cpu"}
    json.dump({"info": info, "rows": rows}, open(out, "w"), indent=1)
    print(f"torch_reference: wrote {out} ({len(rows)} rows, {info['name']})")


if __name__ == "__main__":
    main()
