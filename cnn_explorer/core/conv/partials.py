"""Each input channel's contribution to a feature map, at the resolution it is shown, the padding kept.

``ConvResult.partial_maps`` computes every cell and pads the image anew at each call; the
explorer shows these maps a few hundred pixels wide and asks again at every kernel edit.
``ChannelPartials`` pads one image once per padding and precision, then computes only the
cells asked for: ``maps(kernel, settings, step)`` equals
``conv_partial_maps(image, kernel, settings)[:, ::step, ::step]`` (same dtype, same sums).

For a sampled map (step > 1) it also keeps, per kernel size, settings and step, the input cells
each kernel cell meets gathered into one contiguous array (at most the padded image's size): a
kernel edit then multiplies and adds contiguous arrays instead of reading every step-th cell of
a picture scattered over megabytes (a 1024×1024 photo's three channel maps shown 171 cells wide:
about 1.4 ms per edit before, a quarter of that after).
"""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.conv.engine import (
    LIGHT_OPS,
    as_image,
    compute_dtype,
    correlate,
    multiply_add,
    padded_chw,
    single_kernel,
)
from cnn_explorer.core.conv.settings import ConvSettings, output_shape, resolve_padding
from cnn_explorer.core.errors import CnnExplorerError


class ChannelPartials:
    """Per-channel partial maps of one image for any kernel, every ``step``-th cell.

    The image must not change while this object is used (make a new one for a new or edited
    image). ``precision``: 'exact' (float64) or 'fast' (float32), as ``conv_partial_maps``.
    """

    def __init__(self, image, precision: str = "fast") -> None:
        if precision not in ("exact", "fast"):
            raise CnnExplorerError(f"precision: 'exact' or 'fast', got {precision!r}")
        self.image = np.asarray(image)
        self._x = as_image(image)                               # (H, W, C)
        self._precision = precision
        self._padded: tuple[tuple, np.ndarray] | None = None   # (pads, mode, dtype) -> (C, Hp, Wp)
        self._gathered: tuple[tuple, np.ndarray] | None = None  # (padded key, geometry) -> (kh, kw, C, h, w)

    def maps(self, kernel, settings: ConvSettings, step: int = 1) -> np.ndarray:
        """(C, ⌈oh/step⌉, ⌈ow/step⌉): channel c's Σ window[..., c]·kernel[..., c] (no bias; normalised by
        kh·kw·C if ``settings.normalize``) at every ``step``-th output row and column."""
        if not isinstance(settings, ConvSettings):
            raise CnnExplorerError(f"settings: must be ConvSettings, got {type(settings).__name__}")
        if int(step) < 1:
            raise CnnExplorerError(f"step: must be a positive whole number, got {step!r}")
        step = int(step)
        x = self._x
        channels = x.shape[2]
        w = single_kernel(kernel, channels)                     # (kh, kw, C) float64
        if settings.flip:
            w = w[::-1, ::-1, :]
        kh, kw = w.shape[:2]
        pads = resolve_padding(x.shape[:2], (kh, kw), settings)
        oh, ow = output_shape(x.shape[:2], (kh, kw), settings)
        dtype = compute_dtype(self._precision, 0)
        key = (pads, settings.padding_mode, np.dtype(dtype).str)
        if self._padded is None or self._padded[0] != key:
            self._padded = (key, padded_chw(x, pads, settings.padding_mode, dtype))
        xp = self._padded[1]
        weights = np.ascontiguousarray(w.transpose(2, 0, 1), dtype=dtype)     # (C, kh, kw)
        stride = (settings.stride[0] * step, settings.stride[1] * step)
        out_hw = (-(-oh // step), -(-ow // step))
        # only where correlate itself takes the banded path (bigger float32 kernels: a matrix product)
        banded = dtype == np.float64 or kh * kw <= LIGHT_OPS
        gathered = self._gathered_cells(key, xp, (kh, kw), stride, settings.dilation, out_hw) \
            if step > 1 and banded else None
        out = np.empty((channels, *out_hw), dtype)
        if gathered is not None:
            tmp = np.empty(out_hw, dtype)
            for c in range(channels):       # correlate's banded path, term for term: the same bits
                multiply_add(out[c], tmp, ((wv, gathered[r, q, c]) for r in range(kh) for q in range(kw)
                                           if (wv := weights[c, r, q]) != 0))
        else:
            for c in range(channels):
                out[c] = correlate(xp[c : c + 1], weights[c][None, None], stride, settings.dilation, out_hw)[0]
        if settings.normalize:
            out /= kh * kw                  # as conv_partial_maps divides: per channel, then by C
            if channels > 1:
                out /= channels
        return out

    def _gathered_cells(self, padded_key, xp: np.ndarray, kernel_hw, stride, dilation, out_hw) -> np.ndarray | None:
        """(kh, kw, C, h, w): the padded input cell that kernel cell (r, q) meets at each sampled output
        cell, kept for the next kernel of this size; None when that would outgrow the padded image."""
        kh, kw = kernel_hw
        (sh, sw), (dh, dw) = stride, dilation
        h, w = out_hw
        if kh * kw * h * w > xp.shape[1] * xp.shape[2]:
            return None
        key = (padded_key, kernel_hw, stride, tuple(dilation), out_hw)
        if self._gathered is None or self._gathered[0] != key:
            cells = np.empty((kh, kw, xp.shape[0], h, w), xp.dtype)
            for r in range(kh):
                for q in range(kw):
                    cells[r, q] = xp[:, r * dh : r * dh + (h - 1) * sh + 1 : sh, q * dw : q * dw + (w - 1) * sw + 1 : sw]
            self._gathered = (key, cells)
        return self._gathered[1]
