"""Image folders with one sub-folder per class (slide 003's "8" / "not 8"), via Pillow.

Class names are the sub-folder names, sorted. Every image becomes grey
(1 channel) when all of them are grey, else RGB (3 channels); transparency
is composited over white; EXIF orientation is applied. Images of mixed sizes
need ``size`` (int or (H, W)): each is then resized (stretched, Lanczos) to
it. Files without an image extension (and hidden files) are skipped.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from cnn_explorer.core.datasets.split import DEFAULT_SPLIT, make_dataset
from cnn_explorer.core.errors import CnnExplorerError

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm"}
_GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F", "La"}


def _target_size(size: int | Sequence[int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    hw = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    if len(hw) != 2 or not all(isinstance(s, (int, np.integer)) and 1 <= s <= 1024 for s in hw):
        raise CnnExplorerError(f"size: must be a side or (height, width) between 1 and 1024, got {size!r}")
    return int(hw[0]), int(hw[1])


def _open(path: Path):
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
            im = ImageOps.exif_transpose(im)
            im.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise CnnExplorerError(f"{path}: image is too large to load safely") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CnnExplorerError(f"{path}: not a readable image ({exc})") from None
    return im


def _to_array(im, grey: bool, hw: tuple[int, int] | None) -> np.ndarray:
    """(H, W, 1|3) uint8 from a Pillow image."""
    from PIL import Image

    if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        arr = np.asarray(im, dtype=np.float64)
        top = arr.max()
        im = Image.fromarray((arr / top * 255 if top > 0 else arr).round().astype(np.uint8), "L")
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    im = im.convert("L" if grey else "RGB")
    if hw is not None and (im.height, im.width) != hw:
        im = im.resize((hw[1], hw[0]), Image.Resampling.LANCZOS)
    arr = np.asarray(im, dtype=np.uint8)
    return arr[..., None] if grey else arr


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
    opened = [_open(p) for p, _ in files]
    grey = all(im.mode in _GREY_MODES or (im.mode == "P" and _grey_palette(im)) for im in opened)
    if hw is None:
        sizes = {(im.height, im.width): p for im, (p, _) in zip(opened, files)}
        if len(sizes) > 1:
            (a, pa), (b, pb) = list(sizes.items())[:2]
            raise CnnExplorerError(
                f"{folder}: images have mixed sizes ({a[0]}x{a[1]} in {pa.parent.name}/{pa.name}, "
                f"{b[0]}x{b[1]} in {pb.parent.name}/{pb.name}); give a size to resize them to"
            )
    x = np.stack([_to_array(im, grey, hw) for im in opened])
    for im in opened:
        im.close()
    y = np.array([label for _, label in files], dtype=np.int64)
    return make_dataset(name or folder.name, [c.name for c in classes], x, y, split=split, seed=seed,
                        source=f"image folder {folder}")


def _grey_palette(im) -> bool:
    palette = im.getpalette() or []
    rgb = np.asarray(palette[: len(palette) // 3 * 3]).reshape(-1, 3)
    return bool(rgb.size) and bool((rgb[:, 0] == rgb[:, 1]).all() and (rgb[:, 1] == rgb[:, 2]).all())
