"""The shipped lessons teach every worked number of decks 000 and 001 (../shared/SEED-EXAMPLES.md),
computed by core and written into the step that teaches it; the slides' errata are shown both ways."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.lessons.library import find_lesson
from cnn_explorer.core.lessons.resolve import load_lesson
from cnn_explorer.core.lessons.text import grid_text, size_formula, to_plain


@pytest.fixture(scope="module")
def lessons():
    return {name: load_lesson(find_lesson(name)) for name in ("000", "001")}


def step(lesson, title_start: str):
    found = [s for s in lesson.steps if s.title.startswith(title_start)]
    assert len(found) == 1, (title_start, [s.title for s in lesson.steps])
    return found[0]


def text(s) -> str:
    return to_plain(s.text)


def test_000_convolution_and_pooling_of_the_6x6_image(lessons):
    lesson = lessons["000"]
    first = step(lesson, "A filter slides")
    np.testing.assert_array_equal(first.result.feature[0], seeds.SLIDE_000_1_FEATURE)
    assert seeds.SLIDE_000_1_FIRST_CELL in text(first)
    assert first.state.highlight.value == 429
    assert grid_text(seeds.SLIDE_000_1_FEATURE) in text(step(lesson, "The whole feature map"))
    pooling = step(lesson, "Max-pooling keeps")
    np.testing.assert_array_equal(pooling.result.pooled.values[0], seeds.SLIDE_000_1_POOLED)
    assert "792 856 / 913 851" in text(pooling) and pooling.state.stage == "pool"


def test_000_output_size_formula_without_and_with_padding(lessons):
    lesson = lessons["000"]
    without, padded = step(lesson, "How big is the output"), step(lesson, "Padding keeps the size")
    assert size_formula(7, 3, 0, 1) in text(without) and without.result.feature.shape[1:] == (5, 5)
    assert size_formula(seeds.SLIDE_000_2_INPUT_SIZE, seeds.SLIDE_000_2_FILTER_SIZE, seeds.SLIDE_000_2_PADDING,
                        seeds.SLIDE_000_2_STRIDE).endswith(f"= {seeds.SLIDE_000_2_OUTPUT_SIZE}")
    assert "⌊(7 + 2·1 − 3)/1⌋ + 1 = 7" in text(padded) and padded.result.feature.shape[1:] == (7, 7)


def test_000_ten_5x5_filters_have_760_parameters(lessons):
    s = step(lessons["000"], "Counting parameters")
    assert s.state.model.params == seeds.SLIDE_000_3_PARAMS_TOTAL
    assert s.state.model.rows[0].output_shape == seeds.SLIDE_000_3_OUTPUT_SHAPE
    assert "5·5·3 + 1 = 76" in text(s) and "760 parameters" in text(s) and "32x32x10" in text(s)


def test_000_happy_face_with_the_slides_row_3_erratum(lessons):
    lesson = lessons["000"]
    face = step(lesson, "A happy face")
    np.testing.assert_array_equal(face.result.feature[0], seeds.SLIDE_000_4_FEATURE)
    assert grid_text(seeds.SLIDE_000_4_FEATURE) in text(face)
    erratum = step(lesson, "The slide's mistake")
    e = erratum.state.erratum
    assert (e.target.i, e.target.j) == (2, 2)
    assert e.slide == seeds.SLIDE_000_4_FEATURE_ROW3_ERRATUM[2] == 1 and e.right == 0
    assert "1 0 1 2 1" in text(erratum) and "1 0 0 2 1" in text(erratum) and "is 0, not 1" in text(erratum)
    choice = step(lesson, "Find it yourself").state.question
    assert choice.choices == (0, 1, 2) and choice.answer == 0 and choice.check("0") and not choice.check("1")
    pooled = step(lesson, "Pooling keeps the edge")
    np.testing.assert_array_equal(pooled.result.pooled.values[0], seeds.SLIDE_000_4_POOLED)
    assert pooled.state.pool.ceil_mode
    assert "1 1 0 / 4 2 1 / 0 2 1" in text(pooled) and "1 1 0 4 2 1 0 2 1" in text(pooled)


def test_000_the_keras_model_896_parameters_and_the_padding_1_reading(lessons):
    lesson = lessons["000"]
    keras = step(lesson, "The slides' Keras model")
    first = keras.state.model.rows[0]
    assert first.params == seeds.SLIDE_000_5_FIRST_CONV_PARAMS and first.output_shape == seeds.SLIDE_000_5_FIRST_CONV_OUTPUT
    assert keras.state.model.spec.input_shape == seeds.SLIDE_000_5_INPUT_SHAPE
    assert "3·3·3·32 + 32 = 896" in text(keras) and "62x62x32" in text(keras)
    why = step(lesson, "Why the slide says 64")
    assert "(64 − 3 + 2·1)/1 + 1 = 64" in text(why) and size_formula(64, 3, 1, 1) in text(why)
    assert size_formula(64, 3, 0, 1) in text(why) and "896 parameters" in text(why)
    assert why.state.model.rows[0].output_shape == (64, 64, 32)


def test_000_backslash_and_slash_scores(lessons):
    lesson = lessons["000"]
    titles = {"backslash": "A 2×2 classifier", "slash": "A clear \"/\"",
              "poor_backslash": "A poorly drawn", "incomplete_slash": "An incomplete"}
    for key, title in titles.items():
        s = step(lesson, title)
        score = seeds.SLIDE_000_6_SCORES[key]
        assert s.result.feature[0, 0, 0] == score
        assert f"{score:g}".replace("-", "−") in text(s)
    assert "= −2" in text(step(lesson, "An incomplete"))


def test_000_steps_follow_the_decks_order(lessons):
    titles = [s.title for s in lessons["000"].steps]
    order = ["A filter slides", "How big", "Counting parameters", "A happy face", "The slides' Keras", "A 2×2"]
    at = [next(i for i, t in enumerate(titles) if t.startswith(o)) for o in order]
    assert at == sorted(at)


def test_001_sobel_295_and_sharpen_226(lessons):
    lesson = lessons["001"]
    sobel, sharpen = step(lesson, "Top Sobel"), step(lesson, "Sharpen")
    assert sobel.result.feature[0, 0, 0] == seeds.SLIDE_001_1_VALUE and text(sobel).endswith("= 295.")
    np.testing.assert_array_equal(sobel.state.kernels[0], seeds.SLIDE_001_1_KERNEL)
    assert sharpen.result.feature[0, 0, 0] == seeds.SLIDE_001_2_VALUE and text(sharpen).endswith("= 226.")
    np.testing.assert_array_equal(sharpen.state.kernels[0], seeds.SLIDE_001_2_KERNEL)


def test_001_the_four_line_filters_on_a_picture(lessons):
    s = step(lessons["001"], "Line detectors 2, 3 and 4")
    wanted = (seeds.SLIDE_001_3_LINE_1, seeds.SLIDE_001_3_LINE_2, seeds.SLIDE_001_3_LINE_3, seeds.SLIDE_001_3_LINE_4)
    for got, want in zip(s.state.kernels, wanted, strict=True):
        np.testing.assert_array_equal(got, want)
    assert s.state.image.shape == (64, 64) and s.result.feature.shape[0] == 4 and "64×64×4" in text(s)


def test_001_valid_and_same_padding_on_the_4x4_image(lessons):
    lesson = lessons["001"]
    valid, same = step(lesson, "No padding"), step(lesson, "\"Same\" padding")
    np.testing.assert_array_equal(valid.state.image, seeds.SLIDE_001_4_IMAGE)
    assert valid.result.feature.shape[1:] == seeds.SLIDE_001_4_VALID_SHAPE and "a 2×2 map" in text(valid)
    assert same.result.feature.shape[1:] == seeds.SLIDE_001_4_SAME_SHAPE and "stays 4×4" in text(same)
    q = step(lesson, "Your turn: a padded cell").state.question
    assert q.tolerance == 0.005 and q.check(f"{q.answer:.2f}")


def test_001_stride_2_with_the_slides_two_errata(lessons):
    lesson = lessons["001"]
    stride = step(lesson, "Stride 2")
    np.testing.assert_array_equal(stride.result.feature[0], seeds.SLIDE_001_5_FEATURE)
    assert grid_text(seeds.SLIDE_001_5_FEATURE) in text(stride) and size_formula(7, 3, 0, 2) in text(stride)
    errata = [s.state.erratum for s in lesson.steps if s.state.erratum is not None]
    assert {(e.target.i, e.target.j): e.slide for e in errata} == seeds.SLIDE_001_5_ERRATA
    for e in errata:
        assert e.right == seeds.SLIDE_001_5_FEATURE[e.target.i, e.target.j]
    first, second = step(lesson, "The slide's first mistake"), step(lesson, "The slide's second mistake")
    assert "prints 83" in text(first) and "computes 88" in text(first)
    assert "prints 127" in text(second) and "computes 117" in text(second)


def test_001_formula_rgb_and_pooling(lessons):
    lesson = lessons["001"]
    assert "⌊(n + 2p − f)/s + 1⌋" in text(step(lesson, "The output-size formula"))
    rgb = step(lesson, "Colour: one filter")
    assert rgb.state.image.shape == seeds.SLIDE_001_7_INPUT_SHAPE
    assert rgb.state.kernels[0].shape == seeds.SLIDE_001_7_KERNEL_SHAPE and "3×3×3 = 27 numbers" in text(rgb)
    assert rgb.result.feature.shape[1:] == seeds.SLIDE_001_7_OUTPUT_SHAPE
    two = step(lesson, "Two filters")
    maps = two.result.feature
    assert (maps.shape[1], maps.shape[2], maps.shape[0]) == seeds.SLIDE_001_7_TWO_FILTER_OUTPUT_SHAPE
    assert "4×4×2" in text(two)
    pool = step(lesson, "Max-pooling the 5×5 map")
    np.testing.assert_array_equal(pool.result.pooled.values[0], seeds.SLIDE_000_4_POOLED)
    assert "1 1 0 / 4 2 1 / 0 2 1" in text(pool)


# ------------------------------------------------------------------ deck 004: the X/O story
@pytest.fixture(scope="module")
def lesson004():
    return load_lesson(find_lesson("004"))


def test_004_why_convolution_counts_the_slides_196608000_weights(lesson004):
    s = step(lesson004, "Why convolution")
    assert s.state.page == "demos" and s.state.demo.name == "why-convolution"
    assert "3·256·256·1000 = 196,608,000 weights" in text(s) and "needs 27,000" in text(s)


def test_004_the_9x9_x_of_plus_minus_1_and_its_three_features(lesson004):
    x = step(lesson004, "A computer sees numbers")
    np.testing.assert_array_equal(x.state.image, seeds.SLIDE_004_X_IMAGE)
    assert set(np.unique(x.state.image)) == {-1.0, 1.0} and "9×9 grid" in text(x)
    features = step(lesson004, "Three features:")
    for got, want in zip(features.state.kernels, seeds.SLIDE_004_FEATURES, strict=True):
        np.testing.assert_array_equal(got, want)
    for rows in ("1 −1 −1 / −1 1 −1 / −1 −1 1", "1 −1 1 / −1 1 −1 / 1 −1 1", "−1 −1 1 / −1 1 −1 / 1 −1 −1"):
        assert rows in text(features)


def test_004_filtering_multiplies_adds_and_divides_by_9(lesson004):
    match = step(lesson004, "Filtering")
    assert match.state.conv.normalize and match.result.feature[0, 1, 1] == 1.0
    assert text(match).endswith("/ 9 = 1, a perfect match.") and match.state.highlight.value == 1.0
    centre = step(lesson004, "Where two pixels disagree")
    assert centre.result.feature[0, 3, 3] == 5 / 9
    assert "/ 9 = 0.5556" in text(centre) and "prints .55" in text(centre) and "rounds to 0.56" in text(centre)


def test_004_the_diagonal_map_matches_the_slides_truncated_row_to_0_01(lesson004):
    whole = step(lesson004, "The whole map")
    diagonal = whole.result.feature[0]
    assert diagonal.shape == (7, 7) and "a 7×7 map" in text(whole)
    np.testing.assert_allclose(diagonal[0], seeds.SLIDE_004_DIAGONAL_FIRST_ROW, rtol=0, atol=1e-15)
    np.testing.assert_allclose(diagonal[0], seeds.SLIDE_004_DIAGONAL_FIRST_ROW_PRINTED, rtol=0, atol=0.01)
    assert grid_text(diagonal) in text(whole) and "0.77 −0.11 0.11 0.33 0.55 −0.11 0.33" in text(whole)
    assert "0.777… is 0.77 there, 0.78 here" in text(whole)
    q = step(lesson004, "Your turn: one cell").state.question
    assert q.answer == -1 / 9 and q.check("-0.11") and not q.check("0.11")


def test_004_three_maps_and_the_x_maps_centre_is_1(lesson004):
    three = step(lesson004, "Three features, three maps")
    maps = three.result.feature
    assert maps.shape == (3, 7, 7) and "7×7×3" in text(three)
    assert maps[1, 3, 3] == seeds.SLIDE_004_X_MAP_CENTRE and text(three).count("/ 9 = 1.") == 1
    np.testing.assert_array_equal(maps[2], maps[0][:, ::-1])          # the other diagonal mirrors the first
    q = step(lesson004, "Your turn: the small X").state.question
    assert (q.target.k, q.target.i, q.target.j) == (1, 3, 3) and q.answer == 1.0


def test_004_relu_and_max_pooling_keeping_the_edge_give_the_slides_4x4_maps(lesson004):
    first = step(lesson004, "Pooling: keep the largest")
    assert first.state.stage == "pool" and "max(0.78, −0.11, −0.11, 1) = 1" in text(first)
    edge = step(lesson004, "Pooling keeps the edge")
    assert edge.state.pool.ceil_mode and edge.result.pooled.values.shape == (3, 4, 4)
    assert "max(0.78) = 0.78" in text(edge)
    stack = step(lesson004, "A stack of smaller pictures")
    for k, want in enumerate(seeds.SLIDE_004_POOLED):
        got = stack.result.pooled.values[k]
        np.testing.assert_allclose(got, want, rtol=0, atol=seeds.SLIDE_004_POOLED_TOLERANCE)
        assert grid_text(got) in text(edge if k == 0 else stack)
    relu = step(lesson004, "Normalization: ReLU")
    np.testing.assert_array_equal(relu.result.activated, np.maximum(relu.result.feature, 0))
    assert "0.78 −0.11 0.11 0.33 0.56 −0.11 0.33 becomes 0.78 0 0.11 0.33 0.56 0 0.33" in text(relu)
    for k, want in enumerate(seeds.SLIDE_004_POOLED):           # ReLU first: the same pooled maps
        np.testing.assert_allclose(relu.result.pooled.values[k], want, rtol=0, atol=seeds.SLIDE_004_POOLED_TOLERANCE)


def test_004_stacked_layers_shrink_the_x_to_2x2_maps(lesson004):
    s = step(lesson004, "Layers get stacked")
    outputs = [row.output_shape for row in s.state.model.rows]
    assert outputs == [(7, 7, 3), (4, 4, 3), (4, 4, 3), (2, 2, 3)]
    assert "give 7x7x3, pooled 4x4x3" in text(s) and "pooled 2x2x3" in text(s)


def test_004_the_1d_convolution_steps_stride_2_and_1_padding_1_one_and_two_filters(lesson004):
    best = step(lesson004, "A filter is a neuron's weights")
    params = best.state.demo.as_dict()
    assert best.state.demo.name == "conv-1d" and params["filter"] == tuple(seeds.SLIDE_004_7_KERNEL[0])
    assert "y = 1·x1 − 1·x2 = 1 at (1, 0)" in text(best) and "answers most to (1, 0)" in text(best)
    assert tuple(float(v) for v in best.state.demo.numbers()["best"].strip("()").split(", ")) == \
        tuple(seeds.SLIDE_004_7_BEST_INPUT[0])
    two = step(lesson004, "1-D convolution: a filter of 2, stride 2")
    assert two.state.demo.as_dict()["stride"] == 2 and not two.state.demo.as_dict()["filter2"]
    assert "⌊(6 + 2·0 − 2)/2⌋ + 1 = 3 outputs, −1 1 1" in text(two) and "0×1 + 1×(−1) = −1" in text(two)
    one = step(lesson004, "Stride 1")
    assert "⌊(6 + 2·0 − 2)/1⌋ + 1 = 5 outputs, −1 0 1 −1 1" in text(one)
    padded = step(lesson004, "Two filters and padding 1")
    p = padded.state.demo.as_dict()
    assert p["padding"] == 1 and p["filter2"] == tuple(seeds.SLIDE_004_7_SECOND_KERNEL[0])
    assert "0 0 1 1 0 1 0 0" in text(padded) and "gives 0 0 −1 0, and (−1, 1) gives 0 0 1 0" in text(padded)


def test_004_multi_channel_sums_each_channels_convolution_into_one_output(lesson004):
    s = step(lesson004, "Many channels, one output")
    assert s.state.image.shape == (4, 4, 3) and s.state.kernels[0].shape == (2, 2, 3)
    parts = s.result.conv.partial_maps(0)
    assert parts.shape == (3, 3, 3) and len({float(v) for v in parts[:, 0, 2]}) == 3     # the channels differ
    assert s.result.feature[0, 0, 2] == parts[:, 0, 2].sum() == -2
    assert "R[" in text(s) and "+ G[" in text(s) and "+ B[" in text(s) and "= −2." in text(s)
    q = step(lesson004, "Your turn: add the three").state.question
    assert q.answer == parts[:, 1, 1].sum() == 4


def test_004_steps_follow_the_deck_with_the_demos_in_place(lesson004):
    titles = [s.title for s in lesson004.steps]
    order = ["Why convolution", "A computer sees", "Three features:", "Filtering", "The whole map",
             "Three features, three maps", "A filter is a neuron's", "1-D convolution", "Two filters",
             "Pooling: keep", "A stack of smaller", "Pooling gives some invariance", "Normalization",
             "Layers get stacked", "The fully connected layer votes", "Many channels", "Your turn: add the three",
             "Rule of thumb: swapping columns"]
    at = [next(i for i, t in enumerate(titles) if t.startswith(o)) for o in order]
    assert at == sorted(at)
    demos = {s.title: s.state.demo.name for s in lesson004.steps if s.state.demo is not None}
    assert demos["Pooling gives some invariance"] == "pooling-invariance"
    assert demos["Rule of thumb: swapping columns"] == "column-swap"
    assert demos["The fully connected layer votes"] == "xo-vote"


def test_004_pooling_invariance_numbers_are_core_s(lesson004):
    from cnn_explorer.core.lessons.demos import parse_demo

    s = step(lesson004, "Pooling gives some invariance")
    numbers = parse_demo("pooling-invariance transform=shift-right feature=diagonal amount=1").numbers()
    assert numbers["conv.cells"] == "46 of 49" and numbers["pool.cells"] == "9 of 16"
    assert f"({numbers['conv.cells']}," in text(s) and f"({numbers['pool.cells']}," in text(s)
