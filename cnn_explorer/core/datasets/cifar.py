"""CIFAR-10 folders: the python version (pickled batches, read by `safe_pickle`) or the binary version.

Python version: ``data_batch_1`` .. ``data_batch_5``, ``test_batch`` and
``batches.meta`` (dicts holding a (N, 3072) uint8 array, R then G then B
planes of 32x32, and a label list). Binary version: ``data_batch_N.bin`` and
``test_batch.bin``, records of one label byte + 3072 pixel bytes, with
``batches.meta.txt`` naming the classes. The folder may also be the one that
holds ``cifar-10-batches-py`` or ``cifar-10-batches-bin``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from cnn_explorer.core.datasets.safe_pickle import safe_loads
from cnn_explorer.core.datasets.split import DEFAULT_SPLIT, make_dataset
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.files import read_user_file, read_user_text
from cnn_explorer.core.io.limits import (
    MAX_DATASET_BYTES,
    check_bytes,
    check_class_count,
)

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
_BATCH = re.compile(r"^(data_batch_\d+|test_batch)(\.bin)?$")
_PIXELS = 32 * 32 * 3


def _batch_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and _BATCH.match(p.name))


def _resolve_folder(folder: Path) -> Path:
    if _batch_files(folder):
        return folder
    for sub in ("cifar-10-batches-py", "cifar-10-batches-bin"):
        if (folder / sub).is_dir() and _batch_files(folder / sub):
            return folder / sub
    return folder


def looks_like_cifar_folder(folder: Path) -> bool:
    """True when the folder (or its cifar-10-batches-* sub-folder) holds CIFAR batch files."""
    return bool(_batch_files(_resolve_folder(folder)))


def _field(d: dict, key: str) -> Any:
    for k in (key, key.encode()):
        if k in d:
            return d[k]
    return None


def read_python_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One pickled batch as (N, 32, 32, 3) uint8 images and (N,) int64 labels, without unpickling code."""
    batch = safe_loads(read_user_file(path, "CIFAR batch"), path.name)
    if not isinstance(batch, dict):
        raise CnnExplorerError(f"{path.name}: not a CIFAR batch (expected a dict with 'data' and 'labels')")
    data = _field(batch, "data")
    labels = _field(batch, "labels")
    if labels is None:
        labels = _field(batch, "fine_labels")
    if not isinstance(data, np.ndarray) or labels is None:
        raise CnnExplorerError(f"{path.name}: not a CIFAR batch (no 'data' array or 'labels' list)")
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != _PIXELS:
        raise CnnExplorerError(f"{path.name}: 'data' must be (N, 3072) uint8, got {data.shape} {data.dtype}")
    y = np.asarray(labels)
    if y.shape != (data.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise CnnExplorerError(f"{path.name}: {y.shape[0] if y.ndim else 0} labels for {data.shape[0]} images")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), y.astype(np.int64)


def read_binary_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One binary batch (records of 1 label byte + 3072 pixel bytes) as images and labels."""
    raw = np.frombuffer(read_user_file(path, "CIFAR batch", allow_empty=True), dtype=np.uint8)
    if raw.size == 0 or raw.size % (_PIXELS + 1):
        raise CnnExplorerError(
            f"{path.name}: {raw.size} bytes is not a whole number of CIFAR-10 records ({_PIXELS + 1} bytes each)"
        )
    records = raw.reshape(-1, _PIXELS + 1)
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
    return images, records[:, 0].astype(np.int64)


def _class_names(folder: Path, count: int) -> list[str]:
    meta = folder / "batches.meta"
    if meta.is_file():
        data = safe_loads(read_user_file(meta, "CIFAR class names file"), meta.name)
        names = _field(data, "label_names") if isinstance(data, dict) else None
        if isinstance(names, list) and names:
            return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in names]
    text = folder / "batches.meta.txt"
    if text.is_file():
        names = [line.strip() for line in read_user_text(text, "class names file").splitlines() if line.strip()]
        if names:
            return names
    return list(CIFAR10_CLASSES) if count <= 10 else [str(i) for i in range(check_class_count(count, str(folder)))]


def load_cifar_folder(folder: Path, *, split: Sequence[float] = DEFAULT_SPLIT, seed: int = 0, name: str | None = None):
    """A `Dataset` from a CIFAR-10 folder; test_batch is the test set, the data batches are train + val."""
    folder = _resolve_folder(Path(folder))
    files = _batch_files(folder)
    python = [p for p in files if p.suffix != ".bin"]
    files = python or files  # a folder with both versions: the python one
    train, test = [], []
    total = 0
    for path in files:
        xy = read_python_batch(path) if path.suffix != ".bin" else read_binary_batch(path)
        total += xy[0].nbytes
        check_bytes(total, str(folder), "the batches' images", MAX_DATASET_BYTES)
        if xy[1].size and xy[1].min() < 0:
            raise CnnExplorerError(f"{path.name}: labels must be non-negative, got {int(xy[1].min())}")
        (test if path.name.startswith("test_batch") else train).append(xy)
    count = int(max((int(y.max()) for _, y in train + test if y.size), default=0)) + 1
    check_class_count(count, str(folder))
    names = _class_names(folder, count)
    if len(names) < count:
        raise CnnExplorerError(f"{folder}: {len(names)} class names for labels up to {count - 1}")
    label = name or ("cifar10" if folder.name.startswith("cifar-10-batches") else folder.name)
    source = f"CIFAR-10 batches in {folder}"
    if not train:
        tx, ty = test[0]
        empty = np.zeros((0, 32, 32, 3), dtype=np.uint8)
        return make_dataset(label, names, empty, np.zeros(0, np.int64), split=split, seed=seed, source=source,
                            test_x=tx, test_y=ty, notes=["test-only: the folder holds only test_batch"])
    x = np.concatenate([a for a, _ in train])
    y = np.concatenate([b for _, b in train])
    return make_dataset(label, names, x, y, split=split, seed=seed, source=source,
                        test_x=test[0][0] if test else None, test_y=test[0][1] if test else None)
