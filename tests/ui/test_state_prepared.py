"""ExplorerState keeps its image checked and padded between kernel edits, and never shows stale maps;
the maps panel's ranges of the activated maps follow from the feature maps exactly."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import activate
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.ui.explorer.colorbar import finite_range
from cnn_explorer.ui.explorer.maps_panel import map_ranges
from cnn_explorer.ui.explorer.state import ExplorerState

SOBEL = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])


def plain(state: ExplorerState):
    return run_pipeline(state.image, state.effective_kernels(), state.conv, state.activation, state.pool)


@pytest.mark.parametrize("shape", [(12, 12), (400, 400, 3)])
def test_kernel_edits_strokes_and_new_images_give_the_plain_pipelines_maps(qtbot, shape):
    state = ExplorerState()
    rng = np.random.default_rng(3)
    state.set_image(rng.integers(0, 256, shape).astype(np.float64), source="noise")
    state.set_kernels([SOBEL], ["sobel-top"])
    state.recompute_now()
    for value in (-2.0, 5.0):                                  # kernel edits reuse the prepared image
        kernel = SOBEL.copy()
        kernel[1, 1] = value
        state.set_kernel(0, kernel)
        state.recompute_now()
        assert np.array_equal(state.result.feature, plain(state).feature)
    before = state.image.copy()
    state.image[:3, :3] = 255.0                                # a stroke: in place, then announced
    state.notify_image_edited((0, 3, 0, 3))
    state.push_stroke(before)
    state.recompute_now()
    assert np.array_equal(state.result.feature, plain(state).feature)
    state.undo_stack.undo()                                    # undo puts the old pixels back in place
    state.recompute_now()
    assert np.array_equal(state.image, before)
    assert np.array_equal(state.result.feature, plain(state).feature)
    state.set_image(np.zeros(shape[:2]), source="blank")       # a new image of another kind
    state.recompute_now()
    assert not state.result.feature.any()


def test_a_bad_setting_still_gives_a_message_not_a_crash(qtbot):
    from cnn_explorer.core.conv.convolution import ConvSettings

    state = ExplorerState()
    state.set_image(np.ones((6, 6)))
    state.set_settings(conv=ConvSettings(stride=99))
    with qtbot.waitSignal(state.error_occurred, timeout=1000):
        state.recompute_now()
    assert state.error


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "none", "sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activated_range_is_the_measured_one(activation, dtype):
    rng = np.random.default_rng(5)
    feature = (rng.normal(size=(50, 60)) * 300).astype(dtype)
    feature_range, activated_range = map_ranges(feature, activation)
    assert feature_range == finite_range(feature)
    if activation in ("sigmoid", "tanh"):
        assert activated_range is None                         # measured by the view
    else:
        assert activated_range == finite_range(activate(feature, activation))


def test_maps_with_infinities_are_measured():
    feature = np.array([[1.0, np.inf], [-np.inf, -2.0]], dtype=np.float32)
    assert map_ranges(feature, "relu") == ((-2.0, 1.0), None)
    all_positive = np.array([[3.0, 4.0]], dtype=np.float32)
    assert map_ranges(all_positive, "relu") == ((3.0, 4.0), (3.0, 4.0))
