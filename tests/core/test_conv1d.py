"""The 1-D convolution (deck 004): the 2-D engine on a one-row grid, against torch.nn.functional.conv1d;
each step's arithmetic; which input a filter answers most; the demo's numbers and its refusals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnn_explorer.core.conv.conv1d import (
    DEFAULT_FILTER,
    DEFAULT_ROW,
    best_input,
    conv1d,
    conv1d_numbers,
    parse_numbers,
)
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.lessons.demos import parse_demo


@st.composite
def cases(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    n, f = draw(st.integers(1, 20)), draw(st.integers(1, 9))
    stride, padding = draw(st.integers(1, 9)), draw(st.integers(0, 9))
    k = draw(st.integers(1, 2))
    assume(n + 2 * padding >= f)
    rng = np.random.default_rng(seed)
    return rng.normal(size=n) * 10, rng.normal(size=(k, f)), stride, padding


@settings(max_examples=60, deadline=None)
@given(cases())
def test_conv1d_equals_torch_on_random_rows_filters_strides_and_paddings(case):
    row, filters, stride, padding = case
    got = conv1d(row, list(filters), stride, padding)
    want = torch.nn.functional.conv1d(torch.tensor(row)[None, None], torch.tensor(filters)[:, None],
                                      stride=stride, padding=padding)[0].numpy()
    assert got.outputs.shape == want.shape and got.length == want.shape[1]
    np.testing.assert_allclose(got.outputs, want, rtol=1e-12, atol=1e-12)
    for k in range(len(filters)):
        for j in range(got.length):
            s = got.step(j, k)
            assert s.value == got.outputs[k, j]                     # the step is the engine's own cell
            np.testing.assert_array_equal(s.window, got.padded[s.positions])
            np.testing.assert_array_equal(s.in_padding, (s.positions < padding) | (s.positions >= padding + row.size))
            assert s.positions[0] == j * stride


def test_the_slides_filter_with_stride_2_then_1_then_padding_1_and_two_filters():
    row = seeds.SLIDE_004_7_SIGNAL[0]
    one = conv1d(row, seeds.SLIDE_004_7_KERNEL[0], stride=2)
    np.testing.assert_array_equal(one.outputs, [[-1, 1, 1]])
    assert one.size_formula() == "⌊(6 + 2·0 − 2)/2⌋ + 1 = 3"
    assert one.step(0).arithmetic() == "0×1 + 1×(−1) = −1"
    np.testing.assert_array_equal(conv1d(row, seeds.SLIDE_004_7_KERNEL[0], stride=1).outputs, [[-1, 0, 1, -1, 1]])
    two = conv1d(row, [seeds.SLIDE_004_7_KERNEL[0], seeds.SLIDE_004_7_SECOND_KERNEL[0]], stride=2, padding=1)
    np.testing.assert_array_equal(two.padded, [0, 0, 1, 1, 0, 1, 0, 0])
    np.testing.assert_array_equal(two.outputs, [[0, 0, -1, 0], [0, 0, 1, 0]])
    first = two.step(0, 1)
    assert list(first.in_padding) == [True, False] and first.arithmetic() == "0×(−1) + 0×1 = 0"


def test_1_minus_1_answers_most_to_1_0():
    best = best_input(seeds.SLIDE_004_7_KERNEL[0])
    assert best.values == tuple(seeds.SLIDE_004_7_BEST_INPUT[0]) and best.output == 1
    assert best.pair_text() == "(1, 0)" and best.formula() == "y = 1·x1 − 1·x2"
    assert "positive weight wants x1 as large" in best.why() and "negative weight wants x2 as small" in best.why()
    assert best_input((-1, 1)).pair_text() == "(0, 1)"


@pytest.mark.parametrize("weights", [(1, -1), (0.5, 2, -1), (0, -3, 2, 1), (-1, -1, -1)])
def test_best_input_is_the_largest_over_every_corner(weights):
    best = best_input(weights, -1.0, 2.0)
    outputs = {x: float(np.dot(x, weights)) for x in itertools.product((-1.0, 2.0), repeat=len(weights))}
    assert best.output == max(outputs.values()) and outputs[best.values] == best.output


def test_the_best_input_uses_the_padded_rows_range_and_the_best_cell_is_the_largest_output():
    c = conv1d((2, 3, 5), (1, -1), stride=1, padding=0)
    assert c.best_input().values == (5, 2)
    assert conv1d((2, 3, 5), (1, -1), stride=1, padding=1).best_input().values == (5, 0)
    assert c.best_cell() == int(np.argmax(c.outputs[0]))


def test_the_demo_numbers_for_the_slide_example():
    numbers = parse_demo("conv-1d stride=2").numbers()
    assert numbers["out"] == "−1 1 1" and numbers["out[1]"] == "1" and numbers["arith[0]"] == "0×1 + 1×(−1) = −1"
    assert numbers["best"] == "(1, 0)" and numbers["best.value"] == "1" and numbers["best.window"] == "(1, 0)"
    assert numbers["length"] == "3" and "out2" not in numbers
    two = parse_demo("conv-1d filter2=-1,1 padding=1").numbers()
    assert two["out"] == "0 0 −1 0" and two["out2"] == "0 0 1 0" and two["best2"] == "(0, 1)"
    assert two["padded"] == "0 0 1 1 0 1 0 0" and two["size"] == "⌊(6 + 2·1 − 2)/2⌋ + 1 = 4"
    assert conv1d_numbers({"row": DEFAULT_ROW, "filter": DEFAULT_FILTER, "filter2": (), "stride": 1,
                           "padding": 0})["out"] == "−1 0 1 −1 1"


@pytest.mark.parametrize(("call", "message"), [
    (lambda: conv1d((1, 2), (1, 1, 1)), "the filter of 3 does not fit: the row has 2"),
    (lambda: conv1d((1, 2, 3), [(1, 1), (1, 1, 1)]), "filter 2: give it as many numbers as filter 1"),
    (lambda: conv1d((1, 2, 3), (1,), stride=0), "stride: use a whole number from 1 to 9"),
    (lambda: conv1d((1, 2, 3), (1,), padding=-1), "padding: use a whole number from 0 to 9"),
    (lambda: conv1d((), (1,)), "row: give 1 to 64 numbers"),
    (lambda: conv1d((1, np.nan), (1,)), "row: use finite numbers"),
    (lambda: conv1d((1, 2), tuple(range(10))), "filter: give 1 to 9 numbers"),
    (lambda: conv1d((1, 2), [(1,), (1,), (1,)]), "give one or two filters"),
    (lambda: parse_numbers("1 x 2", "row", 1, 64), "row: 'x' is not a number"),
    (lambda: parse_numbers("1e400", "row", 1, 64), "too large"),
    (lambda: parse_numbers("", "filter", 1, 9), "filter: write 1 to 9 numbers, got 0"),
    (lambda: parse_demo("conv-1d filter2=1,1,1"), None),
])
def test_impossible_settings_get_a_clear_message(call, message):
    if message is None:                     # parses; the mismatch is reported when the numbers are asked
        with pytest.raises(CnnExplorerError, match="filter 2: give it as many numbers"):
            call().numbers()
        return
    with pytest.raises(CnnExplorerError, match=message):
        call()


def test_parse_numbers_reads_spaces_commas_and_the_unicode_minus():
    assert parse_numbers("0, 1;−1  2.5", "row", 1, 64) == (0.0, 1.0, -1.0, 2.5)
    assert parse_demo("conv-1d filter2=none").as_dict()["filter2"] == ()
