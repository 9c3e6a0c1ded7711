"""Impossible settings and bad inputs: a CnnExplorerError whose one-line message names the parameter."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import (
    ConvSettings,
    PoolSettings,
    activate,
    conv2d,
    conv_partial_maps,
    conv_step,
    output_shape,
    output_size_formula,
    pad_image,
    pool2d,
    pool_step,
)
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.errors import CnnExplorerError

IMG = np.arange(25, dtype=float).reshape(5, 5)
RGB = np.arange(75, dtype=float).reshape(5, 5, 3)
K3 = np.ones((3, 3))


def raises(match: str):
    return pytest.raises(CnnExplorerError, match=match)


def test_error_is_a_value_error_with_one_line():
    with raises("^stride: must be at least 1, got 0$") as info:
        ConvSettings(stride=0)
    assert isinstance(info.value, ValueError) and "\n" not in str(info.value)


def test_kernel_larger_than_padded_input():
    with raises(r"^kernel: 7×7 is larger than the padded input 5×5$"):
        conv2d(IMG, np.ones((7, 7)))
    with raises(r"^kernel: 3×3 \(dilated to 5×5\) is larger than the padded input 4×4$"):
        conv2d(IMG[:4, :4], K3, ConvSettings(dilation=2))
    with raises("^kernel: .* larger than the padded input"):
        output_size_formula((2, 2), (3, 3), ConvSettings())
    assert output_shape((5, 5), (7, 7), ConvSettings(padding=1)) == (1, 1)  # padding makes it fit


@pytest.mark.parametrize("value", [0, -1, (1, 0), (0, 2)])
def test_stride_and_dilation_at_least_one(value):
    with raises("^stride: must be at least 1"):
        ConvSettings(stride=value)
    with raises("^dilation: must be at least 1"):
        ConvSettings(dilation=value)


@pytest.mark.parametrize("value", [1.5, "two", None, (1, 2, 3), True])
def test_stride_must_be_whole_numbers(value):
    with raises("^stride: "):
        ConvSettings(stride=value)


@pytest.mark.parametrize("kernel", [[], [[]], np.zeros((0, 3))])
def test_empty_kernel(kernel):
    with raises("^kernel: is empty$"):
        conv2d(IMG, kernel)


def test_ragged_kernel():
    with raises(r"^kernel: rows have different lengths \(ragged grid\)$"):
        conv2d(IMG, [[1, 2, 3], [4, 5]])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_kernel(bad):
    kernel = K3.copy()
    kernel[1, 2] = bad
    with raises(r"^kernel: contains NaN or infinity at row 2, column 3$"):
        conv2d(IMG, kernel)


def test_nan_image():
    image = IMG.copy()
    image[0, 4] = np.nan
    with raises(r"^image: contains NaN or infinity at row 1, column 5$"):
        conv2d(image, K3)


def test_non_numeric_cells():
    with raises(r"^kernel: cell at row 2, column 1 is not a number: 'x'$"):
        conv2d(IMG, [["1", "0"], ["x", "1"]])
    with raises(r"^kernel: cell at row 1, column 2 is not a number: None$"):
        conv2d(IMG, [[1, None], [0, 1]])
    with raises("^image: cell at row 1, column 1 is not a number"):
        conv2d([["a", "b"], ["c", "d"]], [[1]])
    with raises("^kernel: complex numbers are not supported$"):
        conv2d(IMG, K3 * 1j)


def test_wrong_dimensions():
    with raises(r"^image: must be 2-D or 3-D, got shape \(5,\)$"):
        conv2d(np.ones(5), K3)
    with raises(r"^kernel: must be 2-D or 3-D or 4-D, got shape \(3,\)$"):
        conv2d(IMG, np.ones(3))
    with raises("^kernel: must be a grid of numbers"):
        conv2d(IMG, 3)


def test_channel_mismatch():
    with raises("^kernel: has 2 channels but the image has 3$"):
        conv_step(RGB, np.ones((3, 3, 2)), ConvSettings(), 0, 0)
    with raises("^kernel: has 2 channels but the image has 3$"):
        conv_partial_maps(RGB, np.ones((3, 3, 2)), ConvSettings())
    with raises("^kernel: has 2 channels but the image has 3$"):
        conv2d(RGB, np.ones((4, 3, 3, 2)))
    with raises("^kernel 2: has 3 channels but the image has 1$"):
        conv2d(IMG, [np.ones((3, 3)), np.ones((3, 3, 3))])
    with raises("^kernel: all kernels of a stack must have the same size"):
        conv2d(IMG, [np.ones((3, 3)), np.ones((2, 2))])


@pytest.mark.parametrize("padding", [-1, (1, -1), (0, 0, -2, 0), "-1"])
def test_negative_padding(padding):
    with raises("^padding: must not be negative, got -"):
        ConvSettings(padding=padding)
    with raises("^padding: must not be negative"):
        pad_image(IMG, (0, -1, 0, 0))


@pytest.mark.parametrize("padding", ["full", "", (1, 2, 3)])
def test_unknown_padding(padding):
    with raises("^padding: "):
        ConvSettings(padding=padding)


def test_unknown_padding_mode_activation_pool_mode_precision_backend():
    with raises("^padding_mode: unknown 'circular'; choose zeros, edge or reflect$"):
        ConvSettings(padding_mode="circular")
    with raises("^activation: unknown 'softplus'; choose relu, leaky_relu, sigmoid, tanh, none"):
        activate(IMG, "softplus")
    with raises("^activation: unknown"):
        run_pipeline(IMG, K3, ConvSettings(), "swish")
    with raises("^pool mode: unknown 'min'; choose max or avg$"):
        PoolSettings(mode="min")
    with raises("^precision: unknown 'double'"):
        conv2d(IMG, K3, precision="double")
    with raises("^backend: unknown 'cuda'"):
        conv2d(IMG, K3, backend="cuda")
    with raises("^bias: must be a finite number"):
        ConvSettings(bias=float("nan"))
    with raises("^bias: must be a number"):
        ConvSettings(bias="one")
    with raises("^settings: must be ConvSettings, got dict$"):
        conv2d(IMG, K3, {"stride": 1})
    with raises("^pool: settings must be PoolSettings, got ConvSettings$"):
        pool2d(IMG, ConvSettings())


def test_pool_window_larger_than_padded_input():
    with raises(r"^pool size: window 6 is larger than the padded input 5 \(rows\)$"):
        pool2d(IMG, PoolSettings(size=(6, 2)))
    with raises(r"^pool size: window 4 is larger than the padded input 3 \(cols\)$"):
        pool2d(IMG[:, :3], PoolSettings(size=4, ceil_mode=True))
    assert pool2d(IMG[:, :3], PoolSettings(size=4, padding=2)).values.shape == (2, 1)  # padding makes it fit


def test_pool_padding_at_most_half_the_window_and_positive_sizes():
    with raises(r"^pool padding: must be at most half the window \(1 for a window of 3\), got 2$"):
        PoolSettings(size=3, padding=2)
    with raises("^pool padding: must be at least 0"):
        PoolSettings(padding=-1)
    with raises("^pool size: must be at least 1, got 0$"):
        PoolSettings(size=0)
    with raises("^pool stride: must be at least 1, got 0$"):
        PoolSettings(stride=0)


def test_step_indices_out_of_range():
    with raises(r"^i: output cell index must be in 0\.\.2, got 3$"):
        conv_step(IMG, K3, ConvSettings(), 3, 0)
    with raises(r"^j: output cell index must be in 0\.\.2, got -1$"):
        conv_step(IMG, K3, ConvSettings(), 0, -1)
    with raises(r"^i: output cell index must be in 0\.\.1, got 2$"):
        pool_step(IMG, PoolSettings(), 2, 0)
    with raises(r"^k: map index must be in 0\.\.0, got 1$"):
        pool_step(IMG, PoolSettings(), 0, 0, k=1)
    with raises(r"^k: kernel index must be in 0\.\.0, got 1$"):
        conv2d(IMG, K3).partial_maps(1)


def test_pool_input_checked():
    with raises("^pool input: contains NaN or infinity"):
        pool2d(np.array([[1.0, np.nan], [0.0, 1.0]]), PoolSettings())
    with raises("^pool input: must be 2-D or 3-D"):
        pool2d(np.ones(4), PoolSettings())


def test_step_traces_refuse_nan_in_their_window_without_scanning_the_whole_image():
    import numpy as np
    import pytest

    from cnn_explorer.core.conv.convolution import (
        ConvSettings,
        PoolSettings,
        conv_step,
        pool_step,
    )
    from cnn_explorer.core.errors import CnnExplorerError

    image = np.zeros((6, 6))
    image[5, 5] = np.nan
    kernel = np.ones((3, 3))
    assert conv_step(image, kernel, ConvSettings(), 0, 0).value == 0.0  # the NaN is outside this window
    with pytest.raises(CnnExplorerError, match="NaN or infinity in the window of output cell"):
        conv_step(image, kernel, ConvSettings(), 3, 3)
    assert pool_step(image, PoolSettings(), 0, 0).value == 0.0
    with pytest.raises(CnnExplorerError, match="NaN or infinity in the window of pooled cell"):
        pool_step(image, PoolSettings(), 2, 2)
