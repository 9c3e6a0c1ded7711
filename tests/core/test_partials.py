"""ChannelPartials: the per-channel partial maps at every n-th cell, equal to the full maps sampled."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import ConvSettings, conv_partial_maps
from cnn_explorer.core.conv.partials import ChannelPartials
from cnn_explorer.core.errors import CnnExplorerError


@pytest.mark.parametrize("stride,padding,mode", [(1, "valid", "zeros"), (1, "same", "edge"), (2, "same", "zeros"),
                                                 (2, 2, "reflect"), (1, (0, 1, 2, 0), "zeros")])
def test_sampled_partials_are_the_full_partials_sampled(stride, padding, mode):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (37, 41, 3)).astype(np.float64)
    partials = ChannelPartials(image, "exact")
    for dilation, flip, normalize in itertools.product((1, 2), (False, True), (False, True)):
        settings = ConvSettings(stride=stride, padding=padding, padding_mode=mode, dilation=dilation, flip=flip,
                                normalize=normalize)
        kernel = rng.normal(size=(3, 3, 3))
        full = conv_partial_maps(image, kernel, settings, precision="exact")
        for step in (1, 2, 3, 5):
            got = partials.maps(kernel, settings, step)
            assert got.dtype == full.dtype
            np.testing.assert_array_equal(got, full[:, ::step, ::step])     # the same sums, in the same order


def test_fast_precision_and_a_2d_kernel_on_rgb():
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, (64, 64, 3)).astype(np.float64)
    kernel = np.array([[-1.0, -1, -1], [-1, 8, -1], [-1, -1, -1]])
    settings = ConvSettings(padding="same", padding_mode="edge")
    got = ChannelPartials(image, "fast").maps(kernel, settings, 4)
    full = conv_partial_maps(image, kernel, settings, precision="fast")
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, full[:, ::4, ::4], rtol=1e-5, atol=1e-3)


def test_bad_arguments_are_refused():
    partials = ChannelPartials(np.zeros((6, 6)), "exact")
    with pytest.raises(CnnExplorerError):
        partials.maps(np.ones((3, 3)), ConvSettings(), 0)
    with pytest.raises(CnnExplorerError):
        partials.maps(np.ones((3, 3)), "valid", 1)
    with pytest.raises(CnnExplorerError):
        ChannelPartials(np.zeros((6, 6)), "auto")


@pytest.mark.parametrize("precision", ["exact", "fast"])
def test_kernel_edits_reuse_the_gathered_cells_and_give_the_same_bits(precision):
    """A kernel edit at the same step reads the cells gathered for the last one; a new step, size or
    setting gathers anew. Every answer equals the plain strided computation, bit for bit."""
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (90, 70, 3)).astype(np.float64)
    partials = ChannelPartials(image, precision)
    reference = ChannelPartials(image, precision)
    plain = {}

    def strided(kernel, settings, step):         # the step-1 maps, sampled: no gathered cells involved
        key = (kernel.tobytes(), settings)
        if key not in plain:
            plain[key] = reference.maps(kernel, settings, 1)
        return plain[key][:, ::step, ::step]

    settings = ConvSettings(padding="same")
    kernel = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])
    for value in (-3.0, 0.0, 1.0, -1.0, 2.5):                     # typing into the centre cell
        kernel[1, 1] = value
        np.testing.assert_array_equal(partials.maps(kernel, settings, 6), strided(kernel, settings, 6))
    for settings, step, size in ((ConvSettings(padding="same"), 4, 3), (ConvSettings(stride=2), 4, 3),
                                 (ConvSettings(dilation=2, flip=True), 4, 5), (ConvSettings(padding="same"), 6, 3)):
        kernel = rng.normal(size=(size, size, 3))
        kernel[0, 0] = 0.0                                        # a zero weight is left out, as correlate does
        np.testing.assert_array_equal(partials.maps(kernel, settings, step), strided(kernel, settings, step))


def test_a_big_float32_kernel_keeps_the_matrix_product_path():
    """Kernels over LIGHT_OPS cells are summed by a matrix product in float32: the sampled maps stay
    those of that path (no gathered cells, whose order would differ)."""
    rng = np.random.default_rng(6)
    image = rng.integers(0, 256, (160, 160, 3)).astype(np.float64)
    kernel = rng.normal(size=(11, 11))
    settings = ConvSettings(padding="same")
    got = ChannelPartials(image, "fast").maps(kernel, settings, 5)
    full = conv_partial_maps(image, kernel, settings, precision="fast")      # correlate picks the same path
    np.testing.assert_array_equal(got, full[:, ::5, ::5])
