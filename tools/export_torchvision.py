#!/usr/bin/python3
"""Export a torchvision model's state_dict as .safetensors for webgpu-tensor's models.* (no safetensors package).

    /usr/bin/python3 tools/export_torchvision.py resnet18 --weights DEFAULT -o resnet18.safetensors
    /usr/bin/python3 tools/export_torchvision.py mobilenet_v2 --weights IMAGENET1K_V2 -o mobilenet_v2.safetensors
    /usr/bin/python3 tools/export_torchvision.py mobilenet_v2 --width-mult 0.5 --num-classes 10 -o mnv2.safetensors
    /usr/bin/python3 tools/export_torchvision.py --checkpoint my_finetune.pth resnet18 --num-classes 5 -o mine.safetensors

Any torchvision classification model name works (torchvision.models.<name>); --checkpoint loads a saved
state_dict (torch.save(model.state_dict(), path)) into it first, strictly. Pretrained weights come from
torchvision's cache or its download (the browser side never downloads anything).

From your own code:

    from export_torchvision import save_safetensors
    save_safetensors(model.state_dict(), "model.safetensors")

Format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
header {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}} padded with spaces to
a multiple of 8, then the tensors' raw little-endian bytes, in state_dict order. float32 → F32, int64
(BatchNorm's num_batches_tracked) → I64, other float dtypes are converted to F32. Metadata: format, arch,
torchvision's version, width_mult when given, and with --weights "input": the weights' own preprocessing
(size, resizeShorter, mean, std from weights.transforms()) as the InputSpec JSON models.*({ weights }) reads.
"""

import argparse
import json
import struct
import sys

import torch

DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.int32: "I32", torch.float64: "F32", torch.float16: "F32", torch.bfloat16: "F32"}


def save_safetensors(state_dict, path, metadata=None):
    """Writes `state_dict` (name → tensor) to `path` in the safetensors format, keys in the dict's order."""
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs = []
    offset = 0
    for name, t in state_dict.items():
        t = t.detach().cpu()
        if t.dtype not in DTYPES:
            raise ValueError(f"{name}: dtype {t.dtype} is not supported (float or int64/int32 only)")
        dtype = DTYPES[t.dtype]
        if dtype == "F32" and t.dtype != torch.float32:
            t = t.to(torch.float32)
        data = t.contiguous().numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    """Reads a .safetensors file (F32 / I64 / I32) back into an ordered dict of torch tensors."""
    import numpy as np

    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    np_dtypes = {"F32": np.float32, "I64": np.int64, "I32": np.int32}
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        arr = np.frombuffer(data[base + begin : base + end], dtype=np.dtype(np_dtypes[e["dtype"]]).newbyteorder("<"))
        out[name] = torch.from_numpy(arr.copy()).reshape(e["shape"])
    return out


def build(name, weights, num_classes, width_mult):
    import torchvision

    kwargs = {}
    if weights:
        kwargs["weights"] = weights
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    if width_mult is not None:
        kwargs["width_mult"] = width_mult
    return getattr(torchvision.models, name)(**kwargs)


def input_spec(name, weights):
    """The weights' own preprocessing (torchvision's ImageClassification preset) as webgpu-tensor's InputSpec JSON,
    stored under the metadata key "input" so models.*({ weights }) sets model.inputSpec; None without weights."""
    if not weights:
        return None
    import torchvision

    enum = torchvision.models.get_model_weights(name)
    preset = (enum.DEFAULT if weights == "DEFAULT" else enum[weights]).transforms()
    crop = list(getattr(preset, "crop_size", [224]))
    resize = list(getattr(preset, "resize_size", [256]))
    size = [crop[0], crop[-1]]
    return json.dumps({"size": size, "channels": 3, "resizeShorter": resize[0], "mean": list(preset.mean), "std": list(preset.std)})


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="torchvision.models function, e.g. resnet18, resnet34, mobilenet_v2")
    p.add_argument("-o", "--output", required=True, help="output .safetensors path")
    p.add_argument("--weights", default=None, help="torchvision weights enum name, e.g. DEFAULT, IMAGENET1K_V1")
    p.add_argument("--checkpoint", default=None, help="a torch.save()d state_dict to load into the model first")
    p.add_argument("--num-classes", type=int, default=None)
    p.add_argument("--width-mult", type=float, default=None, help="mobilenet_v2 only")
    a = p.parse_args(argv)
    model = build(a.model, a.weights, a.num_classes, a.width_mult)
    if a.checkpoint:
        model.load_state_dict(torch.load(a.checkpoint, map_location="cpu"), strict=True)
    sd = model.state_dict()
    meta = {"format": "pt", "arch": a.model, "torchvision": __import__("torchvision").__version__}
    if a.width_mult is not None:
        meta["width_mult"] = str(a.width_mult)
    spec = input_spec(a.model, a.weights)
    if spec is not None:
        meta["input"] = spec
    save_safetensors(sd, a.output, meta)
    n = sum(t.numel() for t in sd.values())
    print(f"{a.output}: {len(sd)} tensors, {n:,} values ({a.model})")


if __name__ == "__main__":
    main(sys.argv[1:])
