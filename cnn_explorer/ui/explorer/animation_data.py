"""What the step-by-step panel animates: the grids of one result, stage and kernel, and each step, from the core."""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.conv.convolution import conv_step, pad_image, pool_step
from cnn_explorer.ui.explorer.colorbar import finite_range
from cnn_explorer.ui.explorer.state import ExplorerState


class AnimationData:
    """The current ``PipelineResult`` as the animation reads it; no widgets.

    The padded conv input and its grey range are computed once per picture: the state's
    image revision tells an in-place image edit from a kernel or setting edit.
    """

    def __init__(self, state: ExplorerState) -> None:
        self._state = state
        self.result = None
        self.stage = "conv"
        self.k = 0
        self.padded: np.ndarray | None = None       # (Hp, Wp[, C]) conv input as the kernel sees it
        self.input_range = (0.0, 1.0)
        self.act_range = (-1.0, 1.0)
        self.pool_pads = (0, 0)
        self._prepared_key: tuple | None = None     # input_key() of _prepared_padded
        self._prepared_padded: np.ndarray | None = None

    def set_result(self, result) -> None:
        self.result = result
        self.padded = None

    def output(self) -> np.ndarray:
        """The current stage's output map of the current kernel."""
        res = self.result
        if self.stage == "pool":
            pooled = np.asarray(res.pooled.values)
            return pooled[self.k] if pooled.ndim == 3 else pooled
        return np.asarray(res.conv.maps)[self.k]

    def input(self) -> np.ndarray:
        """The grid the window slides over: (H, W) or (H, W, C)."""
        if self.stage == "pool":
            return np.asarray(self.result.activated)[self.k]
        if self.padded is None:
            self.prepare_input()
        return self.padded

    def input_key(self) -> tuple | None:
        """What the conv input grid depends on; equal keys mean the same picture (a kernel or setting edit
        that kept the image and the padding)."""
        if self.result is None:
            return None
        conv = self.result.conv
        return id(self.result.image), self._state.image_revision, tuple(conv.pads), conv.settings.padding_mode

    def prepare_input(self) -> None:
        """The padded conv input and its grey range, computed once per picture."""
        key = self.input_key()
        if key is not None and key == self._prepared_key:
            self.padded = self._prepared_padded
            return
        result = self.result
        image = np.asarray(result.image, dtype=np.float64)
        pads = result.conv.pads
        self.padded = pad_image(image, pads, result.conv.settings.padding_mode) if any(pads) else image
        lo, hi = finite_range(image)             # (0, 0) when nothing is finite: the range becomes 0..1
        # Pictures keep black = 0 so a dark photo still looks dark; grids use their own range.
        self.input_range = (min(lo, 0.0), hi if hi > min(lo, 0.0) else min(lo, 0.0) + 1.0)
        self._prepared_key, self._prepared_padded = key, self.padded

    def pool_display(self, out_hw) -> np.ndarray:
        """The activation map with room (NaN) for pooling windows that reach past its edges (padding, ceil
        mode); sets ``pool_pads`` and the symmetric ``act_range``."""
        grid = self.input()
        finite = grid[np.isfinite(grid)]
        m = max(float(np.abs(finite).max(initial=0.0)), 1e-12)
        self.act_range = (-m, m)
        pool = self.result.pool
        h, w = grid.shape
        (kh, kw), (sh, sw), (ph, pw) = pool.size, pool.stride, pool.padding
        bottom = max(0, (out_hw[0] - 1) * sh - ph + kh - h)
        right = max(0, (out_hw[1] - 1) * sw - pw + kw - w)
        display = np.full((h + ph + bottom, w + pw + right), np.nan)
        display[ph:ph + h, pw:pw + w] = grid
        self.pool_pads = (ph, pw)
        return display

    def step(self, i: int, j: int):
        """The core's record of output cell (i, j) of the current stage: ConvStep or PoolStep."""
        res = self.result
        if self.stage == "conv":
            if self.padded is None:
                self.prepare_input()               # the input range of this result
            return conv_step(res.image, np.asarray(res.kernels)[self.k], res.conv.settings, i, j)
        return pool_step(np.asarray(res.activated)[self.k], res.pool, i, j)
