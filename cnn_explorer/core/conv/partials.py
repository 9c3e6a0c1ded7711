"""Each input channel's contribution to a feature map, at the resolution it is shown, the padding kept.

``ConvResult.partial_maps`` computes every cell and pads the image anew at each call; the
explorer shows these maps a few hundred pixels wide and asks again at every kernel edit.
``ChannelPartials`` pads one image once per padding and precision, then computes only the
cells asked for: ``maps(kernel, settings, step)`` equals
``conv_partial_maps(image, kernel, settings)[:, ::step, ::step]`` (same dtype, same sums).
"""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.conv.engine import (
    as_image,
    compute_dtype,
    correlate,
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
        out = np.empty((channels, *out_hw), dtype)
        for c in range(channels):
            out[c] = correlate(xp[c : c + 1], weights[c][None, None], stride, settings.dilation, out_hw)[0]
        if settings.normalize:
            out /= kh * kw                  # as conv_partial_maps divides: per channel, then by C
            if channels > 1:
                out /= channels
        return out
