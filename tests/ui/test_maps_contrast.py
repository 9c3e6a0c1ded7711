"""The maps panel, issue 11: numbers on maps up to 16x16 at every scale, robust and grey contrast for
photos, larger maps when there are few, stale maps marked, channel maps computed at the size shown."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.format import format_number
from cnn_explorer.core.kernels import seed_grids as sg
from cnn_explorer.core.kernels.library import get_preset
from cnn_explorer.ui.explorer.maps_panel import MapsPanel
from cnn_explorer.ui.explorer.state import ExplorerState


# --- issue 11 ----------------------------------------------------
def conv_result(image, kernels, **conv):
    return run_pipeline(image, list(kernels), ConvSettings(**conv), "relu", PoolSettings())


@pytest.mark.parametrize("side", [14, 16])
def test_maps_up_to_16x16_show_their_numbers_at_scale_1_and_2(qtbot, maps_panel, side):
    from PySide6.QtGui import QFont, QFontMetricsF

    from cnn_explorer.ui.explorer.map_numbers import NUMBER_MIN_PX

    rng = np.random.default_rng(11)
    image = rng.integers(0, 256, (side + 2, side + 2)).astype(np.float64)
    maps_panel.set_result(conv_result(image, [get_preset("sobel-top").values]))
    maps_panel.resize(900, 600)
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    sizes = []
    for scale in (1.0, 2.0):
        maps_panel.set_scale(scale)
        view = maps_panel.tile(0, "feature").view
        assert view.shape() == (side, side)
        qtbot.waitUntil(lambda: view.number_pixel_size() >= NUMBER_MIN_PX * scale, timeout=3000)
        texts = view.cell_texts()
        assert len(texts) == side and all(len(row) == side for row in texts)
        # The widest number fits its cell at the font it is drawn with.
        cell = view.cell_center(0, 1).x() - view.cell_center(0, 0).x()
        font = QFont()
        font.setPixelSize(view.number_pixel_size())
        longest = max((t for row in texts for t in row), key=len)
        assert QFontMetricsF(font).horizontalAdvance(longest) <= cell
        sizes.append(view.number_pixel_size())
    assert sizes[1] > sizes[0]                                   # the numbers grow with the scale


def photo_result():
    """A 100×100 'photo': soft noise and two very bright specks, whose edges set the full range."""
    rng = np.random.default_rng(12)
    image = rng.normal(120.0, 8.0, (100, 100))
    image[20, 30], image[70, 60] = 255.0 * 40, -255.0 * 30
    return conv_result(image, [get_preset("outline").values])


def test_robust_contrast_is_the_default_for_photos(qtbot, maps_panel):
    result = photo_result()
    maps_panel.resize(1000, 700)
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    maps_panel.set_result(result)
    assert maps_panel.contrast() == "robust" and maps_panel.contrast_combo.currentData() == "auto"
    view = maps_panel.tile(0, "feature").view
    assert view.displayed_stride() == 1
    feature = result.feature[0]
    m = view.value_range()
    assert m == pytest.approx(np.percentile(np.abs(feature), 99.5))
    assert m < 0.1 * np.abs(feature).max()                       # the specks no longer wash the map out
    assert view.color_levels() == pytest.approx((-m, m))
    assert "99.5%" in maps_panel.tile(0, "feature").caption.text()
    # Cells beyond ±m take the colour map's ends.
    rgba = view.displayed_rgba()
    i, j = np.unravel_index(np.argmax(feature), feature.shape)
    from cnn_explorer.ui.explorer.colorbar import diverging_lut
    assert rgba[i, j, :3].tolist() == diverging_lut()[255].tolist()
    # The full range stays one choice away.
    maps_panel.contrast_combo.setCurrentIndex(maps_panel.contrast_combo.findData("full"))
    assert maps_panel.contrast() == "full"
    assert view.value_range() == pytest.approx(np.abs(feature).max())
    assert "99.5%" not in maps_panel.tile(0, "feature").caption.text()


def test_teaching_grids_keep_the_full_range(maps_panel, slide_000_1):
    maps_panel.set_result(slide_000_1())
    assert maps_panel.contrast() == "full"
    view = maps_panel.tile(0, "feature").view
    assert view.value_range() == 913.0


def test_as_an_image_draws_grey_clipped_to_0_255(qtbot, maps_panel):
    image = np.zeros((4, 6))
    result = run_pipeline(image, [np.array([[1.0]])], ConvSettings(bias=0.0), "none", None)
    maps_panel.set_result(result)
    maps_panel.set_contrast("image")
    values = np.array([[-50.0, 0.0, 100.0, 127.4, 255.0, 300.0]] * 4)
    tile = maps_panel.tile(0, "feature")
    tile.set_map(values, "test")
    rgba = tile.view.displayed_rgba()
    assert rgba[0, :, 0].tolist() == [0, 0, 100, 127, 255, 255]                   # clipped to 0..255, rounded
    assert (rgba[..., 0] == rgba[..., 1]).all() and (rgba[..., 1] == rgba[..., 2]).all()   # grey
    assert (rgba[..., 3] == 255).all()
    assert tile.bar.is_grey() and tile.bar.labels() == ("255", "128", "0")
    assert "grey" in tile.caption.text()
    # The numbers stay readable on grey: dark text on light cells, light on dark.
    assert tile.view.cell_texts()[0] == ["−50", "0", "100", "127", "255", "300"]


def test_one_kernel_gets_larger_maps_than_four(qtbot, maps_panel):
    rng = np.random.default_rng(13)
    image = rng.integers(0, 256, (40, 40)).astype(np.float64)
    kernels = [get_preset(name).values for name in ("sobel-top", "sobel-right", "outline", "sharpen")]
    maps_panel.resize(1000, 700)
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    maps_panel.set_result(conv_result(image, kernels[:1]))
    qtbot.wait(10)
    one = min(maps_panel.tile(0, "feature").view.plot_size())
    maps_panel.set_result(conv_result(image, kernels))
    qtbot.waitUntil(lambda: len(maps_panel.rows) == 4, timeout=2000)
    qtbot.wait(10)
    four = min(maps_panel.tile(0, "feature").view.plot_size())
    assert one > 1.5 * four
    assert one >= 200                                            # the single kernel's maps use the room


def test_the_slide_example_wraps_to_larger_maps(qtbot, maps_panel, slide_000_1):
    maps_panel.resize(700, 650)
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    maps_panel.set_result(slide_000_1())
    qtbot.waitUntil(lambda: maps_panel.rows[0].columns() == 2, timeout=2000)
    assert min(maps_panel.tile(0, "feature").view.plot_size()) > 200


def test_an_impossible_stride_marks_the_maps_stale_until_fixed(qtbot):
    state = ExplorerState()
    panel = MapsPanel(state)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    state.set_image(np.asarray(sg.SLIDE_000_1_IMAGE).copy(), source="test")
    state.set_kernels([np.asarray(sg.SLIDE_000_1_KERNEL).copy()], ["slide-corners"])
    state.recompute_now()
    assert panel.stale_reason() is None and not panel.stale_banner.isVisible()
    before = panel.tile(0, "feature").view.values().copy()
    state.set_settings(conv=ConvSettings(stride=99))
    state.recompute_now()
    assert panel.stale_reason()
    assert panel.stale_banner.isVisible()
    assert panel.stale_banner.text().startswith("Maps not updated: ")
    assert state.error in panel.stale_banner.text()
    assert all(tile.view.is_stale() for tile in panel.rows[0].all_tiles())
    np.testing.assert_array_equal(panel.tile(0, "feature").view.values(), before)   # the last maps stay
    state.undo_stack.undo()                                       # back to stride 1
    state.recompute_now()
    assert panel.stale_reason() is None and not panel.stale_banner.isVisible()
    assert not any(tile.view.is_stale() for tile in panel.rows[0].all_tiles())
    state.stop()


def test_set_stale_is_public_for_other_views(maps_panel, slide_000_1):
    maps_panel.set_result(slide_000_1())
    maps_panel.set_stale("the kernel is larger than the image")
    assert maps_panel.stale_banner.text().startswith("Maps not updated: the kernel is larger than the image")
    assert maps_panel.tile(0, "pooled").view.is_stale()
    maps_panel.set_stale(None)
    assert not maps_panel.tile(0, "pooled").view.is_stale()


def test_no_activation_says_what_it_means(maps_panel, sample_result):
    maps_panel.set_result(sample_result("000-1", activation="none"))
    assert maps_panel.tile(0, "activation").title.text() == "Activation: none (the feature map passes through)"


def test_large_rgb_channel_maps_are_computed_at_the_size_shown(qtbot, maps_panel):
    rng = np.random.default_rng(14)
    image = rng.integers(0, 256, (600, 600, 3)).astype(np.float64)
    kernel = rng.integers(-2, 3, (3, 3, 3)).astype(np.float64)
    result = run_pipeline(image, [kernel], ConvSettings(padding="same", padding_mode="edge", bias=2.0), "relu",
                          PoolSettings())
    maps_panel.resize(1000, 700)
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    maps_panel.set_result(result)
    partials = result.conv.partial_maps(0)
    for c in range(3):
        view = maps_panel.channel_tile(0, c).view
        step = view.displayed_stride()
        assert step > 1 and view.displayed_shape() == partials[c, ::step, ::step].shape
        assert not view.range_is_exact() and "≈" in maps_panel.channel_tile(0, c).caption.text()
        np.testing.assert_allclose(view.values(), partials[c], rtol=1e-5, atol=1e-2)   # all of it, on demand
    total = maps_panel.tile(0, "sum").view
    np.testing.assert_allclose(total.values() + 2.0, result.feature[0], rtol=1e-6)
    assert total.range_is_exact()


def test_a_photos_maps_small_enough_for_numbers_keep_their_full_range(maps_panel):
    rng = np.random.default_rng(15)
    image = rng.normal(120.0, 8.0, (100, 100))
    image[20, 20] = 255.0 * 40
    result = conv_result(image, [get_preset("outline").values], stride=20)
    maps_panel.set_result(result)
    assert maps_panel.contrast() == "robust"
    view = maps_panel.tile(0, "feature").view
    assert view.shape() == (5, 5)
    assert view.value_range() == pytest.approx(np.abs(result.feature[0]).max())
    assert "99.5%" not in maps_panel.tile(0, "feature").caption.text()


def test_a_stack_of_small_maps_wraps_instead_of_scrolling_sideways(qtbot, sample_result):
    state = ExplorerState()
    panel = MapsPanel(state)
    qtbot.addWidget(panel)
    panel.resize(690, 650)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_result(sample_result("004"))
    qtbot.waitUntil(lambda: all(row.columns() < 3 for row in panel.rows), timeout=2000)
    qtbot.wait(20)
    for row in panel.rows:
        assert row.width() <= panel.width()


def test_a_large_maps_robust_colours_come_from_the_cells_shown_within_5_percent_of_every_cell(qtbot, maps_panel):
    """A 1024² photo's maps are coloured from what the tile shows (about one cell per device pixel): the
    robust colour range read there stays within 5% (a few LUT bins) of the one every cell gives, hover still reads every cell."""
    from cnn_explorer.core.colormaps import robust_limit

    rng = np.random.default_rng(16)
    y, x = np.mgrid[0:1024, 0:1024] / 1024.0
    image = 128 + 90 * np.sin(9 * x) * np.cos(7 * y) + rng.normal(0.0, 6.0, (1024, 1024))
    image[(x - 0.5) ** 2 + (y - 0.4) ** 2 < 0.04] += 60.0                      # a disc: sharp edges
    result = conv_result(image, [get_preset("sobel-top").values])
    maps_panel.resize(1000, 400)
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    maps_panel.set_result(result)
    tile = maps_panel.tile(0, "feature")
    view = tile.view
    assert maps_panel.contrast() == "robust" and view.displayed_stride() > 1
    full = result.feature[0]
    shown = view.displayed_shape()
    assert shown[0] * shown[1] < full.size / 4                                # far fewer cells coloured
    assert view.value_range() == pytest.approx(robust_limit(full, max_cells=full.size), rel=0.05)
    assert view.value_range() < np.abs(full).max()                           # still clipped (robust)
    assert view.data_range() == (full.min(), full.max())                     # the caption's range is exact
    assert np.array_equal(view.values(), full)                               # hover reads every cell
    assert maps_panel.describe_cell(0, tile, 700, 301).endswith(format_number(float(full[700, 301]), "cell"))
