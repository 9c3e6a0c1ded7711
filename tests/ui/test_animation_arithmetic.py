"""The animation's arithmetic writes pooling with the decimals of the map cells beside it."""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.conv.convolution import (
    ConvSettings,
    PoolSettings,
    conv_step,
    pool2d,
    pool_step,
)
from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.animation_arithmetic import ArithmeticView

X = np.array([[1 / 3, 2 / 3, 0.25], [1 / 9, -0.5, 1e-5], [7 / 9, 0.125, 2.0]])


def test_pooling_arithmetic_shows_the_cells_decimals(qtbot):
    view = ArithmeticView()
    qtbot.addWidget(view)
    avg = PoolSettings(mode="avg", size=2, stride=1)
    view.show_pool_step(pool_step(X, avg, 0, 0), (-1.0, 1.0))
    assert view.text() == "(0.33 + 0.67 + 0.11 + (−0.50)) / 4 = 0.15"
    assert view.text().endswith(format_number(pool2d(X, avg).values[0, 0], "cell"))
    view.show_pool_step(pool_step(X, PoolSettings(size=2, stride=1), 0, 1), (-1.0, 1.0))
    assert view.text() == "max(0.67, 0.25, −0.50, 1e−05) = 0.67"


def test_convolution_arithmetic_keeps_four_decimals(qtbot):
    view = ArithmeticView()
    qtbot.addWidget(view)
    step = conv_step(X, np.array([[1.0, -1.0], [0.5, 2.0]]), ConvSettings(), 0, 0)
    view.show_conv_step(step, (-1.0, 2.0))
    assert view.text() == step.arithmetic() == "0.3333×1 + 0.6667×(−1) + 0.1111×0.5 + (−0.5)×2 = −1.2778"
