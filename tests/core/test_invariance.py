"""Pooling's invariance (core/conv/invariance.py, core/kernels/xo_invariance.py): hand-worked grids, the slide's X."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.conv.invariance import (
    TRANSFORMS,
    compare_layers,
    percent,
    pooling_invariance,
    rotate_image,
    shift_image,
    transform_image,
    transform_words,
)
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.kernels.xo_invariance import (
    FEATURES,
    invariance_numbers,
    x_invariance,
)


def test_hand_worked_single_pixel_shift():
    # 4x4 background -1 with one ink pixel at (0, 0); the 1x1 feature [1] keeps the picture as it is (÷1).
    image = -np.ones((4, 4))
    image[0, 0] = 1.0
    moved = shift_image(image, 0, 1)                  # the ink moves to (0, 1), column 0 fills with -1
    assert moved[0, 1] == 1 and moved[0, 0] == -1 and (moved == 1).sum() == 1
    conv, relu, pool = compare_layers(image, np.ones((1, 1)), moved)
    # conv: (0,0) 1 -> -1 and (0,1) -1 -> 1: 2 of 16 cells, each by 2: mean 4/16
    assert conv.changed_count == 2 and conv.share == pytest.approx(2 / 16)
    assert conv.mean_change == pytest.approx(4 / 16)
    assert conv.changed[0, 0] and conv.changed[0, 1] and conv.changed.sum() == 2
    # ReLU: (0,0) 1 -> 0, (0,1) 0 -> 1: 2 of 16, each by 1
    assert relu.changed_count == 2 and relu.mean_change == pytest.approx(2 / 16)
    # max-pool 2x2: the ink stays inside the top-left window: 0 of 4 cells change
    assert pool.before.shape == (2, 2) and pool.changed_count == 0 and pool.mean_change == 0


def test_hand_worked_shift_across_a_window():
    # the ink at (0, 1) moves to (0, 2): into the next pooling window, so 2 of the 4 pooled cells change by 1
    image = -np.ones((4, 4))
    image[0, 1] = 1.0
    pool = compare_layers(image, np.ones((1, 1)), shift_image(image, 0, 1))[2]
    assert pool.changed_count == 2 and pool.mean_change == pytest.approx(2 / 4)
    assert pool.changed.tolist() == [[True, True], [False, False]]


def test_shifts_and_fill():
    x = np.arange(9.0).reshape(3, 3)
    assert shift_image(x, 1, 0).tolist() == [[-1, -1, -1], [0, 1, 2], [3, 4, 5]]
    assert shift_image(x, 0, -1).tolist() == [[1, 2, -1], [4, 5, -1], [7, 8, -1]]
    assert (shift_image(x, 5, 0) == -1).all()
    assert np.array_equal(transform_image(x, "shift-up", -1), shift_image(x, 1, 0))
    assert np.array_equal(transform_image(x, "shift-left", 0), x)


def test_rotation_nearest_neighbour():
    x = np.arange(25.0).reshape(5, 5)
    assert np.array_equal(rotate_image(x, 90), np.rot90(x))              # counter-clockwise, as np.rot90
    assert np.array_equal(rotate_image(x, -90), np.rot90(x, -1))
    assert np.array_equal(rotate_image(x, 180), np.rot90(x, 2))
    assert np.array_equal(rotate_image(x, 0), x)
    # a small turn keeps the centre and fills the corners it turns out of with the background
    turned = rotate_image(x, 15)
    assert turned[2, 2] == 12 and set(np.unique(turned)) <= set(x.ravel()) | {-1.0}
    # the X is symmetric under a quarter turn: nothing would change (why 90° is not offered)
    assert np.array_equal(rotate_image(seeds.SLIDE_004_X_IMAGE, 90), seeds.SLIDE_004_X_IMAGE)


def test_slide_x_shift_right_pooling_changes_less():
    result = x_invariance("shift-right", "diagonal", 1)
    conv, pool = result.stage("conv"), result.stage("pool")
    assert conv.before.shape == (7, 7) and pool.before.shape == (4, 4)
    # the original's maps are the slide's (004-3 and 004-5)
    np.testing.assert_allclose(conv.before[0], seeds.SLIDE_004_DIAGONAL_FIRST_ROW)
    np.testing.assert_allclose(pool.before, seeds.SLIDE_004_POOLED_DIAGONAL, atol=seeds.SLIDE_004_POOLED_TOLERANCE)
    assert conv.changed_count == 46 and pool.changed_count == 9            # 46 of 49 against 9 of 16
    assert result.pooling_helps
    numbers = invariance_numbers({"transform": "shift-right", "feature": "diagonal", "amount": 1})
    assert numbers["conv.changed"] == "94%" and numbers["pool.changed"] == "56%"
    assert numbers["pool.cells"] == "9 of 16" and numbers["what"] == "shifted 1 pixel right"
    assert float(numbers["pool.mean"]) < float(numbers["conv.mean"])


@pytest.mark.parametrize("transform", [t for t in TRANSFORMS if t != "rotate"])
@pytest.mark.parametrize("feature", FEATURES)
def test_one_pixel_shift_pooled_maps_change_less(transform, feature):
    assert x_invariance(transform, feature, 1).pooling_helps


def test_words_and_percent():
    assert transform_words("shift-down", 2) == "shifted 2 pixels down"
    assert transform_words("shift-left", -1) == "shifted 1 pixel right"
    assert transform_words("rotate", -1) == "turned 15° clockwise"
    assert percent(0.0) == "0%" and percent(0.001) == "<1%" and percent(1.0) == "100%"


@pytest.mark.parametrize("args, match", [
    (("spin", "diagonal", 1), "transform"),
    (("rotate", "circle", 1), "feature"),
    (("shift-up", "x", 9), "amount"),
])
def test_bad_settings_clear_messages(args, match):
    with pytest.raises(CnnExplorerError, match=match):
        x_invariance(*args)
    with pytest.raises(CnnExplorerError, match="picture"):
        pooling_invariance(np.zeros((2, 2)), np.ones((1, 1)))
    with pytest.raises(CnnExplorerError, match="same"):
        compare_layers(np.zeros((4, 4)), np.ones((1, 1)), np.zeros((5, 4)))
