"""Grey and RGB arrays: ITU-R 601 luma and channel repetition, float64, channels-last."""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError


def to_grey(array) -> np.ndarray:
    """(H, W, 3) RGB -> (H, W) luma 0.299 R + 0.587 G + 0.114 B (ITU-R 601, as Pillow's "L"); (H, W) unchanged.

    Integer RGB gives integer grey (rounded), so teaching grids keep whole numbers.
    """
    arr = np.asarray(array, dtype=np.float64)
    if arr.ndim == 2:
        return arr.copy()
    if arr.ndim != 3 or arr.shape[2] not in (1, 3):
        raise CnnExplorerError(f"image: cannot make grey from shape {arr.shape}; expected (H, W) or (H, W, 3)")
    if arr.shape[2] == 1:
        return arr[:, :, 0].copy()
    grey = arr @ np.array([0.299, 0.587, 0.114])
    if np.array_equal(arr, np.round(arr)):
        grey = np.round(grey)
    return grey


def to_rgb(array) -> np.ndarray:
    """(H, W) grey -> (H, W, 3) with three equal channels; (H, W, 3) unchanged (copied)."""
    arr = np.asarray(array, dtype=np.float64)
    if arr.ndim == 3 and arr.shape[2] == 3:
        return arr.copy()
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim != 2:
        raise CnnExplorerError(f"image: cannot make RGB from shape {arr.shape}; expected (H, W) or (H, W, 3)")
    return np.repeat(arr[:, :, None], 3, axis=2)
