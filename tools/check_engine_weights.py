#!/usr/bin/python3
"""Loads weights the engine saved back into torchvision with strict=True and compares the eval logits.

    ZOO_TORCH_CHECK_DIR=/tmp/zoo-check npx vitest run tests/gpu/models.test.ts   # the engine writes the files
    /usr/bin/python3 tools/check_engine_weights.py /tmp/zoo-check

For each <name>.safetensors / <name>.json pair (the parity models after one train-mode step: running
statistics moved, num_batches_tracked = 1, saved as I32 by the engine) this builds the torchvision model,
load_state_dict(strict=True), runs the seeded input (tests/harness/random.ts, seed in the JSON) in eval mode
and prints max|err| / max|ref| between torch's logits and the engine's. Exit status 1 when any load fails or
differs by more than 1e-4.
"""

import glob
import json
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures"))
from export_torchvision import load_safetensors  # noqa: E402
from gen_zoo_fixtures import random_array  # noqa: E402

BUILD = {
    "resnet18": lambda: torchvision.models.resnet18(num_classes=10),
    "mobilenet_v2 widthMult 0.5": lambda: torchvision.models.mobilenet_v2(width_mult=0.5, num_classes=10),
}


def main(directory):
    torch.set_num_threads(1)
    ok = True
    files = sorted(glob.glob(os.path.join(directory, "*.json")))
    if not files:
        print(f"no engine outputs in {directory}")
        return 1
    for meta_path in files:
        meta = json.load(open(meta_path))
        model = BUILD[meta["name"]]()
        state = load_safetensors(meta_path[: -len(".json")] + ".safetensors")
        result = model.load_state_dict(state, strict=True)
        nbt = [int(v) for k, v in state.items() if k.endswith("num_batches_tracked")]
        shape = meta["input"]["shape"]
        x = torch.from_numpy(random_array(int(np.prod(shape)), meta["input"]["seed"]).astype(np.float32)).reshape(shape)
        model.eval()
        with torch.no_grad():
            ref = model(x).numpy().ravel()
        got = np.array(meta["logits"], dtype=np.float64)
        rel = float(np.abs(got - ref).max() / np.abs(ref).max())
        good = rel <= 1e-4
        ok &= good
        print(f"{meta['name']}: load_state_dict(strict=True): {result}; num_batches_tracked {sorted(set(nbt))}; eval logits max|err|/max|ref| = {rel:.2e} {'ok' if good else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/zoo-check"))
