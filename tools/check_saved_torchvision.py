#!/usr/bin/python3
"""Loads a model saved by transfer.save into torchvision with strict=True and checks its logits.

    SAVED_TORCH_CHECK_DIR=/tmp/saved-check GPU_TEST_WORKERS=1 npx vitest run tests/gpu/model-file.test.ts
    /usr/bin/python3 tools/check_saved_torchvision.py /tmp/saved-check

The test writes <dir>/saved-resnet18.safetensors (a resnet18 with a new 3-class head and seeded weights,
tests/harness/zoo-seed.ts, the head's at 1/16, saved by transfer.save with its metadata) and <dir>/saved-resnet18.json (the input's
shape and seed, and the logits the engine computed after transfer.load). This script reads the file's
metadata (docs/transfer.md: format, library, library_version, architecture, classes, input), builds the
architecture it names in torchvision, load_state_dict(strict=True), runs the seeded input (tests/harness/
random.ts) in eval mode, compares torch's logits with the engine's (max |diff| <= 1e-4), and writes the
fixture tests/fixtures/saved-resnet18.json: the file's sha256 and metadata, the input, and torch's logits.
tests/gpu/model-file.test.ts then checks, without torch, that the file it saves has that sha256 and that its
loaded model agrees with torch's logits. Exit status 1 on a failed load or a difference over 1e-4.
"""

import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from export_torchvision import load_safetensors  # noqa: E402
from gen_zoo_fixtures import random_array  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "saved-resnet18.json")
TOLERANCE = 1e-4


def metadata_of(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
    return header.get("__metadata__") or {}


def build(architecture):
    name, classes = architecture["name"], architecture["numClasses"]
    if architecture.get("truncateAt") is not None:
        raise SystemExit(f"a truncated {name} has no torchvision equivalent")
    if name == "resnet18":
        return torchvision.models.resnet18(num_classes=classes)
    if name == "resnet34":
        return torchvision.models.resnet34(num_classes=classes)
    if name == "mobilenet_v2":
        return torchvision.models.mobilenet_v2(num_classes=classes, width_mult=architecture.get("widthMult", 1.0))
    raise SystemExit(f"no torchvision architecture for {name}")


def main(directory):
    torch.set_num_threads(1)
    path = os.path.join(directory, "saved-resnet18.safetensors")
    engine = json.load(open(os.path.join(directory, "saved-resnet18.json")))
    meta = metadata_of(path)
    for key in ["format", "library", "library_version", "architecture", "classes", "input"]:
        if key not in meta:
            print(f"missing metadata key {key}")
            return 1
    architecture = json.loads(meta["architecture"])
    model = build(architecture)
    model.load_state_dict(load_safetensors(path), strict=True)
    model.eval()
    shape = engine["input"]["shape"]
    x = torch.from_numpy(random_array(int(np.prod(shape)), engine["input"]["seed"]).astype(np.float32)).reshape(shape)
    with torch.no_grad():
        logits = model(x).reshape(-1).tolist()
    err = max(abs(a - b) for a, b in zip(logits, engine["logits"]))
    print(f"{architecture['name']} {shape}: strict load ok, classes {json.loads(meta['classes'])}, max |torch - engine| = {err:.3g}")
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    fixture = {
        "note": "written by tools/check_saved_torchvision.py; read by tests/gpu/model-file.test.ts",
        "sha256": digest,
        "metadata": meta,
        "input": engine["input"],
        "torch_logits": logits,
        "max_abs_diff_engine": err,
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__},
    }
    with open(FIXTURE, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    return 0 if err <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/saved-check"))
