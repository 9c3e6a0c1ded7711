"""The one number formatter: every style on a hand-worked table of values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnn_explorer.core.format import STYLES, format_number

VALUES = (123.456, 0.0, -0.0, 1e-5, 1e-12, 7 / 9, 1 / 3, 1e20, -2.5, 3.0, -42.0, 255.0)
# Worked by hand from each style's rule (module docstring of core.format).
TABLE = {
    "exact": ["123.456", "0", "0", "1e-05", "1e-12", "0.7777777777777778", "0.3333333333333333", "1e+20",
              "-2.5", "3", "-42", "255"],
    "operand": ["123.456", "0", "0", "1e−05", "1e−12", "0.7778", "0.3333", "1e+20", "−2.5", "3", "−42", "255"],
    "plain": ["123.456", "0", "0", "1e-05", "1e-12", "0.7778", "0.3333", "1e+20", "-2.5", "3", "-42", "255"],
    "pixel": ["123.46", "0", "0", "1e-05", "1e-12", "0.78", "0.33", "1e+20", "-2.5", "3", "-42", "255"],
    "cell": ["123", "0", "0", "1e−05", "1e−12", "0.78", "0.33", "1e+20", "−2.50", "3", "−42", "255"],
}


@pytest.mark.parametrize("style", STYLES)
def test_every_style_on_the_worked_table(style):
    assert [format_number(v, style) for v in VALUES] == TABLE[style]


def test_the_table_covers_every_style():
    assert set(TABLE) == set(STYLES)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("value", [1e-5, -1e-5, 1e-12, 4e-3, -3e-300, 5e-324, 1e-10])
def test_only_zero_prints_as_zero(style, value):
    text = format_number(value, style)
    assert text.replace("−", "-") != "0" and float(text.replace("−", "-")) != 0


@pytest.mark.parametrize("style", STYLES)
def test_numpy_scalars_and_ints_are_accepted(style):
    assert format_number(np.float32(2.0), style) == format_number(2, style) == "2"
    assert format_number(np.int64(-7), style).replace("−", "-") == "-7"


def test_operand_keeps_four_decimals_and_the_unicode_minus():
    # the arithmetic's operands, as tests/core/test_convolution.py pins them
    assert [format_number(v) for v in (429.0, -3, 0.0, 7 / 9, -1 / 9, 2.5, 1e-6, 1e20)] == [
        "429", "−3", "0", "0.7778", "−0.1111", "2.5", "1e−06", "1e+20"]
    assert format_number(1.33333333) == "1.3333" and format_number(8.25) == "8.25"


def test_cell_decimals_shrink_as_values_grow():
    assert [format_number(v, "cell") for v in (0.5, -0.109, 5.555, 12.34, 99.96, 123.456, 856.0, 1234567.8)] == [
        "0.50", "−0.11", "5.55", "12.3", "100.0", "123", "856", "1234568"]
    # float noise is not shown: 2.9999999999 is 3, but a tiny value is not 0
    assert format_number(2.9999999999, "cell") == "3" and format_number(-1e-10, "cell") == "−1e−10"
    assert format_number(0.004, "cell") == "0.004" and format_number(0.001234, "cell") == "0.0012"


def test_decimals_overrides_the_decimal_styles():
    assert [format_number(v, "plain", decimals=2) for v in (1 / 3, -0.5, 1e-5)] == ["0.33", "-0.5", "1e-05"]
    assert format_number(1 / 3, "operand", decimals=6) == "0.333333"
    # no decimals: an integer's own zeros stay, a value below 0.5 keeps one significant digit
    assert [format_number(v, "plain", decimals=0) for v in (10.4, 2.5, 0.4, -0.04)] == ["10", "2", "0.4", "-0.04"]


def test_huge_magnitudes_are_scientific():
    assert [format_number(v, "operand") for v in (1e15, -2.5e18, 123456.789)] == [
        "1e+15", "−2.5e+18", "123456.789"]
    assert format_number(1.23456e17, "cell") == "1.2e+17"
    assert format_number(1e15, "plain", decimals=2) == "1e+15"
    assert format_number(1e16, "exact") == "1e+16" and format_number(9e15, "exact") == "9000000000000000"


def test_non_finite_values():
    inf, nan = math.inf, math.nan
    assert [format_number(v, "cell") for v in (inf, -inf, nan)] == ["∞", "−∞", "NaN"]
    assert [format_number(v, "operand") for v in (inf, -inf, nan)] == ["∞", "−∞", "NaN"]
    assert [format_number(v, "plain") for v in (inf, -inf, nan)] == ["inf", "-inf", "nan"]
    assert [format_number(v, "exact") for v in (inf, -inf, nan)] == ["inf", "-inf", "nan"]


@pytest.mark.parametrize("style", ["exact", "plain", "pixel"])
def test_ascii_styles_read_back_with_float(style):
    for v in VALUES:
        assert float(format_number(v, style)) == pytest.approx(v, rel=1e-2, abs=1e-2)
    assert float(format_number(7 / 9, "exact")) == 7 / 9


def test_unknown_style_and_misplaced_decimals_are_errors():
    with pytest.raises(ValueError, match="style must be one of"):
        format_number(1.0, "fancy")
    with pytest.raises(ValueError, match="decimals"):
        format_number(1.0, "cell", decimals=3)
    with pytest.raises(ValueError, match="decimals"):
        format_number(1.0, "exact", decimals=3)


def test_pooling_arithmetic_shows_the_decimals_of_its_cells():
    from cnn_explorer.core.conv.convolution import PoolSettings, pool2d, pool_step

    x = np.array([[1 / 3, 2 / 3], [1 / 9, -0.5]])
    avg = PoolSettings(mode="avg", size=2)
    cell = format_number(pool2d(x, avg).values[0, 0], "cell")
    assert pool_step(x, avg, 0, 0).arithmetic(style="cell") == f"(0.33 + 0.67 + 0.11 + (−0.50)) / 4 = {cell}"
    assert cell == "0.15"
    # the core's own default stays the students' four decimals
    assert pool_step(x, avg, 0, 0).arithmetic() == "(0.3333 + 0.6667 + 0.1111 + (−0.5)) / 4 = 0.1528"
    mx = PoolSettings(size=2)
    assert pool_step(x, mx, 0, 0).arithmetic(style="cell") == "max(0.33, 0.67, 0.11, −0.50) = 0.67"
