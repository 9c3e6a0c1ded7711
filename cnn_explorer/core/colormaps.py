"""Colour maps for feature maps: a blue-white-red diverging map with zero at the centre.

The anchors are ColorBrewer's RdBu (reversed, centre made pure white), a map
that stays readable for the common forms of colour blindness: negative values
are blue, zero is white, positive values are red, and the darkness of a cell
tells its magnitude. Inputs (pictures) use a plain grey ramp.
"""

from __future__ import annotations

import math

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError

#: (position in -1..1, sRGB) anchors of the diverging map
_ANCHORS = np.array([
    (-1.0, (5, 48, 97)),
    (-0.8, (33, 102, 172)),
    (-0.6, (67, 147, 195)),
    (-0.4, (146, 197, 222)),
    (-0.2, (209, 229, 240)),
    (0.0, (255, 255, 255)),
    (0.2, (253, 219, 199)),
    (0.4, (244, 165, 130)),
    (0.6, (214, 96, 77)),
    (0.8, (178, 24, 43)),
    (1.0, (103, 0, 31)),
], dtype=object)
_POS = np.array([a[0] for a in _ANCHORS], dtype=np.float64)
_RGB = np.array([a[1] for a in _ANCHORS], dtype=np.float64)
#: colour of NaN cells (mid grey)
NAN_RGB = (128, 128, 128)


def diverging_at(t) -> np.ndarray:
    """Colours at positions ``t`` in -1..1 (clipped): float array (..., 3) in 0..255; t = 0 is pure white."""
    t = np.clip(np.asarray(t, dtype=np.float64), -1.0, 1.0)
    return np.stack([np.interp(t, _POS, _RGB[:, c]) for c in range(3)], axis=-1)


def _lut() -> np.ndarray:
    # Entry i covers the values pyqtgraph maps to it, i.e. bin [i, i+1) of 256 over -m..m;
    # its colour is the one at the bin centre, so 127 and 128 (either side of zero) are near white.
    centres = (np.arange(256) + 0.5) / 128.0 - 1.0
    lut = np.rint(diverging_at(centres)).astype(np.uint8)
    lut.setflags(write=False)
    return lut


#: (256, 3) uint8 lookup table of the diverging map; use it with levels (-m, +m) so zero is at the centre
DIVERGING_LUT = _lut()
#: (256, 3) uint8 grey ramp, black to white
GREY_LUT = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
GREY_LUT.setflags(write=False)


def symmetric_limit(values) -> float:
    """The largest absolute finite value (the ±m a diverging map spans); 1.0 when all are zero or none finite."""
    arr = np.asarray(values, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    m = float(np.max(np.abs(finite))) if finite.size else 0.0
    return m if m > 0 else 1.0


#: the percentile of |values| where robust contrast clips the colour range (photos' maps)
ROBUST_PERCENTILE = 99.5


def robust_limit(values, percentile: float = ROBUST_PERCENTILE, max_cells: int = 16384) -> float:
    """The ±m of a diverging map clipped at the ``percentile``-th percentile of the finite |values|.

    A few extreme cells (a photo's sharpest edges) otherwise set the whole range and leave
    every other cell near white. Maps with more than ``max_cells`` cells are estimated from
    that many evenly spaced ones. Falls back to the largest |value| when the percentile is 0
    (a mostly empty map); 1.0 when all are zero or none finite.
    """
    if not 0.0 < float(percentile) <= 100.0:
        raise CnnExplorerError(f"percentile: must be in (0, 100], got {percentile}")
    arr = np.asarray(values)
    if arr.size > max_cells:                  # every n-th cell along each axis (a map's own layout)
        step = math.ceil(math.sqrt(arr.size / max_cells))
        arr = arr[(slice(None, None, step),) * arr.ndim] if arr.ndim <= 2 else arr.ravel()[:: step * step]
    magnitude = np.abs(arr, dtype=np.float64).ravel()
    finite = magnitude if np.isfinite(magnitude.sum()) else magnitude[np.isfinite(magnitude)]
    if finite.size == 0:
        return 1.0
    m = _percentile(finite, float(percentile))
    return m if m > 0 else symmetric_limit(finite)


def _percentile(values: np.ndarray, percentile: float) -> float:
    """``np.percentile(values, percentile)`` (its default, linear interpolation) of a 1-D float64 array
    it may reorder: one partition around the two ranks, without np.percentile's general-case overhead
    (a tenth of a millisecond per map, seven maps per kernel edit)."""
    rank = (values.size - 1) * percentile / 100.0
    below = math.floor(rank)
    above = min(below + 1, values.size - 1)
    values.partition((below, above) if above != below else below)
    lo, hi = float(values[below]), float(values[above])
    return lo + (hi - lo) * (rank - below)


def diverging_rgb(values, vmax: float | None = None) -> np.ndarray:
    """Colour a 2-D map: uint8 (H, W, 3); 0 is white, -vmax blue, +vmax red.

    ``vmax`` defaults to the largest absolute value so the map uses its full
    range while zero stays at the centre; values beyond ±vmax are clipped.
    NaN cells are grey.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise CnnExplorerError(f"values: expected a 2-D map, got shape {arr.shape}")
    m = symmetric_limit(arr) if vmax is None else float(vmax)
    if not np.isfinite(m) or m <= 0:
        raise CnnExplorerError(f"vmax: must be a positive number, got {vmax}")
    with np.errstate(invalid="ignore"):
        rgb = np.rint(diverging_at(np.nan_to_num(arr / m, nan=0.0))).astype(np.uint8)
    rgb[np.isnan(arr)] = NAN_RGB
    return rgb


def grey_rgb(values, vmin: float | None = None, vmax: float | None = None) -> np.ndarray:
    """Colour a 2-D map on a grey ramp, vmin black to vmax white (default: the map's own range): uint8 (H, W, 3)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise CnnExplorerError(f"values: expected a 2-D map, got shape {arr.shape}")
    finite = arr[np.isfinite(arr)]
    lo = float(finite.min()) if vmin is None and finite.size else float(vmin or 0.0)
    hi = float(finite.max()) if vmax is None and finite.size else float(vmax if vmax is not None else 1.0)
    span = hi - lo if hi > lo else 1.0
    with np.errstate(invalid="ignore"):
        level = np.clip(np.nan_to_num((arr - lo) / span, nan=0.5), 0.0, 1.0)
    grey = np.rint(level * 255.0).astype(np.uint8)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    rgb[np.isnan(arr)] = NAN_RGB
    return rgb


def text_is_dark(rgb) -> np.ndarray:
    """For cell colours (..., 3) uint8: True where black text contrasts more than white (WCAG luminance > 0.179)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    luminance = lin @ np.array([0.2126, 0.7152, 0.0722])
    return luminance > 0.179
