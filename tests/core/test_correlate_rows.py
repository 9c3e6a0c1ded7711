"""The banded correlation's whole-row path (stride 1, contiguous input) gives the row-by-row path's bits."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import ConvSettings, conv_step
from cnn_explorer.core.conv.engine import correlate
from cnn_explorer.core.conv.pipeline import run_pipeline


def strided_copy(xp: np.ndarray) -> np.ndarray:
    """The same values in a non-contiguous array (a column more in memory): correlate's row-by-row path."""
    out = np.empty((*xp.shape[:2], xp.shape[2] + 1), xp.dtype)[:, :, : xp.shape[2]]
    out[...] = xp
    assert not out.flags.c_contiguous
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels,kernels,size,dilation", [(1, 1, (3, 3), (1, 1)), (3, 2, (3, 3), (1, 1)),
                                                            (3, 1, (5, 5), (2, 1)), (2, 3, (1, 4), (1, 3)),
                                                            (1, 1, (1, 1), (1, 1))])
def test_whole_rows_give_the_same_bits(dtype, channels, kernels, size, dilation):
    rng = np.random.default_rng(11)
    # 900 rows of 600: more than one band of whole rows; rows shorter than the kernel's reach are refused upstream
    for height, width in ((900, 600), (37, 23), (size[0] * dilation[0] + 1, size[1] * dilation[1] + 2)):
        xp = (rng.random((channels, height, width)) * 255).astype(dtype)
        w = np.round(rng.normal(size=(kernels, channels, *size)) * 2).astype(dtype)
        w.flat[0] = 0.0                                          # zero weights are left out on both paths
        out_hw = (height - (size[0] - 1) * dilation[0], width - (size[1] - 1) * dilation[1])
        fast = correlate(xp, w, (1, 1), dilation, out_hw, backend="numpy")
        slow = correlate(strided_copy(xp), w, (1, 1), dilation, out_hw, backend="numpy")
        assert fast.shape == (kernels, *out_hw) and fast.flags.c_contiguous
        np.testing.assert_array_equal(fast, slow)


def test_a_photos_maps_are_still_the_step_traces_sums():
    """The animation's step trace repeats the exact summation: its cells equal the maps' cells."""
    rng = np.random.default_rng(12)
    image = rng.integers(0, 256, (80, 90, 3)).astype(np.float64)
    kernel = rng.normal(size=(3, 3, 3))
    result = run_pipeline(image, [kernel], ConvSettings(padding="same"), "relu", None, precision="exact")
    for i, j in ((0, 0), (40, 45), (79, 89)):
        step = conv_step(image, kernel, ConvSettings(padding="same"), i, j)
        assert step.value == result.feature[0, i, j]
