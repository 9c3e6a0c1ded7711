"""Property tests: conv2d, pooling and the 'same' rule against torch.nn.functional on random cases."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from cnn_explorer.core.conv.convolution import (
    ConvSettings,
    PoolSettings,
    activate,
    conv2d,
    conv_step,
    output_shape,
    output_size_formula,
    pool2d,
    pool_output_shape,
    pool_step,
    resolve_padding,
)

F = torch.nn.functional


@st.composite
def conv_cases(draw, max_side=9):
    """A random image (H, W[, C]), kernel stack (K, kh, kw, C) and settings that fit together."""
    seed = draw(st.integers(0, 2**32 - 1))
    channels = draw(st.integers(1, 3))
    grey = channels == 1 and draw(st.booleans())
    k = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.one_of(
        st.just("valid"), st.just("same"), st.integers(0, 2),
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)),
    ))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    mode = draw(st.sampled_from(["zeros", "zeros", "edge", "reflect"]))
    settings = ConvSettings(stride=stride, padding=padding, padding_mode=mode, dilation=dilation,
                            bias=draw(st.sampled_from([0.0, 1.5, -2.0])), normalize=draw(st.booleans()),
                            flip=draw(st.booleans()))
    pads = resolve_padding((h, w), (kh, kw), settings)
    f_eff = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    assume(h + pads[0] + pads[1] >= f_eff[0] and w + pads[2] + pads[3] >= f_eff[1])
    if mode == "reflect":  # torch reflects only once: pads must be smaller than the image
        assume(max(pads[:2]) < h and max(pads[2:]) < w)
    rng = np.random.default_rng(seed)
    image = rng.normal(size=(h, w) if grey else (h, w, channels))
    kernels = rng.normal(size=(k, kh, kw, channels))
    return image, kernels, settings


def torch_conv(image, kernels, settings: ConvSettings, dtype=torch.float64):
    """The same layer in torch: F.pad for the (possibly asymmetric) padding, then F.conv2d."""
    x = np.asarray(image)
    x = x[:, :, None] if x.ndim == 2 else x
    w = kernels[:, ::-1, ::-1, :] if settings.flip else kernels
    pads = resolve_padding(x.shape[:2], kernels.shape[1:3], settings)
    t = torch.tensor(x.transpose(2, 0, 1).copy(), dtype=dtype)[None]
    mode = {"zeros": "constant", "edge": "replicate", "reflect": "reflect"}[settings.padding_mode]
    t = F.pad(t, (pads[2], pads[3], pads[0], pads[1]), mode=mode)
    wt = torch.tensor(w.transpose(0, 3, 1, 2).copy(), dtype=dtype)
    y = F.conv2d(t, wt, stride=settings.stride, dilation=settings.dilation)[0].numpy()
    if settings.normalize:
        y = y / (kernels.shape[1] * kernels.shape[2] * kernels.shape[3])
    return y + settings.bias


@given(conv_cases())
def test_exact_conv_matches_torch_float64(case):
    image, kernels, settings = case
    result = conv2d(image, kernels, settings)
    assert result.maps.dtype == np.float64
    np.testing.assert_allclose(result.maps, torch_conv(image, kernels, settings), rtol=1e-9, atol=1e-9)
    assert result.maps.shape[1:] == output_shape(np.shape(image)[:2], kernels.shape[1:3], settings)


@given(conv_cases(max_side=14), st.sampled_from(["numpy", "torch", "auto"]))
def test_fast_path_matches_torch_within_float32(case, backend):
    image, kernels, settings = case
    result = conv2d(image, kernels, settings, precision="fast", backend=backend)
    assert result.maps.dtype == np.float32
    np.testing.assert_allclose(result.maps, torch_conv(image, kernels, settings), rtol=1e-4, atol=1e-4)


@given(st.integers(0, 2**32 - 1), st.integers(4, 12), st.integers(1, 3), st.integers(1, 2))
def test_matrix_product_path_matches_torch(seed, side, stride, dilation):
    """Many filters take the im2col path on numpy; same numbers as torch."""
    rng = np.random.default_rng(seed)
    image, kernels = rng.normal(size=(side + 4, side + 4, 3)), rng.normal(size=(8, 3, 3, 3))
    settings = ConvSettings(stride=stride, dilation=dilation, padding=1)
    fast = conv2d(image, kernels, settings, precision="fast", backend="numpy").maps
    np.testing.assert_allclose(fast, torch_conv(image, kernels, settings), rtol=1e-4, atol=1e-4)


@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 4), st.integers(1, 3))
def test_same_padding_follows_the_tensorflow_formula(n, f, s, d):
    settings = ConvSettings(stride=s, padding="same", dilation=d)
    f_eff = d * (f - 1) + 1
    top, bottom, left, right = resolve_padding((n, n), (f, f), settings)
    out = -(-n // s)
    assert top + bottom == max((out - 1) * s + f_eff - n, 0) == left + right
    assert bottom - top in (0, 1)  # the extra row goes at the bottom
    assert output_shape((n, n), (f, f), settings) == (out, out)
    assert output_size_formula((n, n), (f, f), settings).endswith(f"+ 1 = {out}")


@given(conv_cases(max_side=6), st.data())
def test_formula_and_arithmetic_strings_evaluate_to_their_values(case, data):
    image, kernels, settings = case
    image, kernel = np.round(image * 4), np.round(kernels[0] * 3)  # small integers: exact text
    kernel = kernel if np.ndim(image) == 3 else kernel[:, :, 0]
    h, w = np.shape(image)[:2]
    formula = output_size_formula((h, w), kernel.shape[:2], settings)
    for part in formula.split("; "):
        lhs, rhs = part.split(": ")[-1].rsplit(" = ", 1)
        assert _evaluate(lhs.replace("⌊", "(").replace("⌋", ")//1")) == int(rhs)
    oh, ow = output_shape((h, w), kernel.shape[:2], settings)
    i, j = data.draw(st.integers(0, oh - 1)), data.draw(st.integers(0, ow - 1))
    step = conv_step(image, kernel, settings, i, j)
    lhs, rhs = step.arithmetic().rsplit(" = ", 1)
    assert _evaluate(lhs) == pytest.approx(step.value, abs=1e-9)
    assert float(rhs.replace("−", "-")) == pytest.approx(step.value, abs=1e-4)


def _evaluate(expression: str) -> float:
    """Evaluate our arithmetic notation (×, −, ·, R[…]) as Python after checking its characters."""
    text = expression.replace("×", "*").replace("·", "*").replace("−", "-")
    text = re.sub(r"(R|G|B|c\d+)\[", "(", text).replace("]", ")")
    assert set(text) <= set("0123456789.+-*/() "), text
    return eval(text)  # noqa: S307 - digits and operators only, checked above


@st.composite
def pool_cases(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = (draw(st.integers(0, size[0] // 2)), draw(st.integers(0, size[1] // 2)))
    h, w = draw(st.integers(1, 10)), draw(st.integers(1, 10))
    assume(size[0] <= h + 2 * padding[0] and size[1] <= w + 2 * padding[1])
    settings = PoolSettings(mode=draw(st.sampled_from(["max", "avg"])), size=size, stride=stride,
                            padding=padding, ceil_mode=draw(st.booleans()))
    k = draw(st.integers(1, 3))
    return np.random.default_rng(seed).normal(size=(k, h, w)), settings


@given(pool_cases())
def test_pooling_matches_torch(case):
    x, settings = case
    result = pool2d(x, settings)
    t = torch.tensor(x)[None]
    kwargs = dict(kernel_size=settings.size, stride=settings.stride, padding=settings.padding,
                  ceil_mode=settings.ceil_mode)
    if settings.mode == "max":
        ref, idx = F.max_pool2d(t, return_indices=True, **kwargs)
        idx = idx[0].numpy()
        np.testing.assert_array_equal(result.argmax[..., 0] * x.shape[2] + result.argmax[..., 1], idx)
    else:
        ref = F.avg_pool2d(t, count_include_pad=True, **kwargs)
    np.testing.assert_allclose(result.values, ref[0].numpy(), rtol=1e-12, atol=1e-12)
    assert result.values.shape[1:] == pool_output_shape(x.shape[1:], settings)
    i, j = result.values.shape[1] - 1, result.values.shape[2] - 1  # the last window: ceil overhang, padding
    step = pool_step(x, settings, i, j, k=x.shape[0] - 1)
    assert step.value == pytest.approx(result.values[-1, i, j], abs=1e-12)
    if settings.mode == "max":
        assert list(step.winner) == result.argmax[-1, i, j].tolist()


@given(conv_cases(max_side=7), st.data())
def test_step_trace_equals_the_exact_map(case, data):
    image, kernels, settings = case
    result = conv2d(image, kernels[:1], settings)
    oh, ow = result.maps.shape[1:]
    i, j = data.draw(st.integers(0, oh - 1)), data.draw(st.integers(0, ow - 1))
    kernel = kernels[0] if np.ndim(image) == 3 else kernels[0, :, :, 0]
    step = conv_step(image, kernel, settings, i, j)
    assert step.value == result.maps[0, i, j]  # same float64 operations in the same order
    rows, cols = step.rows - result.pads[0], step.cols - result.pads[2]
    outside = (rows[:, None] < 0) | (rows[:, None] >= np.shape(image)[0]) | (cols < 0) | (cols >= np.shape(image)[1])
    np.testing.assert_array_equal(step.in_padding, outside)
    parts = result.partial_maps(0)
    np.testing.assert_allclose(parts.sum(axis=0) + settings.bias, result.maps[0], rtol=1e-12, atol=1e-12)


@given(st.lists(st.floats(-50, 50), min_size=1, max_size=20), st.floats(0, 0.5))
def test_activations_match_torch(values, slope):
    x = np.array(values)
    t = torch.tensor(x)
    expected = {
        "relu": F.relu(t), "leaky_relu": F.leaky_relu(t, slope), "sigmoid": torch.sigmoid(t),
        "tanh": torch.tanh(t), "none": t,
    }
    for name, ref in expected.items():
        np.testing.assert_allclose(activate(x, name, slope), ref.numpy(), rtol=1e-12, atol=1e-15)
