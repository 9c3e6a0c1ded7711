"""Golden tests: every worked number of SEED-EXAMPLES.md through the core, errata included."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

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
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.kernels import seed_grids as S

CEIL_POOL = PoolSettings(mode="max", size=2, stride=2, ceil_mode=True)


# --- 000 -----------------------------------------------------------------------------------------

def test_000_1_feature_map_first_cell_and_pool():
    result = run_pipeline(S.SLIDE_000_1_IMAGE, S.SLIDE_000_1_KERNEL, ConvSettings(), "none", PoolSettings())
    np.testing.assert_array_equal(result.feature[0], S.SLIDE_000_1_FEATURE)
    assert result.feature.dtype == np.float64
    step = conv_step(S.SLIDE_000_1_IMAGE, S.SLIDE_000_1_KERNEL, ConvSettings(), 0, 0)
    assert step.arithmetic() == S.SLIDE_000_1_FIRST_CELL
    assert step.arithmetic().endswith("= 429")
    np.testing.assert_array_equal(result.pooled.values[0], S.SLIDE_000_1_POOLED)
    # the winners are the slide's circled cells: 792 at (1,1), 856 at (0,3), 913 at (4-1,1), 851 at (2,2)
    assert result.pooled.argmax[0].tolist() == [[[1, 1], [0, 3]], [[3, 1], [2, 2]]]
    assert pool_step(result.activated[0], PoolSettings(), 0, 0).arithmetic() == "max(429, 505, 261, 792) = 792"


def test_000_2_output_size_7x7_pad_1():
    st = ConvSettings(stride=S.SLIDE_000_2_STRIDE, padding=S.SLIDE_000_2_PADDING)
    n, f = S.SLIDE_000_2_INPUT_SIZE, S.SLIDE_000_2_FILTER_SIZE
    assert output_shape((n, n), (f, f), st) == (S.SLIDE_000_2_OUTPUT_SIZE,) * 2
    assert output_size_formula((n, n), (f, f), st) == "(7 − 3 + 2·1) / 1 + 1 = 7"
    assert output_size_formula((n, n), (f, f), ConvSettings()) == "(7 − 3) / 1 + 1 = 5"
    assert conv2d(np.ones((n, n)), np.ones((f, f)), st).maps.shape == (1, 7, 7)


def test_000_3_ten_5x5x3_filters_pad_2():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, S.SLIDE_000_3_INPUT_SHAPE).astype(np.float64)
    f = S.SLIDE_000_3_FILTER_SIZE
    kernels = rng.integers(-2, 3, (S.SLIDE_000_3_FILTERS, f, f, 3)).astype(np.float64)
    result = conv2d(image, kernels, ConvSettings(padding=S.SLIDE_000_3_PADDING))
    assert result.maps.transpose(1, 2, 0).shape == S.SLIDE_000_3_OUTPUT_SHAPE
    assert result.kernels[0].size + 1 == S.SLIDE_000_3_PARAMS_PER_FILTER
    assert (result.kernels[0].size + 1) * len(result.kernels) == S.SLIDE_000_3_PARAMS_TOTAL
    # centre cell of filter 7 by hand: the 5x5x3 window around (16, 16) times the filter
    expected = float((image[14:19, 14:19, :] * kernels[7]).sum())
    assert result.maps[7, 16, 16] == expected


def test_000_4_happy_face_map_erratum_pool_flatten():
    result = run_pipeline(S.SLIDE_000_4_IMAGE, S.SLIDE_000_4_KERNEL, ConvSettings(), "none", CEIL_POOL)
    feature = result.feature[0]
    np.testing.assert_array_equal(feature, S.SLIDE_000_4_FEATURE)
    # ERRATUM: the slide prints row 3 as "1 0 1 2 1"; the centre cell is 0, not 1
    assert not np.array_equal(feature[2], S.SLIDE_000_4_FEATURE_ROW3_ERRATUM)
    assert feature[2, 2] == 0 and S.SLIDE_000_4_FEATURE_ROW3_ERRATUM[2] == 1
    np.testing.assert_array_equal(result.pooled.values[0], S.SLIDE_000_4_POOLED)
    np.testing.assert_array_equal(result.pooled.values[0].ravel(), S.SLIDE_000_4_FLATTENED)
    # the frames that draw the eyes one column further in do not give the slide's map
    alt = S.SLIDE_000_4_IMAGE.copy()
    alt[1] = S.SLIDE_000_4_IMAGE_ALT_EYES_ROW
    assert not np.array_equal(conv2d(alt, S.SLIDE_000_4_KERNEL).maps[0], S.SLIDE_000_4_FEATURE)


def test_000_5_keras_first_conv_shapes_and_parameters():
    h, w, c = S.SLIDE_000_5_INPUT_SHAPE
    assert output_shape((h, w), (3, 3), ConvSettings()) == S.SLIDE_000_5_FIRST_CONV_OUTPUT[:2]
    assert 3 * 3 * c * 32 + 32 == S.SLIDE_000_5_FIRST_CONV_PARAMS
    assert output_size_formula((h, w), (3, 3), ConvSettings(padding=1)) == "(64 − 3 + 2·1) / 1 + 1 = 64"
    kernels = np.random.default_rng(5).normal(size=(32, 3, 3, c))
    maps = conv2d(np.random.default_rng(6).random((h, w, c)), kernels).maps
    assert maps.transpose(1, 2, 0).shape == S.SLIDE_000_5_FIRST_CONV_OUTPUT


@pytest.mark.parametrize(
    ("name", "grid"),
    [
        ("backslash", S.SLIDE_000_6_BACKSLASH),
        ("slash", S.SLIDE_000_6_SLASH),
        ("poor_backslash", S.SLIDE_000_6_POOR_BACKSLASH),
        ("incomplete_slash", S.SLIDE_000_6_INCOMPLETE_SLASH),
    ],
)
def test_000_6_slash_classifier_scores(name, grid):
    score = conv2d(grid, S.SLIDE_000_6_WEIGHTS).maps
    assert score.shape == (1, 1, 1)
    assert score[0, 0, 0] == S.SLIDE_000_6_SCORES[name]


# --- 001 -----------------------------------------------------------------------------------------

def test_001_1_top_sobel_295():
    assert conv2d(S.SLIDE_001_1_PATCH, S.SLIDE_001_1_KERNEL).maps[0, 0, 0] == S.SLIDE_001_1_VALUE
    text = conv_step(S.SLIDE_001_1_PATCH, S.SLIDE_001_1_KERNEL, ConvSettings(), 0, 0).arithmetic()
    assert text == "180×1 + 187×2 + 186×1 + 125×0 + 108×0 + 121×0 + 126×(−1) + 98×(−2) + 123×(−1) = 295"


def test_001_2_sharpen_226():
    assert conv2d(S.SLIDE_001_2_PATCH, S.SLIDE_001_2_KERNEL).maps[0, 0, 0] == S.SLIDE_001_2_VALUE
    step = conv_step(S.SLIDE_001_2_PATCH, S.SLIDE_001_2_KERNEL, ConvSettings(), 0, 0)
    assert step.arithmetic(max_terms=4) == "190×0 + 185×(−1) + … + 143×(−1) + 155×0 = 226"


def test_001_3_line_filters_find_their_lines():
    # a bright horizontal band (rows 3-4) and a bright vertical band (cols 3-4) on dark
    horizontal = np.zeros((8, 8))
    horizontal[3:5] = 1
    vertical = horizontal.T.copy()
    f1, f2, f3, f4 = (conv2d(img, k).maps[0] for img, k in [
        (horizontal, S.SLIDE_001_3_LINE_1), (vertical, S.SLIDE_001_3_LINE_2),
        (horizontal, S.SLIDE_001_3_LINE_3), (vertical, S.SLIDE_001_3_LINE_4),
    ])
    assert f1.max() == 3 and np.argwhere(f1 == 3)[:, 0].tolist() == [2] * 6      # dark above, bright below
    assert f2.max() == 3 and set(np.argwhere(f2 == 3)[:, 1].tolist()) == {2}     # dark left, bright right
    assert f3.max() == 3 and set(np.argwhere(f3 == 3)[:, 0].tolist()) == {3}     # bright above, dark below
    assert f4.max() == 3 and set(np.argwhere(f4 == 3)[:, 1].tolist()) == {3}     # bright left, dark right


def test_001_4_valid_and_same():
    k = S.SLIDE_000_1_KERNEL
    assert conv2d(S.SLIDE_001_4_IMAGE, k).maps.shape[1:] == S.SLIDE_001_4_VALID_SHAPE
    same = conv2d(S.SLIDE_001_4_IMAGE, k, ConvSettings(padding="same"))
    assert same.maps.shape[1:] == S.SLIDE_001_4_SAME_SHAPE and same.pads == (1, 1, 1, 1)
    np.testing.assert_array_equal(same.maps, conv2d(S.SLIDE_001_4_IMAGE, k, ConvSettings(padding=1)).maps)
    # a typed decimal grid stays exact: top-left valid cell by hand
    assert conv2d(S.SLIDE_001_4_IMAGE, k).maps[0, 0, 0] == 0.3 + 0.9 + 1.0 + 0.9 + 0.5


def test_001_5_stride_2_map_and_errata():
    st = ConvSettings(stride=S.SLIDE_001_5_STRIDE)
    maps = conv2d(S.SLIDE_001_5_IMAGE, S.SLIDE_001_5_KERNEL, st).maps[0]
    np.testing.assert_array_equal(maps, S.SLIDE_001_5_FEATURE)
    for (i, j), printed in S.SLIDE_001_5_ERRATA.items():
        assert maps[i, j] != printed
    assert maps[0, 2] == 88 and maps[1, 2] == 117
    assert output_size_formula((7, 7), (3, 3), st) == "(7 − 3) / 2 + 1 = 3"


def test_001_6_floor_formula():
    st = ConvSettings(stride=2)
    assert output_shape((8, 8), (3, 3), st) == (3, 3)
    assert output_size_formula((8, 8), (3, 3), st) == "⌊(8 − 3) / 2⌋ + 1 = 3"


def test_001_7_rgb_filter_spans_channels_and_stacks():
    rng = np.random.default_rng(7)
    image = rng.integers(0, 10, S.SLIDE_001_7_INPUT_SHAPE).astype(np.float64)
    k1, k2 = (rng.integers(-1, 2, S.SLIDE_001_7_KERNEL_SHAPE).astype(np.float64) for _ in range(2))
    one = conv2d(image, k1)
    assert one.maps.shape == (1, *S.SLIDE_001_7_OUTPUT_SHAPE) and k1.size == 27
    two = conv2d(image, [k1, k2])
    assert two.maps.transpose(1, 2, 0).shape == S.SLIDE_001_7_TWO_FILTER_OUTPUT_SHAPE
    # 002-2: h[i, j] = Σ_r Σ_s Σ_k w[r, s, k]·x[i + r, j + s, k]
    for n, k in enumerate((k1, k2)):
        for i, j in itertools.product(range(4), range(4)):
            assert two.maps[n, i, j] == (image[i : i + 3, j : j + 3] * k).sum()
    # 004-8: each channel convolved with its own slice, the three results summed
    np.testing.assert_array_equal(one.partial_maps(0).sum(axis=0), one.maps[0])


# --- 002, 003 ------------------------------------------------------------------------------------

def test_002_1_sizes():
    assert output_shape((9, 9), (3, 3), ConvSettings(stride=3)) == (3, 3)
    assert output_shape((227, 227), (11, 11), ConvSettings(stride=4, padding="same")) == (57, 57)
    # TF rule: total = (57 − 1)·4 + 11 − 227 = 8, split 4 top, 4 bottom
    assert resolve_padding((227, 227), (11, 11), ConvSettings(stride=4, padding="same")) == (4, 4, 4, 4)


def test_003_3_activation_ranges():
    x = np.linspace(-30, 30, 61)
    assert activate(x, "sigmoid").min() >= 0 and activate(x, "sigmoid").max() <= 1
    assert activate(x, "tanh").min() >= -1 and activate(x, "tanh").max() <= 1
    assert activate(x, "relu").min() == 0 and activate(x, "relu").max() == 30


def test_003_5_pool():
    pooled = pool2d(S.SLIDE_003_5_MAP, PoolSettings())
    np.testing.assert_array_equal(pooled.values, S.SLIDE_003_5_POOLED)
    assert pooled.argmax[0, 1].tolist() == [0, 3]  # first 0.9 in row-major order wins the tie


# --- 004 -----------------------------------------------------------------------------------------

def test_004_x_image_three_features_normalize_relu_ceil_pool():
    result = run_pipeline(S.SLIDE_004_X_IMAGE, list(S.SLIDE_004_FEATURES), ConvSettings(normalize=True),
                          "relu", CEIL_POOL)
    assert result.feature.shape == (3, 7, 7)
    diagonal_row = result.feature[0, 0]
    np.testing.assert_array_equal(diagonal_row, S.SLIDE_004_DIAGONAL_FIRST_ROW)
    assert diagonal_row[0] == 7 / 9 and diagonal_row[1] == -1 / 9
    np.testing.assert_allclose(diagonal_row, S.SLIDE_004_DIAGONAL_FIRST_ROW_PRINTED, atol=0.01)
    assert result.feature[1, 3, 3] == S.SLIDE_004_X_MAP_CENTRE
    assert result.activated.min() == 0 and (result.activated == np.maximum(result.feature, 0)).all()
    assert result.pooled.values.shape == (3, 4, 4)
    for got, slide in zip(result.pooled.values, S.SLIDE_004_POOLED):
        np.testing.assert_allclose(got, slide, atol=S.SLIDE_004_POOLED_TOLERANCE)
    step = conv_step(S.SLIDE_004_X_IMAGE, S.SLIDE_004_DIAGONAL, ConvSettings(normalize=True), 0, 0)
    assert step.arithmetic().endswith(") / 9 = 0.7778") and step.value == 7 / 9


def test_004_7_one_dimensional_convolution():
    signal = S.SLIDE_004_7_SIGNAL  # 1 x 6
    for stride, expected in ((1, [0, -1, 0, 1, -1, 1, 0]), (2, [0, 0, -1, 0])):
        st = ConvSettings(stride=(1, stride), padding=(0, 1))
        maps = conv2d(signal, S.SLIDE_004_7_KERNEL, st).maps
        assert maps[0, 0].tolist() == expected
        assert output_shape(signal.shape, S.SLIDE_004_7_KERNEL.shape, st) == (1, len(expected))
    two = conv2d(signal, [S.SLIDE_004_7_KERNEL, S.SLIDE_004_7_SECOND_KERNEL], ConvSettings(padding=(0, 1)))
    np.testing.assert_array_equal(two.maps[1], -two.maps[0])
    scores = {pair: conv2d(np.array([pair], float), S.SLIDE_004_7_KERNEL).maps[0, 0, 0]
              for pair in itertools.product((0, 1), repeat=2)}
    assert max(scores, key=scores.get) == tuple(S.SLIDE_004_7_BEST_INPUT[0].astype(int))
    assert math.isclose(scores[(1, 0)], 1.0)


def test_pool_shapes_of_the_slides():
    assert pool_output_shape((5, 5), CEIL_POOL) == (3, 3)
    assert pool_output_shape((7, 7), CEIL_POOL) == (4, 4)
    assert pool_output_shape((7, 7), PoolSettings()) == (3, 3)
