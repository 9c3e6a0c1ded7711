"""The shipped lessons teach every worked number of decks 002 and 003 (../shared/SEED-EXAMPLES.md),
computed by core and written into the step that teaches it, in the decks' order."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnn_explorer.core.datasets.cifar import CIFAR10_CLASSES
from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.lessons.library import find_lesson
from cnn_explorer.core.lessons.resolve import load_lesson
from cnn_explorer.core.lessons.text import grid_text, size_formula, to_plain

# deck 002's M (the 9x9 input of "input 9x9 / filter 3x3 / feature map 3x3")
LETTER_M = np.array([[int(v) for v in row.split()] for row in (
    "0 0 0 0 0 0 0 0 0", "0 1 0 0 0 0 0 1 0", "0 1 1 0 0 0 1 1 0", "0 1 0 1 0 1 0 1 0", "0 1 0 0 1 0 0 1 0",
    "0 1 0 0 0 0 0 1 0", "0 1 0 0 0 0 0 1 0", "0 1 0 0 0 0 0 1 0", "0 0 0 0 0 0 0 0 0")], dtype=np.float64)
# deck 002's max-pooling slide (second frame): a 7x7 grid, 3x3 windows with stride 2
POOL_002_INPUT = np.array([[int(v) for v in row.split()] for row in (
    "6 3 4 2 5 0 1", "3 0 9 8 7 5 4", "7 0 1 3 5 0 3", "2 4 0 1 2 8 4", "3 0 4 0 3 2 1", "4 2 1 6 5 0 8",
    "0 2 4 4 1 5 6")], dtype=np.float64)
POOL_002_OUTPUT = np.array([[9, 9, 7], [7, 5, 8], [4, 6, 8]], dtype=np.float64)
# deck 002's AlexNet-like Keras model on 227x227x1, layer by layer as Keras' summary would give it
ALEXNET_SHAPES = [(57, 57, 96), (57, 57, 96), (28, 28, 96), (28, 28, 256), (28, 28, 256), (13, 13, 256),
                  (13, 13, 384), (13, 13, 384), (13, 13, 384), (13, 13, 384), (13, 13, 256), (13, 13, 256),
                  (7, 7, 256), (12544,), (4096,), (4096,), (4096,), (4096,), (1000,), (1000,), (10,)]
ALEXNET_CONV_PARAMS = {1: 11 * 11 * 1 * 96 + 96, 4: 5 * 5 * 96 * 256 + 256, 7: 3 * 3 * 256 * 384 + 384,
                       9: 1 * 1 * 384 * 384 + 384, 11: 3 * 3 * 384 * 256 + 256}
ALEXNET_DENSE_PARAMS = {15: 12544 * 4096 + 4096, 17: 4096 * 4096 + 4096, 19: 4096 * 1000 + 1000, 21: 1000 * 10 + 10}


@pytest.fixture(scope="module")
def lessons():
    return {name: load_lesson(find_lesson(name)) for name in ("002", "003")}


def step(lesson, title_start: str):
    found = [s for s in lesson.steps if s.title.startswith(title_start)]
    assert len(found) == 1, (title_start, [s.title for s in lesson.steps])
    return found[0]


def text(s) -> str:
    return to_plain(s.text)


def slide_formula(h: np.ndarray, w: np.ndarray, i: int, j: int) -> float:
    """h[i,j,p] = Σr Σs Σk w[r,s,k]·h[i+r−1, j+s−1, k], written exactly as the slide does (indices from 1)."""
    f, depth = w.shape[0], w.shape[2]
    return sum(w[r - 1, s - 1, k - 1] * h[i + r - 1 - 1, j + s - 1 - 1, k - 1]
               for r in range(1, f + 1) for s in range(1, f + 1) for k in range(1, depth + 1))


# ---------------------------------------------------------------------------------------------- deck 002

def test_002_the_letter_m_and_three_stroke_filters(lessons):
    s = step(lessons["002"], "Filters to detect the letter M")
    np.testing.assert_array_equal(s.state.image, LETTER_M)
    assert s.result.feature.shape == (3, 7, 7) and "7×7×3" in text(s)
    assert s.result.feature[1].max() == 3 and "strongest answer is 3" in text(s)


def test_002_a_9x9_input_and_3x3_filter_give_a_3x3_map_with_stride_3(lessons):
    s = step(lessons["002"], "A 9×9 input")
    np.testing.assert_array_equal(s.state.image, LETTER_M)
    assert s.state.kernels[0].shape == (3, 3) and s.state.conv.stride == (3, 3)
    assert s.result.feature.shape[1:] == (3, 3)
    assert size_formula(9, 3, 0, 3) in text(s) and size_formula(9, 3, 0, 3).endswith("= 3")
    assert grid_text(s.result.feature[0]) in text(s) and "= 2." in text(s)     # the top-left window, worked out
    windows = [LETTER_M[r:r + 3, c:c + 3] for r in (0, 3, 6) for c in (0, 3, 6)]
    np.testing.assert_array_equal(s.result.feature[0].ravel(), [np.sum(w * s.state.kernels[0]) for w in windows])


def test_002_the_conv_layer_formula_on_one_rgb_cell(lessons):
    lesson = lessons["002"]
    first, second = step(lesson, "The conv layer's formula"), step(lesson, "The formula at another cell")
    h, w = first.state.image, first.state.kernels[0]
    assert h.shape == (4, 4, 3) and w.shape == (3, 3, 3)          # a multi-channel example: k runs over R, G, B
    for s, (i, j) in ((first, (1, 2)), (second, (2, 1))):      # the text names i and j from 1, p = 1
        value = slide_formula(h, w, i, j)
        assert s.result.feature[0, i - 1, j - 1] == value
        plain = text(s)
        assert f"h[{i},{j},1] = Σr Σs Σk w[r,s,k]·h[" in plain
        sums = re.search(r"h\[\d,\d,1\] = Σr.*?= \(k=1: (.*?) = (\S+)\) \+ \(k=2: (.*?) = (\S+)\) \+ \(k=3: (.*?) = (\S+)\) "
                         r"= (\S+)", plain)
        assert sums, plain
        for k in range(3):         # every term of the sum, in the formula's order r, s, with its weight first
            terms = sums.group(1 + 2 * k).split(" + ")
            window = h[i - 1:i + 2, j - 1:j + 2, k]
            want = [f"{_factor(a)}·{_factor(b)}" for a, b in zip(w[:, :, k].ravel(), window.ravel())]
            assert terms == want
            assert float(sums.group(2 + 2 * k).replace("−", "-")) == np.sum(w[:, :, k] * window)
        assert float(sums.group(7).replace("−", "-")) == value
    assert "i = 1, j = 2" in text(first) and "(p = 1)" in text(first) and "i = 2, j = 1" in text(second)
    assert grid_text(first.result.feature[0]) in text(second)
    question = step(lesson, "Your turn: the last cell").state.question
    assert question.answer == slide_formula(h, w, 2, 2) and question.check(f"{question.answer:g}")


def _factor(v: float) -> str:
    text = f"{v:g}".replace("-", "−")
    return f"({text})" if v < 0 else text


def test_002_strides(lessons):
    s = step(lessons["002"], "Strides")
    assert s.state.image.shape == (8, 8) and s.state.conv.stride == (2, 2)
    assert size_formula(8, 3, 0, 1) in text(s) and size_formula(8, 3, 0, 2) in text(s)
    assert s.result.feature.shape[1:] == (3, 3) and grid_text(s.result.feature[0]) in text(s)
    assert step(lessons["002"], "Your turn: a strided cell").state.question.target.i == 2


def test_002_valid_and_same_padding(lessons):
    lesson = lessons["002"]
    valid, same = step(lesson, "\"Valid\""), step(lesson, "\"Same\"")
    assert valid.state.kernels[0].shape == (5, 5) and valid.result.feature.shape[1:] == (4, 4)
    assert size_formula(8, 5, 0, 1) in text(valid) and grid_text(valid.result.feature[0]) in text(valid)
    assert same.result.feature.shape[1:] == (8, 8) and size_formula(8, 5, 2, 1) in text(same)
    assert "stays 8×8" in text(same)
    assert same.result.feature[0, 0, 0] == POOL_002_INPUT[:3, :3].sum() == 33 and "add up to 33" in text(same)


def test_002_max_pooling_gives_the_slides_map(lessons):
    lesson = lessons["002"]
    s = step(lesson, "Max-pooling: the largest")
    np.testing.assert_array_equal(s.state.image, POOL_002_INPUT)
    np.testing.assert_array_equal(s.result.pooled.values[0], POOL_002_OUTPUT)
    assert "9 9 7 / 7 5 8 / 4 6 8" in text(s) and "max(6, 3, 4, 3, 0, 9, 7, 0, 1) = 9" in text(s)
    assert s.state.pool.size == (3, 3) and s.state.stage == "pool"
    q = step(lesson, "Your turn: the centre").state.question
    assert q.target.stage == "pool" and q.answer == 5 and q.check("5") and not q.check("7")
    assert "= 8" in text(step(lesson, "The bottom-right window"))


def test_002_the_alexnet_like_keras_model(lessons):
    lesson = lessons["002"]
    s = step(lesson, "An AlexNet-like model")
    model = s.state.model
    assert model.spec.input_shape == (227, 227, 1)
    assert [r.output_shape for r in model.rows] == ALEXNET_SHAPES
    assert [r.layer_type for r in model.rows].count("BatchNorm") == 5
    for index, params in {**ALEXNET_CONV_PARAMS, **ALEXNET_DENSE_PARAMS}.items():
        assert model.rows[index - 1].params == params
    total = sum(ALEXNET_CONV_PARAMS.values()) + sum(ALEXNET_DENSE_PARAMS.values()) + 2 * (96 + 256 + 384 + 384 + 256)
    assert model.params == total == 74_819_714
    assert "57x57x96" in text(s) and "7x7x256" in text(s) and "12,544" in text(s) and "74,819,714" in text(s)
    assert "⌈227/4⌉" in text(s)
    where = step(lesson, "Where the parameters are")
    for params in (*ALEXNET_CONV_PARAMS.values(), ALEXNET_DENSE_PARAMS[15]):
        assert f"{params:,}" in text(where)
    assert "192 for 96 channels" in text(where)


def test_002_steps_follow_the_decks_order(lessons):
    titles = [s.title for s in lessons["002"].steps]
    order = ["Filters to detect", "Why convolution", "The conv layer's formula", "A 9×9 input", "Strides",
             "\"Valid\"", "\"Same\"", "Max-pooling", "An AlexNet-like"]
    at = [next(i for i, t in enumerate(titles) if t.startswith(o)) for o in order]
    assert at == sorted(at)
    why = step(lessons["002"], "Why convolution").state
    assert why.page == "demos" and why.demo.name == "why-convolution"


# ---------------------------------------------------------------------------------------------- deck 003

def test_003_the_3_4_5_3_2_network_has_53_weights_and_14_biases(lessons):
    s = step(lessons["003"], "Weights and biases")
    rows = s.state.model.rows
    assert [r.weights for r in rows] == [12, 20, 15, 6] and [r.biases for r in rows] == [4, 5, 3, 2]
    assert sum(r.weights for r in rows) == 53 and sum(r.biases for r in rows) == 14
    assert "53 weights and 14 biases" in text(s) and "3·4 = 12" in text(s) and "4·5 = 20" in text(s)
    assert s.state.model.text.splitlines()[2].split()[-1] == "3"      # the input row: 3 features
    assert s.state.page == "train"


def test_003_split_batches_epochs_and_iterations(lessons):
    lesson = lessons["003"]
    assert "800 : 100 : 100" in text(step(lesson, "Splitting the data 80:10:10"))
    s = text(step(lesson, "Batches, epochs"))
    assert "⌈1000/128⌉ = 8 batches per epoch" in s and "8·50 = 400 iterations" in s


def test_003_max_pooling_the_4x4_map(lessons):
    lesson = lessons["003"]
    s = step(lesson, "Max-pooling a 4×4 map")
    np.testing.assert_array_equal(s.result.feature[0], seeds.SLIDE_003_5_MAP)
    np.testing.assert_allclose(s.result.pooled.values[0], seeds.SLIDE_003_5_POOLED, rtol=0, atol=1e-12)
    assert grid_text(seeds.SLIDE_003_5_POOLED) in text(s) and "max(0.10, 0.20, 0.10, 0.30) = 0.30" in text(s)
    q = step(lesson, "Your turn: the bottom-right").state.question
    assert q.answer == pytest.approx(0.4) and q.check("0.4")


def test_003_a_picture_is_r_g_and_b_and_256x256x3_inputs(lessons):
    lesson = lessons["003"]
    rgb = step(lesson, "A picture is three matrices")
    image = rgb.state.image
    assert image.ndim == 3 and image.shape[2] == 3 and rgb.state.image_kind == "photo"
    assert rgb.state.kernels[0].shape == (1, 1, 3) and rgb.state.view == "maps"
    np.testing.assert_array_equal(rgb.result.feature[0], image.sum(axis=2))     # the sum of R, G and B
    r, g, b = (f"{int(v)}" for v in image[0, 0])
    h, w, _ = image.shape
    assert f"{r} | {g} | {b} (R | G | B)" in text(rgb) and f"{h}×{w}×3 photo" in text(rgb)
    inputs = step(lesson, "How many inputs")
    assert inputs.state.model.rows[0].output_shape == (256 * 256 * 3,)
    assert "256·256·3 = 196,608 inputs" in text(inputs) and "196,608,000 weights" in text(inputs)


def test_003_eight_or_not_eight_and_cifar_10(lessons):
    lesson = lessons["003"]
    eights = step(lesson, "\"8\" or not \"8\"")
    assert eights.state.page == "train" and eights.state.dataset.name == "8-vs-not-8"
    assert eights.state.dataset.kind == "lesson"
    cifar = step(lesson, "CIFAR-10")
    plain = text(cifar)
    assert "60,000" in plain and "32×32" in plain and "10 classes" in plain and "3,072 inputs" in plain
    assert all(name in plain for name in CIFAR10_CLASSES) and cifar.state.page == "train"
    why = step(lesson, "Convolution for translation invariance").state
    assert why.demo.name == "why-convolution"


def test_003_steps_follow_the_decks_order_with_the_demos_in_place(lessons):
    titles = [s.title for s in lessons["003"].steps]
    order = ["Trial and error", "Weights and biases", "Activation functions", "Splitting", "Gradient descent",
             "Learning a kernel", "Too big a step", "Batches", "A picture is three", "How many inputs",
             "\"8\" or not", "Convolution for translation", "Max-pooling a 4×4", "CIFAR-10"]
    at = [next(i for i, t in enumerate(titles) if t.startswith(o)) for o in order]
    assert at == sorted(at)
    demos = [s.state.demo.name for s in lessons["003"].steps if s.state.demo is not None]
    assert demos == ["fit-line", "activations", "fit-line", "learn-kernel", "learn-kernel", "why-convolution"]


def test_003_fit_numbers_are_the_slides(lessons):
    trial = text(step(lessons["003"], "Trial and error"))
    assert "a = 1, b = 1 predicts 4 (error 6)" in trial and "a = 2, b = 4 gives 10, error 0" in trial
    assert "give a = 2, b = 1." in trial
    descent = text(step(lessons["003"], "Gradient descent finds"))
    assert "a = 2.0173, b = 0.9427" in descent
    kernel = text(step(lessons["003"], "Learning a kernel"))
    assert "after 67 steps" in kernel and "is 14.2245" in kernel
