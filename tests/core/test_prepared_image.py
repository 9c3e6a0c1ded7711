"""PreparedImage: an image checked and padded once gives the very maps of the plain call, for any kernel."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings, conv2d
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.conv.prepared import MAX_PADDED, PreparedImage
from cnn_explorer.core.errors import CnnExplorerError

SOBEL = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])


@pytest.mark.parametrize("shape", [(6, 6), (9, 9, 3), (300, 400), (300, 400, 3)])
@pytest.mark.parametrize("settings", [ConvSettings(), ConvSettings(padding="same"), ConvSettings(padding=2,
                         padding_mode="reflect", stride=2), ConvSettings(padding="same", padding_mode="edge",
                         normalize=True, bias=3.0, flip=True), ConvSettings(dilation=2)])
def test_prepared_maps_are_bit_for_bit_the_plain_ones(shape, settings):
    rng = np.random.default_rng(len(shape) * 100 + shape[0])
    image = rng.integers(0, 256, shape).astype(np.float64)
    prepared = PreparedImage(image)
    kernels = [SOBEL, rng.integers(-3, 4, (3, 3)).astype(np.float64)]
    if len(shape) == 3:
        kernels.append(rng.normal(size=(3, 3, 3)))            # a kernel of its own per channel
    for stack in ([kernels[0]], kernels):                     # the cache is reused from the second call on
        plain = run_pipeline(image, stack, settings, "leaky_relu", PoolSettings())
        fast = run_pipeline(image, stack, settings, "leaky_relu", PoolSettings(), prepared=prepared)
        assert fast.feature.dtype == plain.feature.dtype
        assert np.array_equal(fast.feature, plain.feature)
        assert np.array_equal(fast.activated, plain.activated)
        assert np.array_equal(fast.pooled.values, plain.pooled.values)
        assert np.array_equal(fast.conv.kernels, plain.conv.kernels)


def test_the_exact_path_stays_float64_on_a_teaching_grid():
    image = np.arange(36, dtype=np.float64).reshape(6, 6)
    k = np.full((3, 3), 1 / 9)
    fast = conv2d(image, k, ConvSettings(), prepared=PreparedImage(image))
    assert fast.maps.dtype == np.float64
    assert np.array_equal(fast.maps, conv2d(image, k, ConvSettings()).maps)


def test_a_prepared_image_is_for_its_own_image_only():
    image = np.zeros((8, 8))
    with pytest.raises(CnnExplorerError, match="another image"):
        conv2d(image.copy(), SOBEL, prepared=PreparedImage(image))


def test_a_bad_image_is_refused_when_prepared():
    image = np.zeros((8, 8))
    image[2, 3] = np.nan
    with pytest.raises(CnnExplorerError, match="row 3, column 4"):
        PreparedImage(image)


def test_padded_inputs_are_shared_read_only_and_bounded():
    image = np.random.default_rng(1).normal(size=(20, 20, 3))
    prepared = PreparedImage(image)
    first = prepared.padded((1, 1, 1, 1), "zeros", np.float32, True)
    assert prepared.padded((1, 1, 1, 1), "zeros", np.float32, True) is first
    assert first.shape == (1, 22, 22) and not first.flags.writeable
    for p in range(MAX_PADDED + 2):
        prepared.padded((p, p, p, p), "zeros", np.float64, False)
    assert prepared.padded((1, 1, 1, 1), "zeros", np.float32, True) is not first   # the oldest went first
