"""Worksheet content (core, no Qt): answers equal the core's maps, limits, random sheets, step text and LaTeX."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import (
    ConvSettings,
    PoolSettings,
    conv2d,
    conv_step,
    pool_step,
)
from cnn_explorer.core.conv.step_text import step_latex, step_text
from cnn_explorer.core.conv.worksheet import (
    MAX_GRID_SIDE,
    MAX_KEY_CELLS,
    build_worksheet,
    chosen_cells,
    number,
    random_inputs,
)
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels.samples import get_sample


@pytest.fixture(scope="module")
def corners():
    s = get_sample("000-1")
    return build_worksheet(s.image, s.kernel_arrays()[0], s.conv, s.activation, s.pool, source=s.label)


def test_slide_example_answers(corners):
    feature, pooled = corners.stages
    assert feature.answers.texts[0] == ("429", "505", "686", "856")
    assert pooled.answers.texts == (("792", "856"), ("913", "851"))
    assert corners.size_answer.startswith("4×4: (6 − 3) / 1 + 1 = 4")
    assert feature.arithmetic[0] == ((0, 0), "18×1 + 54×0 + 51×1 + 55×0 + 121×1 + 75×0 + 35×1 + 24×0 + 204×1 = 429")
    assert pooled.arithmetic[0] == ((0, 0), "max(429, 505, 261, 792) = 792")
    assert len(feature.arithmetic) == 16 and not feature.chosen
    assert "no padding" in corners.source and "slide 000-1" in corners.source


def test_answers_match_the_core_map_with_padding_stride_and_activation():
    image, kernel = random_inputs(3, 7, 3, kernel_low=-2)
    conv = ConvSettings(stride=2, padding=1)
    sheet = build_worksheet(image, kernel, conv, "relu", PoolSettings("avg", 2, 1))
    maps = conv2d(image, [kernel], conv).maps[0]
    assert [number(v) for v in maps.ravel()] == [t for row in sheet.stages[0].answers.texts for t in row]
    assert [s.name for s in sheet.stages] == ["feature map", "ReLU map", "pooled map"]
    relu = sheet.stages[1].answers.values
    np.testing.assert_array_equal(relu, np.maximum(maps, 0))
    assert sheet.input.shape == (9, 9) and sheet.input.padding.sum() == 81 - 49   # one ring of padding marked
    assert sheet.stages[1].arithmetic[0][1].startswith("ReLU(")


def test_large_maps_list_chosen_cells():
    image = np.arange(144, dtype=float).reshape(12, 12) % 7
    sheet = build_worksheet(image, np.ones((3, 3)))
    stage = sheet.stages[0]
    assert stage.chosen and len(stage.arithmetic) == MAX_KEY_CELLS
    cells = [c for c, _ in stage.arithmetic]
    assert cells[0] == (0, 0) and cells[-1] == (9, 9)
    assert chosen_cells((2, 3)) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]


@pytest.mark.parametrize("image, kernel, conv, words", [
    (np.zeros((13, 13)), np.ones((3, 3)), ConvSettings(), f"at most {MAX_GRID_SIDE}×{MAX_GRID_SIDE}"),
    (np.zeros((12, 12)), np.ones((3, 3)), ConvSettings(padding=1), "input with its padding is 14×14"),
    (np.zeros((4, 4, 3)), np.ones((3, 3)), ConvSettings(), "needs a grey grid"),
    (np.zeros((4, 4)), np.ones((5, 5)), ConvSettings(), "larger than the padded input"),
    (np.zeros((4, 4)), np.ones((2, 2, 2)), ConvSettings(), "one 2-D kernel"),
])
def test_bad_sheets_say_why(image, kernel, conv, words):
    with pytest.raises(CnnExplorerError, match=words.replace("(", r"\(")):
        build_worksheet(image, kernel, conv)


def test_random_inputs_same_seed_same_sheet():
    a, b = random_inputs(7, 6, 3), random_inputs(7, 6, 3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = random_inputs(8, 6, 3)
    assert not np.array_equal(a[0], c[0])
    assert a[0].shape == (6, 6) and a[1].shape == (3, 3)
    assert (a[0] == np.round(a[0])).all() and 0 <= a[0].min() and a[0].max() <= 9
    assert a[1].any()
    sheet_a = build_worksheet(*a)
    sheet_b = build_worksheet(*b)
    assert sheet_a.answers() == sheet_b.answers()


@pytest.mark.parametrize("kwargs, words", [
    (dict(seed=-1), "--seed"), (dict(seed=1, size=13), "--size"), (dict(seed=1, size=4, kernel_size=5), "--kernel-size"),
])
def test_random_inputs_bad_options(kwargs, words):
    with pytest.raises(CnnExplorerError, match=words):
        random_inputs(**kwargs)


def test_step_text_and_latex():
    s = get_sample("000-1")
    step = conv_step(s.image, s.kernel_arrays()[0], s.conv, 0, 0)
    assert step_text(step) == "18×1 + 54×0 + 51×1 + 55×0 + 121×1 + 75×0 + 35×1 + 24×0 + 204×1 = 429"
    assert step_latex(step) == ("18 \\times 1 + 54 \\times 0 + 51 \\times 1 + 55 \\times 0 + 121 \\times 1 + "
                                "75 \\times 0 + 35 \\times 1 + 24 \\times 0 + 204 \\times 1 = 429")
    neg = conv_step(np.array([[1.0, -2.0]]), np.array([[-1.0, 0.5]]), ConvSettings(normalize=True, bias=-1), 0, 0)
    assert step_latex(neg) == "\\frac{1 \\times (-1) + (-2) \\times 0.5}{2} - 1 = -2"
    pooled = pool_step(np.array([[429.0, 505.0], [261.0, 792.0]]), PoolSettings("max", 2), 0, 0)
    assert step_text(pooled) == "max(429, 505, 261, 792) = 792"
    assert step_latex(pooled) == "\\max(429, 505, 261, 792) = 792"
    avg = pool_step(np.array([[0.1, 0.2], [0.1, 0.3]]), PoolSettings("avg", 2), 0, 0)
    assert step_latex(avg) == "\\frac{0.1 + 0.2 + 0.1 + 0.3}{4} = 0.175"
    rgb = conv_step(np.ones((2, 2, 3)), np.ones((2, 2, 3)), ConvSettings(), 0, 0)
    assert step_latex(rgb).count("\\underbrace") == 3 and "\\text{G}" in step_latex(rgb)
    with pytest.raises(CnnExplorerError):
        step_latex("18×1")
