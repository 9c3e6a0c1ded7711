"""Any picture (Pillow image or array) as float32 values on 0..1, and as grey with its transparency flattened.

numpy and Pillow only: this runs on every mouse move of the Classify page's canvas.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from cnn_explorer.core.errors import CnnExplorerError

#: Pictures larger than this (longest side, px) are box-reduced first, for speed.
MAX_WORK_SIDE = 640


def as_float(a: np.ndarray) -> np.ndarray:
    """Any numeric array -> float32 in 0..1 (uint8 /255, uint16 /65535, floats clipped)."""
    if a.dtype == np.uint8:
        return a.astype(np.float32) * np.float32(1 / 255)
    if a.dtype == np.uint16:
        return a.astype(np.float32) * np.float32(1 / 65535)
    if a.dtype == np.bool_:
        return a.astype(np.float32)
    a = np.asarray(a, dtype=np.float32)
    if a.size and not np.isfinite(a).all():
        raise CnnExplorerError("image: holds NaN or infinite values")
    if a.size and float(a.max()) > 1.0:
        # Integers or floats on a 0..255 scale.
        a = a * np.float32(1 / 255) if float(a.max()) <= 255.0 else a / np.float32(a.max())
    return np.clip(a, 0.0, 1.0)


def flatten_alpha(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite on a background that contrasts with the opaque pixels (ink on transparency)."""
    opaque = alpha > 0.5
    ink_level = float(rgb[opaque].mean()) if opaque.any() else 0.0
    background = 1.0 if ink_level < 0.5 else 0.0
    a = alpha if rgb.ndim == 2 else alpha[..., None]
    return rgb * a + np.float32(background) * (1.0 - a)


def _reduce_large(img: Image.Image) -> Image.Image:
    side = max(img.size)
    if side > MAX_WORK_SIDE:
        img = img.reduce(math.ceil(side / MAX_WORK_SIDE))
    return img


def ink_grey(image: np.ndarray | Image.Image) -> np.ndarray:
    """A picture -> ``(H, W)`` float32 grey in 0..1 for finding ink (luma for colour; alpha flattened).

    Not ``core.io.images.to_grey`` (0..255 luma of an array, for the explorer): this one also
    reduces large pictures and reads any dtype.

    Accepts a PIL image or an array ``(H, W)``, ``(H, W, 1|2|3|4)`` of uint8,
    uint16, bool or float (0..1, or 0..255). Pictures larger than
    ``MAX_WORK_SIDE`` are box-reduced first.
    """
    if isinstance(image, Image.Image):
        img = image
        if img.mode == "P":
            img = img.convert("RGBA")
        if img.mode.startswith("I"):
            raw = np.asarray(img)
            scale = 65535.0 if img.mode.startswith("I;16") else max(1.0, float(raw.max()))
            img = Image.fromarray(np.clip(raw.astype(np.float32) / np.float32(scale), 0.0, 1.0))
        if img.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
            img = _reduce_large(img.convert("RGBA"))
            arr = np.asarray(img)
            grey = np.asarray(img.convert("L"), dtype=np.float32) * np.float32(1 / 255)
            return flatten_alpha(grey, arr[..., 3].astype(np.float32) * np.float32(1 / 255)).astype(np.float32)
        if img.mode != "F":
            img = img.convert("L")
        img = _reduce_large(img)
        return as_float(np.asarray(img))
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        if max(a.shape, default=0) > MAX_WORK_SIDE:
            return ink_grey(Image.fromarray(as_float(a)))
        if a.size == 0:
            raise CnnExplorerError("image: is empty (0 pixels)")
        return as_float(a)
    if a.ndim != 3 or a.shape[2] not in (2, 3, 4):
        raise CnnExplorerError(f"image: expected (H, W) or (H, W, 1-4) pixels, got shape {a.shape}")
    f = as_float(a)
    if a.shape[2] in (1, 2):
        grey, alpha = f[..., 0], (f[..., 1] if a.shape[2] == 2 else None)
    else:
        grey = f[..., 0] * np.float32(0.299) + f[..., 1] * np.float32(0.587) + f[..., 2] * np.float32(0.114)
        alpha = f[..., 3] if a.shape[2] == 4 else None
    if alpha is not None:
        grey = flatten_alpha(grey, alpha)
    grey = grey.astype(np.float32, copy=False)
    if max(grey.shape) > MAX_WORK_SIDE:
        return ink_grey(Image.fromarray(grey))
    return grey
