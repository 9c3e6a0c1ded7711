"""`load_dataset` and `list_datasets`: one entry point for named and file datasets.

Names: ``mnist-sample`` (bundled), ``xo``, ``slashes``, ``shapes`` (synthetic),
``mnist``, ``fashion-mnist``, ``cifar10`` (downloaded into the cache). Any
other string is a path: an IDX folder, a CIFAR-10 folder (python or binary
batches), a folder of class sub-folders of images, or an ``.npz`` file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from cnn_explorer.core.datasets import bundled, cifar, folder, idx, synthetic
from cnn_explorer.core.datasets import download as dl
from cnn_explorer.core.datasets.base import Dataset, DatasetInfo
from cnn_explorer.core.datasets.npz import read_npz
from cnn_explorer.core.datasets.split import DEFAULT_SPLIT, make_dataset
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.files import check_regular_file
from cnn_explorer.core.io.limits import check_class_count

Progress = Callable[[int, "int | None", str], None]

_DESCRIPTIONS = {
    "mnist-sample": ("bundled", "5,000 MNIST training digits (500 a class), 28x28 grey; works offline"),
    "xo": ("synthetic", "X vs O, 9x9 (slide 004), shifted, distorted, noisy; 600 images"),
    "slashes": ("synthetic", "backslash vs slash, 2x2 (slide 000), incl. poorly drawn; 400 images"),
    "shapes": ("synthetic", "lines, circles, triangles, squares, 28x28 (size=N), rotated, noisy; 800 images"),
    "mnist": ("download", "MNIST, 60,000 + 10,000 handwritten digits, 28x28 grey (~11 MB)"),
    "fashion-mnist": ("download", "Fashion-MNIST, 60,000 + 10,000 clothing images, 28x28 grey (~30 MB)"),
    "cifar10": ("download", "CIFAR-10, 50,000 + 10,000 photos in 10 classes, 32x32 RGB (~163 MB)"),
}
_ALIASES = {
    "mnist-5k": "mnist-sample", "x-o": "xo", "fashion": "fashion-mnist", "fashionmnist": "fashion-mnist",
    "cifar-10": "cifar10", "cifar": "cifar10",
}


def dataset_names() -> tuple[str, ...]:
    """Every name `load_dataset` accepts besides a path."""
    return tuple(_DESCRIPTIONS)


def canonical_name(name: str) -> str | None:
    """The dataset name a user string means ("Fashion_MNIST" -> "fashion-mnist"), or None for a path."""
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    return key if key in _DESCRIPTIONS else None


def _check_size(name: str, size: object, native: tuple[int, int]) -> None:
    if size is None:
        return
    want = (size, size) if isinstance(size, (int, np.integer)) else size
    if not isinstance(want, (tuple, list)) or tuple(want) != native:
        raise CnnExplorerError(
            f"size: {name} images are {native[0]}x{native[1]}; size applies to shapes and image folders, got {size!r}"
        )


def load_dataset(
    name_or_path: str | Path,
    *,
    split: Sequence[float] = DEFAULT_SPLIT,
    seed: int = 0,
    size: int | tuple[int, int] | None = None,
    download: bool = False,
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Dataset:
    """Load a dataset by name or path, split it (seeded, stratified) and compute its normalisation.

    ``split`` is (train, val, test) fractions; a source with its own test set
    (MNIST's t10k files, CIFAR's test_batch) keeps it and divides the rest in
    the ratio train:val. ``size`` is the side of the ``shapes`` images, or the
    common size image folders are resized to (int or (H, W)). ``download``
    fetches a missing ``mnist``/``fashion-mnist``/``cifar10`` into the cache;
    ``progress(done_bytes, total_bytes_or_None, message)`` reports it.
    ``cancel`` (set from another thread) stops the load between its stages
    (download, reading, splitting) with a CnnExplorerError.
    """
    if cancel is not None:
        dataset = _load(name_or_path, split, seed, size, download, cache_dir, _cancellable(progress, cancel, name_or_path),
                        cancel)
        _check_cancel(cancel, name_or_path)
        return dataset
    return _load(name_or_path, split, seed, size, download, cache_dir, progress, None)


def _check_cancel(cancel: threading.Event | None, what) -> None:
    if cancel is not None and cancel.is_set():
        raise CnnExplorerError(f"loading {what} was cancelled")


def _cancellable(progress: Progress | None, cancel: threading.Event, what) -> Progress:
    """``progress`` that first stops a download at its next chunk once ``cancel`` is set."""

    def report(done: int, total: int | None, message: str) -> None:
        _check_cancel(cancel, what)
        if progress is not None:
            progress(done, total, message)

    return report


def _load(name_or_path, split, seed, size, download, cache_dir, progress, cancel) -> Dataset:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise CnnExplorerError(f"seed: must be a whole number from 0, got {seed!r}")
    text = str(name_or_path)
    name = canonical_name(text) if not isinstance(name_or_path, Path) else None
    common = {"split": split, "seed": seed}
    if name == "mnist-sample":
        _check_size(name, size, (28, 28))
        x, y = bundled.load_mnist_sample()
        return make_dataset(name, bundled.MNIST_CLASS_NAMES, x, y, source=bundled.MNIST_SAMPLE_SOURCE, **common)
    if name == "xo":
        _check_size(name, size, (9, 9))
        x, y = synthetic.make_xo(seed=seed)
        return _drawing(make_dataset(name, synthetic.XO_CLASSES, x, y, source="synthetic X vs O (slide 004)",
                                     **common), synthetic.drawer(name))
    if name == "slashes":
        _check_size(name, size, (2, 2))
        x, y = synthetic.make_slashes(seed=seed)
        return _drawing(make_dataset(name, synthetic.SLASH_CLASSES, x, y, source="synthetic \\ vs / (slide 000)",
                                     **common), synthetic.drawer(name))
    if name == "shapes":
        side = 28 if size is None else size
        if not isinstance(side, (int, np.integer)):
            raise CnnExplorerError(f"size: shapes are square; give one number, got {size!r}")
        x, y = synthetic.make_shapes(size=int(side), seed=seed)
        return _drawing(make_dataset(name, synthetic.SHAPE_CLASSES, x, y, source=f"synthetic shapes {side}x{side}",
                                     **common), synthetic.drawer(name, int(side)))
    if name is not None:
        cached = dl.dataset_folder(name, cache_dir)
        if not dl.is_cached(name, cache_dir):
            if not download:
                raise CnnExplorerError(
                    f"{name}: not downloaded yet (looked in {cached}); run `cnn-explorer datasets --download {name}` "
                    "or pass download=True; the bundled mnist-sample works offline"
                )
            cached = dl.fetch(name, cache_dir=cache_dir, progress=progress)
        _check_cancel(cancel, name)
        return _load_path(cached, split, seed, size, display_name=name)
    path = Path(text).expanduser()
    if not path.exists():
        raise CnnExplorerError(
            f"dataset: {text!r} is neither a dataset name ({', '.join(dataset_names())}) nor an existing file or folder"
        )
    _check_cancel(cancel, text)
    return _load_path(path, split, seed, size, display_name=None)


def _drawing(dataset: Dataset, draw: synthetic.Drawer) -> Dataset:
    """``dataset`` able to draw fresh training images of itself (``fresh_data``)."""
    dataset.redraw = draw
    return dataset


def _load_path(path: Path, split, seed, size, display_name: str | None) -> Dataset:
    if not path.is_dir():
        check_regular_file(path, "dataset")  # a FIFO, device or socket: refused before anything opens it
    if path.is_file():
        if path.suffix.lower() == ".npz":
            return _load_npz(path, split, seed, size)
        raise CnnExplorerError(
            f"dataset: {path} is a file; give a folder (IDX files, CIFAR-10 batches or one sub-folder per class) or an .npz"
        )
    if idx.looks_like_idx_folder(path):
        ds = idx.load_idx_folder(path, split=split, seed=seed, name=display_name)
    elif cifar.looks_like_cifar_folder(path):
        ds = cifar.load_cifar_folder(path, split=split, seed=seed, name=display_name)
    else:
        return folder.load_image_folder(path, split=split, seed=seed, size=size)
    _check_size(ds.name, size, ds.input_shape[:2])
    return ds


def _load_npz(path: Path, split, seed, size) -> Dataset:
    """An .npz with ``images`` (N, H, W[, C]) uint8 or float 0..1 and ``labels`` (N,), optional ``class_names``."""
    arrays = read_npz(path, "dataset", ("images", "labels"), ("class_names",))
    x, y = arrays["images"], arrays["labels"]
    names = [str(s) for s in arrays["class_names"]] if "class_names" in arrays else None
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 3) or y.shape != (x.shape[0],):
        raise CnnExplorerError(f"{path}: images must be (N, H, W) or (N, H, W, 1|3) with N labels, got {x.shape} and {y.shape}")
    if x.dtype != np.uint8:
        x = x.astype(np.float32)
        if not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
            raise CnnExplorerError(f"{path}: float images must lie in 0..1")
    if not np.issubdtype(y.dtype, np.integer) or (y.size and y.min() < 0):
        raise CnnExplorerError(f"{path}: labels must be non-negative integers")
    count = check_class_count(int(y.max()) + 1 if y.size else 0, str(path))
    names = names or [str(i) for i in range(count)]
    if len(names) < count:
        raise CnnExplorerError(f"{path}: {len(names)} class_names for labels up to {count - 1}")
    _check_size(path.name, size, x.shape[1:3])
    return make_dataset(path.stem, names, x, y.astype(np.int64), split=split, seed=seed, source=str(path))


def list_datasets(cache_dir: str | Path | None = None) -> list[DatasetInfo]:
    """Every named dataset, its kind (bundled/synthetic/download), whether it loads now, and what it is."""
    infos = []
    for name, (kind, description) in _DESCRIPTIONS.items():
        if kind == "bundled":
            infos.append(DatasetInfo(name, kind, bundled.MNIST_SAMPLE_PATH.is_file(), description, bundled.MNIST_SAMPLE_PATH))
        elif kind == "synthetic":
            infos.append(DatasetInfo(name, kind, True, description))
        else:
            infos.append(DatasetInfo(name, kind, dl.is_cached(name, cache_dir), description,
                                     dl.dataset_folder(name, cache_dir)))
    return infos
