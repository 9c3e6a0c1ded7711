"""Max and average pooling with torch's semantics, and the winning cell of every window.

``pool2d`` follows ``torch.nn.functional.max_pool2d`` / ``avg_pool2d`` (count_include_pad=True):
implicit padding is −∞ for max and 0 for avg; an avg window is divided by the number of its
cells inside the padded input (cells beyond it, possible in ceil mode, do not count).
Re-exported by ``cnn_explorer.core.conv.convolution``: import from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from cnn_explorer.core.conv.engine import numeric_array
from cnn_explorer.core.conv.settings import PoolSettings, pool_output_shape
from cnn_explorer.core.errors import CnnExplorerError


def _as_maps(x) -> tuple[np.ndarray, bool]:
    """(K, H, W) float view of an (H, W) or (K, H, W) input, and whether it was 2-D."""
    arr = numeric_array(x, "pool input", (2, 3))
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return (arr[None], True) if arr.ndim == 2 else (arr, False)


def _window_span(n: int, out: int, k: int, s: int, p: int) -> np.ndarray:
    """Per output index, how many window cells lie inside the padded input (avg divisor)."""
    start = np.arange(out) * s - p
    return np.minimum(start + k, n + p) - start


def _padded(x3: np.ndarray, settings: PoolSettings, out_hw, fill: float) -> np.ndarray:
    """(K, Hp, Wp) with implicit padding ``fill`` covering every window (ceil-mode overhang too)."""
    K, H, W = x3.shape
    ph, pw = settings.padding
    need_h = (out_hw[0] - 1) * settings.stride[0] + settings.size[0]
    need_w = (out_hw[1] - 1) * settings.stride[1] + settings.size[1]
    if ph == pw == 0 and need_h <= H and need_w <= W:
        return x3
    xp = np.full((K, max(need_h, ph + H), max(need_w, pw + W)), fill, x3.dtype)
    xp[:, ph : ph + H, pw : pw + W] = x3
    return xp


def _cells(xp, settings: PoolSettings, out_hw):
    (kh, kw), (sh, sw) = settings.size, settings.stride
    oh, ow = out_hw
    for r in range(kh):
        for c in range(kw):
            yield r, c, xp[:, r : r + (oh - 1) * sh + 1 : sh, c : c + (ow - 1) * sw + 1 : sw]


@dataclass(frozen=True, eq=False)
class PoolResult:
    """Pooled values (K, ph, pw) or (ph, pw) and, computed on first use, the winning cells.

    ``argmax`` is (..., ph, pw, 2) int (row, col) in the UNPADDED input: the first maximum
    in row-major order for max pooling; for avg the window's top-left cell inside the input.
    It is computed from ``source`` (the pooled input, not copied) the first time it is read.
    """

    values: np.ndarray
    settings: PoolSettings
    source: np.ndarray = field(repr=False)

    @cached_property
    def argmax(self) -> np.ndarray:
        x3, flat = _as_maps(self.source)
        st = self.settings
        out_hw = self.values.shape[-2:]
        oh, ow = out_hw
        row0 = np.arange(oh)[:, None] * st.stride[0] - st.padding[0]
        col0 = np.arange(ow)[None, :] * st.stride[1] - st.padding[1]
        if st.mode == "avg":
            rows = np.broadcast_to(np.maximum(row0, 0), (x3.shape[0], oh, ow))
            cols = np.broadcast_to(np.maximum(col0, 0), (x3.shape[0], oh, ow))
        else:
            xp = _padded(x3, st, out_hw, -np.inf)
            best = idx = None
            for r, c, view in _cells(xp, st, out_hw):
                n = r * st.size[1] + c
                if best is None:
                    best, idx = view.copy(), np.zeros(view.shape, np.int64)
                    continue
                better = view > best
                np.copyto(best, view, where=better)
                idx[better] = n
            rows = row0 + idx // st.size[1]
            cols = col0 + idx % st.size[1]
        out = np.stack([rows, cols], axis=-1).astype(np.int64)
        return out[0] if flat else out


def pool2d(x, settings: PoolSettings = PoolSettings()) -> PoolResult:
    """Max or average pooling of an (H, W) map or a (K, H, W) stack; float dtype kept."""
    if not isinstance(settings, PoolSettings):
        raise CnnExplorerError(f"pool: settings must be PoolSettings, got {type(settings).__name__}")
    x3, flat = _as_maps(x)
    return pool_checked(x3, settings, flat, source=x)


def pool_checked(x3: np.ndarray, settings: PoolSettings, flat: bool = False, source=None) -> PoolResult:
    """``pool2d`` of a (K, H, W) float array already known to be finite (the pipeline's own maps)."""
    out_hw = pool_output_shape(x3.shape[1:], settings)
    if settings.mode == "max":
        xp = _padded(x3, settings, out_hw, -np.inf)
        values = None
        for _, _, view in _cells(xp, settings, out_hw):
            if values is None:
                values = view.copy()
            else:
                np.maximum(values, view, out=values)
    else:
        xp = _padded(x3, settings, out_hw, 0.0)
        values = np.zeros((x3.shape[0], *out_hw), x3.dtype)
        for _, _, view in _cells(xp, settings, out_hw):
            values += view
        rows = _window_span(x3.shape[1], out_hw[0], settings.size[0], settings.stride[0], settings.padding[0])
        cols = _window_span(x3.shape[2], out_hw[1], settings.size[1], settings.stride[1], settings.padding[1])
        values /= np.outer(rows, cols).astype(values.dtype)
    return PoolResult(values[0] if flat else values, settings, x3 if source is None else source)
