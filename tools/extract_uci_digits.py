#!/usr/bin/env python3
"""Extracts the UCI 8x8 handwritten digits that Debian's python3-sklearn ships into data/uci-digits.bin.

The source is sklearn/datasets/data/digits.csv.gz: 1,797 rows of 64 grey levels (0..16, row-major 8x8) and a
label (0..9). They were written by 43 people other than MNIST's writers and scanned differently (32x32 bitmaps
counted in 4x4 blocks). The output is 1,797 records of 65 bytes: 64 grey levels, then the label. Run once:

    /usr/bin/python3 tools/extract_uci_digits.py
"""
import csv
import gzip
import os
import sys

SOURCES = ['/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz']


def main() -> None:
    try:
        import sklearn  # noqa: F401
        SOURCES.insert(0, os.path.join(os.path.dirname(sklearn.__file__), 'datasets', 'data', 'digits.csv.gz'))
    except ImportError:
        pass
    src = next((p for p in SOURCES if os.path.exists(p)), None)
    if src is None:
        sys.exit('digits.csv.gz not found: apt-get install -y python3-sklearn')
    out = bytearray()
    with gzip.open(src, 'rt') as f:
        for row in csv.reader(f):
            values = [int(float(v)) for v in row]
            assert len(values) == 65 and all(0 <= v <= 16 for v in values[:64]) and 0 <= values[64] <= 9
            out.extend(values)
    assert len(out) == 1797 * 65, len(out)
    dst = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'uci-digits.bin')
    with open(dst, 'wb') as f:
        f.write(out)
    print(f'{src} -> {os.path.normpath(dst)}: {len(out) // 65} digits')


if __name__ == '__main__':
    main()
