"""An image checked and padded once, reused while only the kernels or settings change.

A kernel edit in the explorer convolves the same image again: checking it for NaN, summing
its channels and padding it cost as much as the convolution itself on a photo. A
``PreparedImage`` keeps those (keyed by padding, mode, dtype and channel sum) for
``conv2d(..., prepared=)`` and ``run_pipeline(..., prepared=)``; the maps are bit for bit
those of the plain call. Make a new one whenever the image changes (also in place).
"""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.conv.engine import as_image, padded_chw

#: padded inputs kept per image (padding, mode, dtype and channel-sum variants)
MAX_PADDED = 4


def channel_sum(x: np.ndarray, dtype) -> np.ndarray:
    """(H, W) sum of an (H, W, C) image's channels in ``dtype`` (channel 0 cast first, then each added)."""
    total = x[:, :, 0].astype(dtype)
    for c in range(1, x.shape[2]):
        total += x[:, :, c]
    return total


class PreparedImage:
    """One image, checked once (``as_image``), with its padded (C, Hp, Wp) inputs cached."""

    def __init__(self, image) -> None:
        self.source = image
        self.image = as_image(image)                  # (H, W, C), checked: numbers, finite
        self._padded: dict[tuple, np.ndarray] = {}
        self._abs_max: float | None = None

    def abs_max(self) -> float:
        """max |pixel| of the image (0 for an empty one), computed once: the overflow check's bound needs it."""
        if self._abs_max is None:
            self._abs_max = float(np.max(np.abs(self.image))) if self.image.size else 0.0
        return self._abs_max

    def is_for(self, image) -> bool:
        """Whether this was prepared from ``image`` (the same array object)."""
        return image is self.source

    def padded(self, pads, mode: str, dtype, summed: bool) -> np.ndarray:
        """The (C, Hp, Wp) padded input in ``dtype``; ``summed``: its channels summed first (C = 1)."""
        key = (tuple(int(p) for p in pads), mode, np.dtype(dtype).str, bool(summed))
        found = self._padded.get(key)
        if found is None:
            x = channel_sum(self.image, dtype)[:, :, None] if summed else self.image
            found = padded_chw(x, key[0], mode, dtype)
            found.setflags(write=False)                # shared between computations: never written
            if len(self._padded) >= MAX_PADDED:
                self._padded.pop(next(iter(self._padded)))
            self._padded[key] = found
        return found
