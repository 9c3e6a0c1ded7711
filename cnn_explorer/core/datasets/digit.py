"""Turn a drawing or a picture of a digit into an MNIST-style one, the way MNIST was made.

MNIST digits are light ink on a dark background, cropped to the ink, scaled
(anti-aliased, keeping the aspect ratio) so the longest side is 20 px, and
placed in a 28x28 field with their centre of mass at the centre (pixel index
14, 14). :func:`mnist_digit` reproduces that for any drawing or photo of a
digit, dark-on-light or light-on-dark, small, large, off-centre, thin or bold.

numpy and Pillow only (no torch): this runs on every mouse move, about 1 ms
for a 280x280 canvas.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from cnn_explorer.core.datasets.pixels import ink_grey

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


def find_digit(image: np.ndarray | Image.Image, size: tuple[int, int], box: float | None) -> tuple[np.ndarray, bool] | None:
    """(the MNIST-style digit, whether the picture was inverted), or None when nothing is drawn (see ``mnist_digit``)."""
    grey = ink_grey(image)
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
    found = find_digit(image, size, box)
    return None if found is None else found[0]
