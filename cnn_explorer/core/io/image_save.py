"""Saving pictures and grids, and colouring maps (H, W) or stacks (K, H, W) as pictures.

Every failure raises CnnExplorerError naming the output file and the reason.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cnn_explorer.core.colormaps import diverging_rgb, grey_rgb, symmetric_limit
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.io.atomic import atomic_write_bytes, atomic_write_text
from cnn_explorer.core.io.images import IMAGE_SUFFIXES
from cnn_explorer.core.io.messages import FORMATS, short_reason

if TYPE_CHECKING:  # Pillow loads on first use, after the window's first paint
    from PIL import Image


def _save_pillow(path: Path, im: Image.Image, fmt: str | None = None) -> None:
    """Encode in memory, then write atomically: a full disk or a kill leaves the previous file as it was."""
    from PIL import Image

    Image.init()
    fmt = fmt or Image.registered_extensions().get(path.suffix.lower())
    buffer = io.BytesIO()
    try:
        im.save(buffer, format=fmt)
    except (OSError, ValueError, KeyError) as exc:
        raise CnnExplorerError(f"output file {str(path)!r}: cannot write ({short_reason(exc)})") from None
    atomic_write_bytes(path, buffer.getbuffer())


def map_to_rgb(values, *, diverging: bool = True, vmax: float | None = None, min_side: int = 256,
               gap: int = 4) -> np.ndarray:
    """Colour a map (H, W) or a stack (K, H, W) side by side: uint8 (h, w, 3), shared scale.

    Cells become ``f``×``f`` blocks (f a whole number, so a small map's longest
    side reaches about ``min_side`` px); maps of a stack are separated by
    ``gap`` grey pixels.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.ndim != 3 or arr.size == 0:
        raise CnnExplorerError(f"values: expected a map (H, W) or a stack (K, H, W), got shape {np.shape(values)}")
    h, w = arr.shape[1:]
    factor = max(1, min(64, math.ceil(min_side / max(h, w)))) if min_side else 1
    m = symmetric_limit(arr) if vmax is None else vmax
    finite = arr[np.isfinite(arr)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    tiles = []
    for k, one in enumerate(arr):
        rgb = diverging_rgb(one, m) if diverging else grey_rgb(one, lo, hi)
        rgb = np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)
        if k:
            tiles.append(np.full((rgb.shape[0], gap, 3), 128, dtype=np.uint8))
        tiles.append(rgb)
    return np.concatenate(tiles, axis=1)


def save_map_png(path, values, *, diverging: bool = True, vmax: float | None = None, min_side: int = 256) -> None:
    """Save a map (H, W) or stack (K, H, W) as a colour-mapped PNG (see ``map_to_rgb``).

    Diverging: zero is white at the centre of a blue-white-red map spanning
    ±max|value|; otherwise a grey ramp from the minimum to the maximum.
    """
    rgb = map_to_rgb(values, diverging=diverging, vmax=vmax, min_side=min_side)
    from PIL import Image

    _save_pillow(Path(path), Image.fromarray(rgb), "PNG")


def save_grid(path, values) -> None:
    """Save a grid (H, W) or (H, W, C) as .npy (as is) or .csv (exact numbers; blank line between channels)."""
    path = Path(path)
    arr = np.asarray(values, dtype=np.float64)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        atomic_write_bytes(path, npy_bytes(arr))
        return
    if suffix not in (".csv", ".txt"):
        raise CnnExplorerError(f"output file {str(path)!r}: unsupported type {suffix or '(none)'!r}; use .csv or .npy")
    atomic_write_text(path, grid_text(arr, sep=","))


def npy_bytes(values) -> bytes:
    """``values`` as the bytes of a .npy file (float64, no pickles), ready for an atomic write."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(values, dtype=np.float64), allow_pickle=False)
    return buffer.getvalue()


def grid_text(values, sep: str = ",") -> str:
    """Exact text of a grid (H, W) or (H, W, C): one row a line, channels as blocks separated by a blank line."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[np.newaxis]
    blocks = [arr] if arr.ndim == 2 else [arr[:, :, c] for c in range(arr.shape[2])]
    return "\n".join("\n".join(sep.join(format_number(v, "exact") for v in row) for row in b) + "\n" for b in blocks)


def save_image(path, array) -> None:
    """Save a picture (H, W) or (H, W, 3) on the 0..255 scale (clipped, rounded) in the format of the suffix."""
    path = Path(path)
    arr = np.asarray(array, dtype=np.float64)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise CnnExplorerError(f"image: expected (H, W) or (H, W, 3), got shape {arr.shape}")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise CnnExplorerError(f"output file {str(path)!r}: unsupported picture type; use {FORMATS}")
    pixels = np.clip(np.rint(np.nan_to_num(arr)), 0, 255).astype(np.uint8)
    from PIL import Image

    _save_pillow(path, Image.fromarray(pixels))
