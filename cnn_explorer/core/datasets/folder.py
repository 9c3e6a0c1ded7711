"""Image folders with one sub-folder per class (slide 003's "8" / "not 8"), through the one picture loader.

Class names are the sub-folder names, sorted. Every image becomes grey
(1 channel) when all of them are grey, else RGB (3 channels); pictures are
read by :func:`cnn_explorer.core.io.images.read_picture` (limits, EXIF
orientation, transparency on white, 16-bit and float scaled to 0..255).
Images of mixed sizes need ``size`` (int or (H, W)): each is then resized
(stretched, Lanczos) to it. Files without an image extension (and hidden
files) are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from cnn_explorer.core.datasets.split import DEFAULT_SPLIT, make_dataset
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.files import size_text
from cnn_explorer.core.io.images import flatten_picture, picture_header, read_picture
from cnn_explorer.core.io.limits import MAX_DATASET_BYTES

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm"}
_GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F", "La"}


def _target_size(size: int | Sequence[int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    hw = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    if len(hw) != 2 or not all(isinstance(s, (int, np.integer)) and 1 <= s <= 1024 for s in hw):
        raise CnnExplorerError(f"size: must be a side or (height, width) between 1 and 1024, got {size!r}")
    return int(hw[0]), int(hw[1])


def _picture(path: Path, hw: tuple[int, int] | None) -> tuple[np.ndarray, bool]:
    """One image file -> uint8 (H, W) if its file is grey, else (H, W, 3); resized to ``hw`` when given.

    Decoded at reduced size when it is over twice ``hw`` (Lanczos then works from at least
    twice the target, as Pillow's ``reducing_gap``), so big pictures are never held whole.
    """
    picture = read_picture(path, min_side=None if hw is None else 2 * max(hw))
    im = picture.image
    grey = im.mode in _GREY_MODES or (im.mode == "P" and _grey_palette(im))
    flat = flatten_picture(im, str(path))
    if isinstance(flat, np.ndarray):  # deeper grey, already on 0..255
        flat = Image.fromarray(np.clip(np.rint(flat), 0, 255).astype(np.uint8), "L")
    if grey and flat.mode != "L":
        flat = flat.convert("L")  # a grey palette: its three channels are equal
    if hw is not None and (flat.height, flat.width) != hw:
        flat = flat.resize((hw[1], hw[0]), Image.Resampling.LANCZOS)
    return np.asarray(flat, dtype=np.uint8), grey


def _channels(arr: np.ndarray, grey: bool) -> np.ndarray:
    """(H, W, 1) for a grey dataset, (H, W, 3) for a colour one (grey pictures repeated)."""
    if grey:
        return arr[..., None]
    return arr if arr.ndim == 3 else np.repeat(arr[..., None], 3, axis=2)


def load_image_folder(
    folder: Path,
    *,
    split: Sequence[float] = DEFAULT_SPLIT,
    seed: int = 0,
    size: int | Sequence[int] | None = None,
    name: str | None = None,
):
    """A `Dataset` from ``folder/<class>/<image files>``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CnnExplorerError(f"{folder}: no such folder")
    hw = _target_size(size)
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    classes = sorted(p for p in entries if p.is_dir())
    if not classes:
        if any(p.suffix.lower() in IMAGE_EXTENSIONS for p in entries):
            raise CnnExplorerError(
                f"{folder}: images must be sorted into one sub-folder per class (e.g. '8/' and 'not 8/')"
            )
        raise CnnExplorerError(
            f"{folder}: no dataset here: expected IDX files, CIFAR-10 batches, or one sub-folder of images per class"
        )
    if len(classes) < 2:
        raise CnnExplorerError(f"{folder}: found one class folder ({classes[0].name}); a classifier needs at least two")
    files: list[tuple[Path, int]] = []
    for label, sub in enumerate(classes):
        images = sorted(p for p in sub.iterdir()
                        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS)
        if not images:
            raise CnnExplorerError(f"{sub}: class folder '{sub.name}' holds no images")
        files.extend((p, label) for p in images)
    _check_budget(folder, [p for p, _ in files], hw)
    pictures = [_picture(p, hw) for p, _ in files]
    grey = all(is_grey for _, is_grey in pictures)
    if hw is None:
        sizes = {arr.shape[:2]: p for (arr, _), (p, _) in zip(pictures, files)}
        if len(sizes) > 1:
            (a, pa), (b, pb) = list(sizes.items())[:2]
            raise CnnExplorerError(
                f"{folder}: images have mixed sizes ({a[0]}x{a[1]} in {pa.parent.name}/{pa.name}, "
                f"{b[0]}x{b[1]} in {pb.parent.name}/{pb.name}); give a size to resize them to"
            )
    x = np.stack([_channels(arr, grey) for arr, _ in pictures])
    y = np.array([label for _, label in files], dtype=np.int64)
    return make_dataset(name or folder.name, [c.name for c in classes], x, y, split=split, seed=seed,
                        source=f"image folder {folder}")


def _check_budget(folder: Path, paths: list[Path], hw: tuple[int, int] | None) -> None:
    """Refuse, from the pictures' headers and before decoding any, a folder whose pictures together exceed the
    dataset budget (each may be under the per-picture limit while all of them are not)."""
    total = 0
    for path in paths:
        header = picture_header(path)
        if header is None:
            continue  # no header we read: decoding it gives the message
        h, w, bands = header
        pixels = hw[0] * hw[1] if hw is not None else h * w
        total += pixels * (1 if bands < 3 else 3)
        if total > MAX_DATASET_BYTES:
            raise CnnExplorerError(
                f"{folder}: its {len(paths):,} pictures need over {size_text(MAX_DATASET_BYTES)} once decoded "
                f"(the limit); give a smaller size to resize them to, or use fewer pictures"
            )


def _grey_palette(im) -> bool:
    palette = im.getpalette() or []
    rgb = np.asarray(palette[: len(palette) // 3 * 3]).reshape(-1, 3)
    return bool(rgb.size) and bool((rgb[:, 0] == rgb[:, 1]).all() and (rgb[:, 1] == rgb[:, 2]).all())
