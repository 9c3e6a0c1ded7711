"""Unit tests of the convolution core: settings, formulas, kernel layouts, padding, steps, pipeline."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import (
    ConvSettings,
    PoolSettings,
    activate,
    conv2d,
    conv_partial_maps,
    conv_step,
    iter_steps,
    kernel_stack,
    output_size_formula,
    pad_image,
    pool2d,
    pool_step,
    resolve_padding,
    warm_up_fast_path,
)
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number

RNG = np.random.default_rng(0)
GREY = RNG.integers(0, 10, (6, 7)).astype(float)
RGB = RNG.integers(0, 10, (6, 7, 3)).astype(float)
K3 = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])


def test_settings_are_normalised():
    st = ConvSettings(stride=2, dilation=np.int64(3), padding=[1, 2], padding_mode="Replicate", bias=1)
    assert (st.stride, st.dilation, st.padding, st.padding_mode, st.bias) == ((2, 2), (3, 3), (1, 2), "edge", 1.0)
    assert ConvSettings(padding="SAME").padding == "same" and ConvSettings(padding="2").padding == 2
    assert ConvSettings(padding=(3,)).padding == 3 and ConvSettings(stride=2.0).stride == (2, 2)
    assert st.validate() is st
    pool = PoolSettings(mode="Average", size=3)
    assert (pool.mode, pool.size, pool.stride, pool.padding) == ("avg", (3, 3), (3, 3), (0, 0))
    assert PoolSettings(size=(2, 3), stride=1).stride == (1, 1)


def test_resolve_padding_forms():
    st = ConvSettings
    assert resolve_padding((5, 5), (3, 3), st(padding="valid")) == (0, 0, 0, 0)
    assert resolve_padding((5, 5), (3, 3), st(padding=2)) == (2, 2, 2, 2)
    assert resolve_padding((5, 5), (3, 3), st(padding=(1, 2))) == (1, 1, 2, 2)
    assert resolve_padding((5, 5), (3, 3), st(padding=(0, 1, 2, 3))) == (0, 1, 2, 3)
    # TF 'same' with an even kernel: the extra row/column goes bottom/right
    assert resolve_padding((5, 6), (4, 2), st(padding="same")) == (1, 2, 0, 1)
    assert resolve_padding((6, 6), (3, 3), st(padding="same", stride=2)) == (0, 1, 0, 1)


def test_output_size_formula_cases():
    assert output_size_formula((7, 7), (3, 3), ConvSettings(padding=1)) == "(7 − 3 + 2·1) / 1 + 1 = 7"
    assert output_size_formula((6, 6), (3, 3), ConvSettings(padding="same", stride=2)) == "(6 − 3 + 0 + 1) / 2 + 1 = 3"
    assert output_size_formula((7, 9), (3, 3), ConvSettings()) == "rows: (7 − 3) / 1 + 1 = 5; cols: (9 − 3) / 1 + 1 = 7"
    # dilation: the effective size 2·(3 − 1) + 1 = 5 is substituted
    assert output_size_formula((9, 9), (3, 3), ConvSettings(dilation=2, stride=3)) == "⌊(9 − 5) / 3⌋ + 1 = 2"


def test_format_number():
    assert [format_number(v) for v in (429.0, -3, 0.0, 7 / 9, -1 / 9, 2.5, 1e-6, 1e20)] == [
        "429", "−3", "0", "0.7778", "−0.1111", "2.5", "1e−06", "1e+20"
    ]


def test_arithmetic_bias_normalize_negative_and_padding():
    image = np.array([[1.0, 2], [3, 4]])
    kernel = np.array([[1.0, -1], [0.5, 2]])
    plain = conv_step(image, kernel, ConvSettings(), 0, 0)
    assert plain.arithmetic() == "1×1 + 2×(−1) + 3×0.5 + 4×2 = 8.5"
    assert conv_step(image, kernel, ConvSettings(bias=1), 0, 0).arithmetic() == "1×1 + 2×(−1) + 3×0.5 + 4×2 + 1 = 9.5"
    assert conv_step(image, kernel, ConvSettings(bias=-0.25), 0, 0).arithmetic().endswith("4×2 − 0.25 = 8.25")
    both = conv_step(image, kernel, ConvSettings(normalize=True, bias=1), 0, 0)
    assert both.arithmetic() == "(1×1 + 2×(−1) + 3×0.5 + 4×2) / 4 + 1 = 3.125"
    assert (both.total, both.divisor, both.value) == (8.5, 4, 3.125)
    padded = conv_step(image, kernel, ConvSettings(padding=1), 0, 0)
    assert padded.arithmetic() == "0×1 + 0×(−1) + 0×0.5 + 1×2 = 2"
    assert padded.in_padding.tolist() == [[True, True], [True, False]]
    assert padded.rows.tolist() == [0, 1] and padded.pads == (1, 1, 1, 1)
    negative = conv_step(-image, kernel, ConvSettings(), 0, 0)
    assert negative.arithmetic().startswith("(−1)×1 + (−2)×(−1)")


def test_arithmetic_rgb_channel_by_channel_and_max_terms():
    image = np.stack([np.full((3, 3), 1.0), np.full((3, 3), 2.0), np.full((3, 3), 3.0)], axis=2)
    step = conv_step(image, np.ones((3, 3)), ConvSettings(), 0, 0)
    assert step.window.shape == step.kernel.shape == step.products.shape == (3, 3, 3)
    text = step.arithmetic(max_terms=2)
    assert text == "R[1×1 + … + 1×1] + G[2×1 + … + 2×1] + B[3×1 + … + 3×1] = 54"
    assert step.arithmetic().count("×") == 27
    long = conv_step(GREY, np.ones((5, 5)), ConvSettings(), 0, 0).arithmetic(max_terms=5)
    assert long.count("×") == 5 and long.count("…") == 1


def test_kernel_layouts():
    per_channel = sum(conv2d(RGB[:, :, c], K3).maps for c in range(3))
    np.testing.assert_array_equal(conv2d(RGB, K3).maps, per_channel)  # a 2-D kernel is applied to each channel
    k333 = RNG.normal(size=(3, 3, 3))
    assert conv2d(RGB, k333).maps.shape[0] == 1  # (kh, kw, C) with C = image channels: one kernel
    assert conv2d(GREY, k333).maps.shape[0] == 3  # on a grey image a 3-D array is a stack
    assert conv2d(RGB, [k333, k333, k333]).maps.shape[0] == 3  # a list of arrays is always a stack
    assert conv2d(RGB, np.ones((4, 3, 2))).maps.shape[0] == 4  # last axis ≠ C: a stack of 2-D kernels
    assert conv2d(GREY, K3.tolist()).maps.shape[0] == 1  # nested lists are one array
    assert kernel_stack(K3, 3).shape == (1, 3, 3, 3)
    assert conv2d(GREY[:, :, None], K3).maps.shape == conv2d(GREY, K3).maps.shape


def test_precision_and_dtype():
    assert conv2d(GREY, K3).maps.dtype == np.float64
    assert conv2d(GREY, K3, precision="fast").maps.dtype == np.float32
    big = RNG.random((300, 300))
    fast = conv2d(big, np.ones((5, 5)))
    assert fast.maps.dtype == np.float32  # 296²·25 multiply-adds: above the exact limit
    exact = conv2d(big, np.ones((5, 5)), precision="exact")
    assert exact.maps.dtype == np.float64
    np.testing.assert_allclose(fast.maps, exact.maps, rtol=1e-5)
    assert conv2d(np.float32(GREY), K3).maps[0, 0, 0] == conv2d(GREY, K3).maps[0, 0, 0]
    assert conv2d(GREY.astype(np.uint8), K3).maps.dtype == np.float64


@pytest.mark.parametrize("settings", [ConvSettings(), ConvSettings(normalize=True, bias=1, padding="same", stride=2)])
def test_fast_path_shares_a_2d_kernel_across_channels(settings):
    image = RNG.integers(0, 256, (40, 50, 3)).astype(float)
    kernels = np.stack([K3, K3.T])
    fast = conv2d(image, kernels, settings, precision="fast").maps
    exact = conv2d(image, kernels, settings, precision="exact").maps
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, exact, rtol=1e-6, atol=1e-4)


def test_flip_is_true_convolution():
    flipped = conv2d(GREY, K3, ConvSettings(flip=True)).maps
    np.testing.assert_array_equal(flipped, conv2d(GREY, K3[::-1, ::-1]).maps)
    step = conv_step(GREY, K3, ConvSettings(flip=True), 1, 2)
    np.testing.assert_array_equal(step.kernel, K3[::-1, ::-1])
    assert step.value == flipped[0, 1, 2]


@pytest.mark.parametrize("mode", ["edge", "reflect"])
@pytest.mark.parametrize("pad", [1, 3, 8])
def test_padding_modes_match_numpy_pad(mode, pad):
    padded = pad_image(GREY, (pad, pad, pad, pad), mode)
    np.testing.assert_array_equal(padded, np.pad(GREY, pad, mode=mode))
    st = ConvSettings(padding=pad, padding_mode=mode)
    maps = conv2d(GREY, K3, st).maps
    for i, j in [(0, 0), (maps.shape[1] - 1, maps.shape[2] - 1), (1, maps.shape[2] // 2)]:
        step = conv_step(GREY, K3, st, i, j)
        np.testing.assert_array_equal(step.window, padded[i : i + 3, j : j + 3])
        assert step.value == maps[0, i, j]
    assert pad_image(RGB, (1, 0, 0, 2)).shape == (7, 9, 3)


def test_dilation_and_stride_in_steps():
    st = ConvSettings(dilation=(2, 1), stride=(1, 2))
    step = conv_step(GREY, K3, st, 1, 2)
    assert step.rows.tolist() == [1, 3, 5] and step.cols.tolist() == [4, 5, 6]
    np.testing.assert_array_equal(step.window, GREY[1:6:2, 4:7])


def test_partial_maps_normalize_and_bias():
    kernel = RNG.normal(size=(3, 3, 3))
    st = ConvSettings(normalize=True, bias=2.0, padding="same")
    result = conv2d(RGB, kernel, st)
    parts = result.partial_maps(0)
    assert parts.shape == (3, 6, 7)
    np.testing.assert_allclose(parts.sum(axis=0) + 2.0, result.maps[0], rtol=1e-12)
    alone = conv2d(RGB[:, :, 1], kernel[:, :, 1], ConvSettings(padding="same")).maps[0] / 27
    np.testing.assert_allclose(parts[1], alone, rtol=1e-12)
    np.testing.assert_array_equal(conv_partial_maps(RGB, kernel, st), parts)


def test_iter_steps_row_major():
    assert list(iter_steps((2, 3))) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert list(iter_steps((4, 1, 2))) == [(0, 0), (0, 1)]


def test_activations():
    x = np.array([-2.0, 0.0, 3.0])
    assert activate(x, "relu").tolist() == [0, 0, 3]
    assert activate(x, "leaky_relu", 0.5).tolist() == [-1, 0, 3]
    assert activate(x, "identity").tolist() == activate(x, "none").tolist() == [-2, 0, 3]
    assert activate(x, "RELU").tolist() == [0, 0, 3]
    assert activate(np.float32(x), "sigmoid").dtype == np.float32
    huge = activate(np.array([-1000.0, 1000.0]), "sigmoid")  # no overflow warning (warnings are errors)
    assert huge.tolist() == [0.0, 1.0]
    out = activate(x, "none")
    out[0] = 5
    assert x[0] == -2  # a new array


def test_pool_avg_ceil_step_and_argmax():
    x = np.arange(25, dtype=float).reshape(5, 5)
    st = PoolSettings(mode="avg", size=2, ceil_mode=True)
    result = pool2d(x, st)
    assert result.values.shape == (3, 3) and result.values[2, 2] == 24.0  # a 1-cell window: divisor 1
    step = pool_step(x, st, 0, 2)
    assert step.arithmetic() == "(4 + 9) / 2 = 6.5" and step.winner == (0, 4)
    assert result.argmax.shape == (3, 3, 2) and result.argmax[1, 2].tolist() == [2, 4]
    padded = PoolSettings(mode="avg", size=3, stride=2, padding=1)
    assert pool_step(x, padded, 0, 0).arithmetic() == "(0 + 0 + 0 + 0 + 0 + 1 + 0 + 5 + 6) / 9 = 1.3333"
    mx = PoolSettings(size=3, stride=2, padding=1)
    step = pool_step(x, mx, 0, 0)
    assert step.arithmetic() == "max(0, 1, 5, 6) = 6" and step.winner == (1, 1)
    assert np.isnan(step.values[0, 0]) and step.in_padding[0].all()
    assert pool2d(x, mx).argmax[0, 0].tolist() == [1, 1]


def test_pool_keeps_float32_and_first_max_wins():
    x = np.float32([[1, 3, 3, 0], [3, 2, 0, 0]])
    result = pool2d(x, PoolSettings())
    assert result.values.dtype == np.float32 and result.values.tolist() == [[3, 3]]
    assert result.argmax.tolist() == [[[0, 1], [0, 2]]]


def test_pipeline_stages():
    result = run_pipeline(GREY, [K3, -K3], ConvSettings(), "identity", None)
    assert result.pooled is None and result.pool is None and result.activation == "none"
    np.testing.assert_array_equal(result.output, result.activated)
    assert result.kernels.shape == (2, 3, 3)
    rgb = run_pipeline(RGB, K3, ConvSettings(padding="same"), "relu", PoolSettings(size=2, ceil_mode=True))
    assert rgb.kernels.shape == (1, 3, 3, 3) and rgb.feature.shape == (1, 6, 7)
    assert rgb.output.shape == (1, 3, 4) and rgb.output is rgb.pooled.values
    assert (rgb.activated >= 0).all() and rgb.feature is rgb.conv.maps


def test_auto_backend_never_imports_torch(tmp_path):
    code = (
        "import sys, numpy as np\n"
        "from cnn_explorer.core.conv.pipeline import run_pipeline\n"
        "from cnn_explorer.core.conv.convolution import ConvSettings\n"
        "r = run_pipeline(np.ones((300, 300, 3)), np.ones((8, 3, 3, 3)), ConvSettings())\n"
        "assert r.feature.dtype == np.float32 and r.feature[0, 0, 0] == 27\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_warm_up_then_heavy_work_uses_torch_and_agrees():
    warm_up_fast_path()
    assert "torch" in sys.modules
    image, kernels = RNG.random((40, 40, 3)), RNG.normal(size=(8, 3, 3, 3))
    auto = conv2d(image, kernels, precision="fast").maps
    numpy_only = conv2d(image, kernels, precision="fast", backend="numpy").maps
    np.testing.assert_allclose(auto, numpy_only, rtol=1e-4, atol=1e-4)


def test_read_only_seed_grids_work_on_every_backend():
    from cnn_explorer.core.kernels import seed_grids as S

    assert not S.SLIDE_000_1_IMAGE.flags.writeable
    for backend in ("numpy", "torch"):
        maps = conv2d(S.SLIDE_000_1_IMAGE, S.SLIDE_000_1_KERNEL, backend=backend).maps
        np.testing.assert_array_equal(maps[0], S.SLIDE_000_1_FEATURE)


def test_pipeline_pool_matches_pool2d_and_rejects_bad_settings():
    result = run_pipeline(GREY, K3, ConvSettings(), "tanh", PoolSettings(mode="avg", size=3, stride=1, padding=1))
    reference = pool2d(result.activated, result.pool)
    np.testing.assert_array_equal(result.pooled.values, reference.values)
    np.testing.assert_array_equal(result.pooled.argmax, reference.argmax)
    with pytest.raises(CnnExplorerError, match="^pool: settings must be PoolSettings or None, got tuple$"):
        run_pipeline(GREY, K3, ConvSettings(), "relu", (2, 2))
