"""The shared size arithmetic (core/conv/sizes.py) against torch.nn.functional output shapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnn_explorer.core.conv.sizes import (
    conv_size,
    effective_size,
    pool_size,
    same_padding,
    same_size,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.mark.parametrize(("kernel", "dilation", "expected"), [(3, 1, 3), (3, 2, 5), (1, 4, 1), (4, 3, 10)])
def test_effective_size(kernel, dilation, expected):
    assert effective_size(kernel, dilation) == expected


@pytest.mark.parametrize(("size", "stride", "expected"), [(7, 1, 7), (7, 2, 4), (8, 2, 4), (227, 4, 57)])
def test_same_size_is_ceil(size, stride, expected):
    assert same_size(size, stride) == expected


def test_pool_size_examples_from_the_slides():
    assert pool_size(7, 2, 2, 0, ceil_mode=False) == 3
    assert pool_size(7, 2, 2, 0, ceil_mode=True) == 4  # the slides' 7x7 -> 4x4
    assert pool_size(5, 3, 2, 1, ceil_mode=True) == 3  # last window would start in the padding: dropped


@given(size=st.integers(1, 12), kernel=st.integers(1, 5), stride=st.integers(1, 4),
       pad=st.integers(0, 3), dilation=st.integers(1, 3))
def test_conv_size_matches_torch(size, kernel, stride, pad, dilation):
    """Equal to torch's output length; below 1 exactly where torch refuses the input."""
    out = conv_size(size, kernel, stride, 2 * pad, dilation)
    x, w = torch.zeros(1, 1, size, 1), torch.zeros(1, 1, kernel, 1)
    kwargs = dict(stride=(stride, 1), padding=(pad, 0), dilation=(dilation, 1))
    if out < 1:
        with pytest.raises(RuntimeError):
            F.conv2d(x, w, **kwargs)
    else:
        assert F.conv2d(x, w, **kwargs).shape[2] == out


@given(size=st.integers(1, 12), kernel=st.integers(1, 5), stride=st.integers(1, 4), dilation=st.integers(1, 3))
def test_same_padding_gives_ceil_size_in_torch(size, kernel, stride, dilation):
    before, after = same_padding(size, kernel, stride, dilation)
    assert 0 <= after - before <= 1  # the odd extra cell goes after (bottom/right)
    assert conv_size(size, kernel, stride, before + after, dilation) == same_size(size, stride)
    x = F.pad(torch.zeros(1, 1, size, 1), (0, 0, before, after))
    y = F.conv2d(x, torch.zeros(1, 1, kernel, 1), stride=(stride, 1), dilation=(dilation, 1))
    assert y.shape[2] == same_size(size, stride)


@given(size=st.integers(1, 12), window=st.integers(1, 5), stride=st.integers(1, 4), data=st.data(),
       ceil_mode=st.booleans(), mode=st.sampled_from(["max", "avg"]))
def test_pool_size_matches_torch(size, window, stride, data, ceil_mode, mode):
    """Equal to torch's output length; below 1 exactly where torch refuses the input."""
    pad = data.draw(st.integers(0, window // 2))
    out = pool_size(size, window, stride, pad, ceil_mode)
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    kwargs = dict(kernel_size=(window, 1), stride=(stride, 1), padding=(pad, 0), ceil_mode=ceil_mode)
    if out < 1:
        with pytest.raises(RuntimeError):
            pool(torch.zeros(1, 1, size, 1), **kwargs)
    else:
        assert pool(torch.zeros(1, 1, size, 1), **kwargs).shape[2] == out
