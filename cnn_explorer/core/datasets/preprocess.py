"""Turn a drawing or a loaded picture into what a model takes, the way MNIST was made.

MNIST digits are light ink on a dark background, cropped to the ink, scaled
(anti-aliased, keeping the aspect ratio) so the longest side is 20 px, and
placed in a 28x28 field with their centre of mass at the centre (pixel index
14, 14). :func:`mnist_digit` reproduces that for any drawing or photo of a
digit, dark-on-light or light-on-dark, small, large, off-centre, thin or bold.
:func:`fit_image` is the generic path for colour or non-digit models: resize to
the model's input keeping the aspect ratio (letterbox). :func:`prepare_input`
picks one, normalises, and returns the model-ready ``(1, C, H, W)`` array.

numpy and Pillow only (no torch): this runs on every mouse move, about 1 ms
for a 280x280 canvas.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageOps

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.images import MAX_PIXELS

__all__ = [
    "NOTHING_DRAWN",
    "ModelInput",
    "fit_image",
    "load_image",
    "mnist_digit",
    "prepare_input",
    "to_grey",
]

#: The hint shown when a canvas or picture holds no ink.
NOTHING_DRAWN = "nothing drawn: draw a digit (or load a picture with visible ink)"

#: Below this ink contrast (0..1 scale) a picture counts as blank.
MIN_CONTRAST = 0.08
#: Ink fainter than this fraction of the strongest ink is treated as paper noise.
NOISE_FLOOR = 0.15
#: Ink at least this fraction of the strongest ink counts as fully saturated.
SATURATION = 0.70
#: Stroke width as a fraction of the digit's longest side, as measured on the
#: bundled MNIST training sample (median 2.8 px in the 20 px box).
MNIST_STROKE = 0.14
#: Strokes are thickened below this fraction and thinned above BOLD_STROKE. The band is
#: wide on purpose: real MNIST digits (held-out part of the bundled sample) pass through
#: untouched; only pens far thinner or bolder than MNIST's are corrected.
THIN_STROKE = 0.09
BOLD_STROKE = 0.25
#: The cropped ink is worked on at about this many px per output px (speed; thin strokes kept).
WORK_OVERSAMPLING = 4
#: Pictures larger than this (longest side, px) are box-reduced first, for speed.
MAX_WORK_SIDE = 640


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
    """Open an image file fully (EXIF rotation applied); bad files raise CnnExplorerError."""
    path = Path(path)
    if not os.path.exists(path):  # os.path: no OSError for names longer than the system allows
        raise CnnExplorerError(f"{path}: file not found")
    if os.path.isdir(path):
        raise CnnExplorerError(f"{path}: is a folder, not an image")
    try:
        with Image.open(path) as img:
            w, h = img.size  # from the header, before decoding
            if w * h > MAX_PIXELS:
                raise CnnExplorerError(
                    f"{path}: {w}×{h} is {w * h:,} pixels, over the limit of {MAX_PIXELS:,}; refused as a possible "
                    "decompression bomb")
            img.load()
            img = ImageOps.exif_transpose(img)
    except Image.DecompressionBombError as exc:
        raise CnnExplorerError(f"{path}: image too large ({exc})") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or exc.__class__.__name__
        raise CnnExplorerError(f"{path}: not a readable image ({reason})") from exc
    return img


def _as_float(a: np.ndarray) -> np.ndarray:
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


def _flatten_alpha(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
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


def to_grey(image: np.ndarray | Image.Image) -> np.ndarray:
    """A picture -> ``(H, W)`` float32 grey in 0..1 (luma for colour; alpha flattened).

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
            return _flatten_alpha(grey, arr[..., 3].astype(np.float32) * np.float32(1 / 255)).astype(np.float32)
        if img.mode != "F":
            img = img.convert("L")
        img = _reduce_large(img)
        return _as_float(np.asarray(img))
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        if max(a.shape, default=0) > MAX_WORK_SIDE:
            return to_grey(Image.fromarray(_as_float(a)))
        if a.size == 0:
            raise CnnExplorerError("image: is empty (0 pixels)")
        return _as_float(a)
    if a.ndim != 3 or a.shape[2] not in (2, 3, 4):
        raise CnnExplorerError(f"image: expected (H, W) or (H, W, 1-4) pixels, got shape {a.shape}")
    f = _as_float(a)
    if a.shape[2] in (1, 2):
        grey, alpha = f[..., 0], (f[..., 1] if a.shape[2] == 2 else None)
    else:
        grey = f[..., 0] * np.float32(0.299) + f[..., 1] * np.float32(0.587) + f[..., 2] * np.float32(0.114)
        alpha = f[..., 3] if a.shape[2] == 4 else None
    if alpha is not None:
        grey = _flatten_alpha(grey, alpha)
    grey = grey.astype(np.float32, copy=False)
    if max(grey.shape) > MAX_WORK_SIDE:
        return to_grey(Image.fromarray(grey))
    return grey


def _border(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]])


def _ink(grey: np.ndarray) -> tuple[np.ndarray, bool] | None:
    """Grey picture -> (ink strength 0..1, bright on dark; inverted?) or None when blank.

    The paper's level is the median of the border; the ink is whichever side
    of it reaches further (dark ink on light paper is inverted). Ink within the
    paper's own noise (4 sigma, estimated on the border) or below
    ``NOISE_FLOOR`` of the strongest ink is dropped, and so are lone specks.
    """
    border = _border(grey)
    paper = float(np.median(border))
    lo, hi = float(grey.min()), float(grey.max())
    inverted = (paper - lo) > (hi - paper)
    contrast = (paper - lo) if inverted else (hi - paper)
    if contrast < MIN_CONTRAST:
        return None
    sigma = 1.4826 * float(np.median(np.abs(border - np.float32(paper))))
    floor = min(max(NOISE_FLOOR, 4.0 * sigma / contrast), 0.5)
    ink = (np.float32(paper) - grey) if inverted else (grey - np.float32(paper))
    ink *= np.float32(1.0 / (contrast * (SATURATION - floor)))
    ink -= np.float32(floor / (SATURATION - floor))
    np.clip(ink, 0.0, 1.0, out=ink)
    if sigma > 0:
        on = ink > 0
        neighbours = _window_count(_window_count(on, 1, 0), 1, 1)  # 3x3 count, the pixel included
        ink[neighbours <= 1] = 0.0
    return ink, inverted


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width in px: twice the area over the boundary (pixels with a 4-neighbour off)."""
    area = int(mask.sum())
    if area == 0:
        return 0.0
    p = np.pad(mask, 1)
    inner = p[1:-1, 1:-1] & p[:-2, 1:-1] & p[2:, 1:-1] & p[1:-1, :-2] & p[1:-1, 2:]
    boundary = area - int(inner.sum())
    return 2.0 * area / max(boundary, 1)


def _window_count(mask: np.ndarray, r: int, axis: int) -> np.ndarray:
    """How many set pixels lie within +-r along ``axis`` (zero outside), via a cumulative sum."""
    c = np.cumsum(mask, axis=axis, dtype=np.int32)
    n = mask.shape[axis]
    c = np.concatenate([np.zeros_like(c.take([0], axis=axis)), c], axis=axis)
    hi = np.minimum(np.arange(n) + r + 1, n)
    lo = np.maximum(np.arange(n) - r, 0)
    return c.take(hi, axis=axis) - c.take(lo, axis=axis)


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    """Binary dilation by a (2r+1)-square, exact (separable)."""
    return _window_count(_window_count(mask, r, 0) > 0, r, 1) > 0


def _erode(mask: np.ndarray, r: int) -> np.ndarray:
    """Binary erosion by a (2r+1)-square; outside the picture counts as empty."""
    full = 2 * r + 1
    return _window_count(_window_count(mask, r, 0) == full, r, 1) == full


def _shrink(ink: np.ndarray, k: int) -> np.ndarray:
    """Max-pool by ``k`` (zero-padded to a multiple): a cheap working copy that keeps thin strokes."""
    if k < 2:
        return ink
    h, w = ink.shape
    ph, pw = -h % k, -w % k
    if ph or pw:
        ink = np.pad(ink, ((0, ph), (0, pw)))
    out = ink[0::k, 0::k].copy()
    for i in range(k):
        for j in range(k):
            if i or j:
                np.maximum(out, ink[i::k, j::k], out=out)  # strided slices beat a reshaped max
    return out


def _normalise_stroke(ink: np.ndarray) -> np.ndarray:
    """Thicken very thin strokes and thin very bold ones toward MNIST's stroke width.

    ``ink`` is cropped to the ink. Returns a (possibly padded) picture whose
    strokes measure about ``MNIST_STROKE`` of the digit's longest side.
    """
    mask = ink > 0.5
    w = _stroke_width(mask)
    size = float(max(ink.shape))
    if w <= 0:
        return ink
    if w < THIN_STROKE * size:
        # Growing every side by r also grows the box by 2r: solve w + 2r = s (L + 2r).
        r = int(round((MNIST_STROKE * size - w) / (2 * (1 - MNIST_STROKE))))
        if r >= 1:
            padded = np.pad(ink, r)
            grown = _dilate(np.pad(ink > 0.25, r), r)
            return np.maximum(padded, grown.astype(np.float32))
    elif w > BOLD_STROKE * size:
        r = int(round((w - MNIST_STROKE * size) / (2 * (1 - MNIST_STROKE))))
        r = min(r, int(w / 4))
        if r >= 1:
            kept = _erode(mask, r)
            bb = _bbox(kept)
            # Where the pen was so bold that loops closed, thinning would eat the digit: keep it whole.
            if bb is not None and max(bb[1] - bb[0], bb[3] - bb[2]) >= 0.8 * (size - 2 * r):
                return ink * kept
    return ink


def _place(ink: np.ndarray, out_hw: tuple[int, int], box: float) -> np.ndarray:
    """Scale ``ink`` so its longest side is ``box`` px and put its centre of mass at the field's centre.

    One anti-aliased resize does both, at sub-pixel precision: the source
    window is chosen so that the centre of mass lands on pixel index
    (H/2, W/2) of the output, as MNIST's (14, 14).
    """
    bb = _bbox(ink > 0)
    if bb is None:
        return np.zeros(out_hw, np.float32)
    r0, r1, c0, c1 = bb
    ink = ink[r0:r1, c0:c1]
    h, w = ink.shape
    mass = float(ink.sum())
    cy = float(ink.sum(axis=1) @ np.arange(h, dtype=np.float32)) / mass + 0.5  # continuous coords
    cx = float(ink.sum(axis=0) @ np.arange(w, dtype=np.float32)) / mass + 0.5
    scale = box / max(h, w)  # output px per source px
    oh, ow = out_hw
    y0 = cy - (oh / 2 + 0.5) / scale
    x0 = cx - (ow / 2 + 0.5) / scale
    y1, x1 = y0 + oh / scale, x0 + ow / scale
    top, left = max(0, math.ceil(-y0)), max(0, math.ceil(-x0))
    bottom, right = max(0, math.ceil(y1 - h)), max(0, math.ceil(x1 - w))
    if top or left or bottom or right:
        ink = np.pad(ink, ((top, bottom), (left, right)))
    src = Image.fromarray(np.ascontiguousarray(ink, dtype=np.float32))
    out = src.resize((ow, oh), Image.Resampling.BILINEAR, box=(x0 + left, y0 + top, x1 + left, y1 + top))
    digit = np.asarray(out, dtype=np.float32)
    peak = float(digit.max())
    if peak <= 0:
        return np.zeros(out_hw, np.float32)
    return np.clip(digit * np.float32(1.0 / peak), 0.0, 1.0)


def _digit(image: np.ndarray | Image.Image, size: tuple[int, int], box: float | None) -> tuple[np.ndarray, bool] | None:
    grey = to_grey(image)
    found = _ink(grey)
    if found is None:
        return None
    ink, inverted = found
    bb = _bbox(ink > 0)
    if bb is None:
        return None
    r0, r1, c0, c1 = bb
    if box is None:
        box = min(size) * 20.0 / 28.0
    ink = _shrink(ink[r0:r1, c0:c1], int(max(r1 - r0, c1 - c0) // (WORK_OVERSAMPLING * box)))
    return _place(_normalise_stroke(ink), size, box), inverted


def mnist_digit(
    image: np.ndarray | Image.Image, size: tuple[int, int] = (28, 28), box: float | None = None
) -> np.ndarray | None:
    """A drawing or picture of a digit -> an MNIST-style ``size`` float32 image in 0..1, or None.

    None means nothing was drawn (no ink above the paper's noise). ``box`` is
    the longest side of the digit in px (default 20/28 of the field, MNIST's
    20 px in 28). Dark ink on light paper is inverted to light on dark.
    """
    found = _digit(image, size, box)
    return None if found is None else found[0]


def fit_image(image: np.ndarray | Image.Image, input_shape: Sequence[int]) -> np.ndarray:
    """Letterbox a picture into ``input_shape`` (H, W, C): keep the aspect ratio, pad with the border colour.

    Returns ``(H, W, C)`` float32 in 0..1 (grey pictures are repeated over 3
    channels; colour ones are turned grey for a 1-channel model).
    """
    h, w, c = (int(v) for v in input_shape)
    if isinstance(image, Image.Image):
        if c == 1:
            arr = to_grey(image)
        else:
            has_alpha = "A" in image.mode or image.mode == "P"
            arr = np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
    else:
        arr = np.asarray(image)
    if c == 1:
        rgb = to_grey(arr)[..., None]
    else:
        if arr.ndim == 3 and arr.shape[2] == 4:
            f = _as_float(arr)
            rgb = _flatten_alpha(f[..., :3], f[..., 3])
        elif arr.ndim == 3 and arr.shape[2] >= c:
            rgb = _as_float(arr[..., :c])
        else:
            g = to_grey(arr)
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
        found = _digit(image, (h, w), None)
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
