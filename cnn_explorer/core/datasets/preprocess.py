"""Turn a drawing or a loaded picture into what a model takes.

:func:`fit_image` is the generic path for colour or non-digit models: resize to
the model's input keeping the aspect ratio (letterbox).
:func:`prepare_input` picks it or the MNIST-style digit
(:mod:`cnn_explorer.core.datasets.digit`), normalises, and returns the
model-ready ``(1, C, H, W)`` array.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from cnn_explorer.core.datasets.digit import MIN_CONTRAST, find_digit
from cnn_explorer.core.datasets.pixels import as_float, flatten_alpha, ink_grey
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.images import read_picture

#: The hint shown when a canvas or picture holds no ink.
NOTHING_DRAWN = "nothing drawn: draw a digit (or load a picture with visible ink)"


@dataclass(frozen=True)
class ModelInput:
    """A picture made ready for a model.

    ``array``: ``(1, C, H, W)`` float32, normalised with the model's mean/std.
    ``seen``: what the network sees before normalisation, 0..1: ``(H, W)`` for
    one channel, ``(H, W, C)`` otherwise. ``mode``: ``"digit"`` or ``"fit"``.
    ``inverted``: the picture was dark ink on light paper and was inverted.
    """

    array: np.ndarray
    seen: np.ndarray
    mode: str
    inverted: bool


def load_image(path: str | Path) -> Image.Image:
    """Open an image file fully, upright by its EXIF orientation, in its own mode; bad files raise CnnExplorerError."""
    return read_picture(path).image


def fit_image(image: np.ndarray | Image.Image, input_shape: Sequence[int]) -> np.ndarray:
    """Letterbox a picture into ``input_shape`` (H, W, C): keep the aspect ratio, pad with the border colour.

    Returns ``(H, W, C)`` float32 in 0..1 (grey pictures are repeated over 3
    channels; colour ones are turned grey for a 1-channel model).
    """
    h, w, c = (int(v) for v in input_shape)
    if isinstance(image, Image.Image):
        if c == 1:
            arr = ink_grey(image)
        else:
            has_alpha = "A" in image.mode or image.mode == "P"
            arr = np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
    else:
        arr = np.asarray(image)
    if c == 1:
        rgb = ink_grey(arr)[..., None]
    else:
        if arr.ndim == 3 and arr.shape[2] == 4:
            f = as_float(arr)
            rgb = flatten_alpha(f[..., :3], f[..., 3])
        elif arr.ndim == 3 and arr.shape[2] >= c:
            rgb = as_float(arr[..., :c])
        else:
            g = ink_grey(arr)
            rgb = np.repeat(g[..., None], c, axis=2)
    sh, sw = rgb.shape[:2]
    scale = min(h / sh, w / sw)
    nh, nw = max(1, min(h, round(sh * scale))), max(1, min(w, round(sw * scale)))
    if rgb.shape[2] == 3 and arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] == 3:
        # One anti-aliased 8-bit resize is much faster than three float ones for large photos.
        small = Image.fromarray(arr).resize((nw, nh), Image.Resampling.BILINEAR)
        resized = np.asarray(small, dtype=np.float32) * np.float32(1 / 255)
    else:
        resized = np.stack([
            np.asarray(Image.fromarray(np.ascontiguousarray(rgb[..., k], dtype=np.float32)).resize(
                (nw, nh), Image.Resampling.BILINEAR), dtype=np.float32)
            for k in range(rgb.shape[2])
        ], axis=2)
    pad = np.median(np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]), axis=0).astype(np.float32)
    out = np.empty((h, w, rgb.shape[2]), np.float32)
    out[...] = pad
    top, left = (h - nh) // 2, (w - nw) // 2
    out[top:top + nh, left:left + nw] = resized
    return np.clip(out, 0.0, 1.0)


def _normalise(seen_hwc: np.ndarray, mean: Sequence[float] | None, std: Sequence[float] | None) -> np.ndarray:
    c = seen_hwc.shape[2]
    x = np.ascontiguousarray(seen_hwc.transpose(2, 0, 1))[None].astype(np.float32, copy=False)  # (1, C, H, W)
    if mean is not None:
        m = np.asarray(mean, np.float32).reshape(-1)
        if m.size not in (1, c):
            raise CnnExplorerError(f"mean: expected 1 or {c} values, got {m.size}")
        x = x - m.reshape(1, -1, 1, 1)
    if std is not None:
        s = np.asarray(std, np.float32).reshape(-1)
        if s.size not in (1, c):
            raise CnnExplorerError(f"std: expected 1 or {c} values, got {s.size}")
        if (s <= 0).any():
            raise CnnExplorerError(f"std: must be positive, got {s.tolist()}")
        x = x / s.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(x, dtype=np.float32)


def prepare_input(
    image: np.ndarray | Image.Image,
    input_shape: Sequence[int] = (28, 28, 1),
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    *,
    mode: str = "auto",
) -> ModelInput | None:
    """A drawing or picture -> the model-ready input, or None when nothing is drawn.

    ``input_shape`` is the model's (H, W, C); ``mean``/``std`` its per-channel
    normalisation (on the 0..1 scale). ``mode``: ``"digit"`` (MNIST-style:
    ink, crop, 20/28 box, centre of mass), ``"fit"`` (letterbox) or
    ``"auto"`` (digit for one channel, fit for colour).
    """
    if len(input_shape) != 3 or any(int(v) < 1 for v in input_shape):
        raise CnnExplorerError(f"input_shape: expected (H, W, C) with positive sizes, got {tuple(input_shape)}")
    h, w, c = (int(v) for v in input_shape)
    if mode == "auto":
        mode = "digit" if c == 1 else "fit"
    if mode == "digit":
        found = find_digit(image, (h, w), None)
        if found is None:
            return None
        digit, inverted = found
        seen_hwc = np.repeat(digit[..., None], c, axis=2) if c > 1 else digit[..., None]
    elif mode == "fit":
        seen_hwc = fit_image(image, (h, w, c))
        inverted = False
        if float(seen_hwc.max() - seen_hwc.min()) < MIN_CONTRAST:
            return None
    else:
        raise CnnExplorerError(f"mode: expected 'auto', 'digit' or 'fit', got {mode!r}")
    seen = seen_hwc[..., 0] if c == 1 else seen_hwc
    return ModelInput(array=_normalise(seen_hwc, mean, std), seen=seen, mode=mode, inverted=inverted)
