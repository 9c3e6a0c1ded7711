"""IDX files (MNIST, Fashion-MNIST, KMNIST, EMNIST), gzipped or raw, and folders of them.

A folder is read by file name: ``*train*-images-idx3-ubyte[.gz]`` with its
``labels-idx1`` partner for training, ``*t10k*``/``*test*`` for the test set.
A folder holding only the test files is a test-only dataset.

EMNIST stores every image transposed (column-major, as the NIST source).
It is recognised by the ``emnist`` prefix its files carry (or an ``emnist``
folder name), the images are transposed back to upright, and a note says
so; its ``*-mapping.txt`` (label -> character code) gives the class names.
Class names: a ``classes.txt`` in the folder (one per line) wins; else
Fashion-MNIST's or KMNIST's when the folder or file names say so; else the
label numbers.
"""

from __future__ import annotations

import gzip
import math
import os
import re
import struct
import sys
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

from cnn_explorer.core.datasets.split import DEFAULT_SPLIT, make_dataset
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.files import open_user_file, read_user_text
from cnn_explorer.core.io.limits import (
    MAX_CLASSES,
    MAX_DATASET_BYTES,
    check_bytes,
    check_class_count,
)

_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_NAME = re.compile(r"idx\d-ubyte(\.gz)?$", re.IGNORECASE)
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
KMNIST_CLASSES = ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo")


_CHUNK = 16 * 1024**2


def _read_exactly(stream, count: int, path: Path) -> bytes:
    """``count`` bytes of ``stream`` (or fewer at its end), read in chunks: a lying header never makes us
    allocate more than the stream really holds."""
    parts, have = [], 0
    try:
        while have < count:
            chunk = stream.read(min(_CHUNK, count - have))
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise CnnExplorerError(f"{path.name}: corrupt or truncated gzip file ({exc})") from None
    return b"".join(parts)


def read_idx(path: Path) -> np.ndarray:
    """The array an IDX file holds (gzip detected by its magic bytes, not its name), native byte order.

    The header's sizes are checked against the file's real size (raw) or read with a cap (gzip, streamed:
    a small file that inflates past its header is never inflated whole) and against the dataset budget.
    """
    path = Path(path)
    with open_user_file(path, "IDX file") as fh:
        raw_size = os.fstat(fh.fileno()).st_size
        zipped = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        stream = gzip.GzipFile(fileobj=fh, mode="rb") if zipped else fh
        with stream:
            head = _read_exactly(stream, 4, path)
            if len(head) < 4 or head[:2] != b"\x00\x00" or head[2] not in _DTYPES or head[3] == 0:
                raise CnnExplorerError(
                    f"{path.name}: not an IDX file (wrong magic number {head[:4].hex() or 'empty'}; "
                    "expected 0000 08 03 for images or 0000 08 01 for labels)"
                )
            ndim = head[3]
            dims_raw = _read_exactly(stream, 4 * ndim, path)
            if len(dims_raw) < 4 * ndim:
                raise CnnExplorerError(f"{path.name}: IDX header is truncated")
            dims = struct.unpack(f">{ndim}I", dims_raw)
            dtype = np.dtype(_DTYPES[head[2]])
            expected = math.prod(dims) * dtype.itemsize
            shape = "x".join(str(d) for d in dims)
            payload_size = raw_size - 4 - 4 * ndim
            if not zipped and payload_size != expected:
                what = "truncated" if payload_size < expected else "longer than its header says"
                raise CnnExplorerError(
                    f"{path.name}: {what}: {payload_size} data bytes for a {shape} array needing {expected}")
            check_bytes(expected, path.name, f"its header's {shape} array", MAX_DATASET_BYTES)
            payload = _read_exactly(stream, expected + 1, path)
    if len(payload) < expected:
        raise CnnExplorerError(f"{path.name}: truncated: {len(payload)} data bytes for a {shape} array needing {expected}")
    if len(payload) > expected:
        raise CnnExplorerError(f"{path.name}: longer than its header says (a {shape} array of {expected} bytes); "
                               "refused without unpacking the rest")
    data = np.frombuffer(payload, dtype=dtype).reshape(dims)
    return data.astype(dtype.newbyteorder("="))


def _role(name: str) -> tuple[str | None, str | None]:
    low = name.lower()
    split = "train" if re.search(r"(^|[-_.])train[-_.]", low) else (
        "test" if re.search(r"(^|[-_.])(t10k|test)[-_.]", low) else None)
    kind = "images" if ("images" in low or "idx3" in low) else ("labels" if ("labels" in low or "idx1" in low) else None)
    return split, kind


def looks_like_idx_folder(folder: Path) -> bool:
    """True when the folder holds at least one IDX file (by name)."""
    return any(_IDX_NAME.search(p.name) for p in folder.iterdir() if p.is_file())


def _find_files(folder: Path) -> dict[tuple[str, str], Path]:
    found: dict[tuple[str, str], list[Path]] = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and _IDX_NAME.search(p.name):
            split, kind = _role(p.name)
            if split and kind:
                found.setdefault((split, kind), []).append(p)
    chosen = {}
    for key, paths in found.items():
        stems = {p.name.lower().removesuffix(".gz") for p in paths}
        if len(stems) > 1:
            raise CnnExplorerError(
                f"{folder}: several IDX {key[0]} {key[1]} files ({', '.join(p.name for p in paths)}); "
                "keep one set per folder"
            )
        chosen[key] = paths[0]  # the same file gzipped and raw: either will do
    return chosen


def _class_names(folder: Path, files: Sequence[Path], labels: np.ndarray, emnist: bool,
                 name: str | None) -> tuple[list[str], np.ndarray | None]:
    """Names for the classes, and a lookup table renumbering labels 0..K-1 when a mapping file says so."""
    count = check_class_count(int(labels.max()) + 1 if labels.size else 0, str(folder))
    custom = folder / "classes.txt"
    if custom.is_file():
        names = [line.strip() for line in read_user_text(custom, "class names file").splitlines() if line.strip()]
        if len(names) < count:
            raise CnnExplorerError(f"{custom}: lists {len(names)} classes but the labels go up to {count - 1}")
        return names, None
    if emnist:
        mapping = sorted(folder.glob("*mapping.txt"))
        if mapping:
            pairs = []
            for line in read_user_text(mapping[0], "EMNIST mapping file").split("\n"):
                parts = line.split()
                if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
                    if len(parts[0]) > 6 or int(parts[0]) >= MAX_CLASSES or len(parts[1]) > 9:
                        raise CnnExplorerError(f"{mapping[0].name}: label {parts[0][:12]} or character code "
                                               f"{parts[1][:12]} is out of range")
                    code = int(parts[1])
                    if code > sys.maxunicode:
                        raise CnnExplorerError(f"{mapping[0].name}: {code} is not a character code (label "
                                               f"{parts[0]})")
                    pairs.append((int(parts[0]), chr(code)))
            if pairs:
                label_of = {lab: i for i, (lab, _) in enumerate(sorted(pairs))}
                unknown = set(np.unique(labels).tolist()) - set(label_of)
                if unknown:
                    raise CnnExplorerError(f"{mapping[0].name}: no entry for labels {sorted(unknown)[:5]}")
                lut = np.zeros(max(label_of) + 1, dtype=np.int64)
                for lab, i in label_of.items():
                    lut[lab] = i
                return [ch for _, ch in sorted(pairs)], lut
    hint = " ".join([folder.name, name or "", *(f.name for f in files)]).lower()
    if "fashion" in hint and count <= 10:
        return list(FASHION_CLASSES), None
    if "kmnist" in hint and count <= 10:
        return list(KMNIST_CLASSES), None
    return [str(i) for i in range(count)], None


def _images(arr: np.ndarray, path: Path) -> np.ndarray:
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[-1] not in (1, 3):
        raise CnnExplorerError(f"{path.name}: images must be (N, H, W) or (N, H, W, 1|3), got {arr.shape}")
    if arr.dtype != np.uint8:
        raise CnnExplorerError(f"{path.name}: images must be unsigned bytes (type 0x08), got {arr.dtype}")
    return arr


def _labels(arr: np.ndarray, path: Path, count: int) -> np.ndarray:
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise CnnExplorerError(f"{path.name}: labels must be a 1-D integer IDX file, got {arr.shape} {arr.dtype}")
    if arr.shape[0] != count:
        raise CnnExplorerError(f"{path.name}: {arr.shape[0]} labels for {count} images")
    if arr.size and arr.min() < 0:
        raise CnnExplorerError(f"{path.name}: labels must be non-negative, got {int(arr.min())}")
    return arr.astype(np.int64)


def load_idx_folder(folder: Path, *, split: Sequence[float] = DEFAULT_SPLIT, seed: int = 0, name: str | None = None):
    """A `Dataset` from a folder of IDX files (train and/or test pairs)."""
    folder = Path(folder)
    files = _find_files(folder)
    for part in ("train", "test"):
        have_img, have_lab = (part, "images") in files, (part, "labels") in files
        if have_img != have_lab:
            missing = "labels" if have_img else "images"
            raise CnnExplorerError(f"{folder}: found {part} {'images' if have_img else 'labels'} but no {part} {missing} file")
    if not files:
        raise CnnExplorerError(f"{folder}: no train-/t10k- images and labels IDX files found")
    emnist = "emnist" in folder.name.lower() or any(p.name.lower().startswith("emnist") for p in files.values())
    arrays = {}
    for part in ("train", "test"):
        if (part, "images") in files:
            x = _images(read_idx(files[part, "images"]), files[part, "images"])
            if emnist:
                x = np.ascontiguousarray(x.transpose(0, 2, 1, 3))
            y = _labels(read_idx(files[part, "labels"]), files[part, "labels"], x.shape[0])
            arrays[part] = (x, y)
    shapes = {a[0].shape[1:] for a in arrays.values()}
    if len(shapes) > 1:
        raise CnnExplorerError(f"{folder}: train and test images differ in size: {sorted(shapes)}")
    all_y = np.concatenate([a[1] for a in arrays.values()])
    names, lut = _class_names(folder, list(files.values()), all_y, emnist, name)
    if lut is not None:
        arrays = {part: (x, lut[y]) for part, (x, y) in arrays.items()}
    notes = ["EMNIST: images transposed to upright (detected by the 'emnist' file names)"] if emnist else []
    label = name or folder.name
    source = f"IDX files in {folder}"
    if "train" not in arrays:
        tx, ty = arrays["test"]
        notes.append("test-only: the folder holds only test files, so train and val are empty")
        empty = np.zeros((0, *tx.shape[1:]), dtype=tx.dtype)
        return make_dataset(label, names, empty, np.zeros(0, np.int64), split=split, seed=seed, source=source,
                            test_x=tx, test_y=ty, notes=notes)
    x, y = arrays["train"]
    test = arrays.get("test")
    return make_dataset(label, names, x, y, split=split, seed=seed, source=source,
                        test_x=None if test is None else test[0], test_y=None if test is None else test[1], notes=notes)
