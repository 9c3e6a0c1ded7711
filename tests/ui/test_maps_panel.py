"""The maps panel: the core's maps shown as they are, titles, values in cells, channels, stacks."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.kernels import seed_grids as sg
from cnn_explorer.core.kernels.library import get_preset
from cnn_explorer.ui.explorer.animation_panel import AnimationPanel, connect_panels
from cnn_explorer.ui.explorer.maps_panel import MapsPanel
from cnn_explorer.ui.explorer.state import ExplorerState


def hover(widget, pos) -> None:
    """Deliver a plain mouse move (QTest.mouseMove moves the cursor, which offscreen Qt ignores)."""
    local = QPointF(pos)
    event = QMouseEvent(QEvent.Type.MouseMove, local, widget.mapToGlobal(local), Qt.MouseButton.NoButton,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_preset_maps_are_the_cores_arrays(maps_panel):
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (40, 52)).astype(np.float64)
    kernel = get_preset("sobel-top").values
    result = run_pipeline(image, [kernel], ConvSettings(padding="same"), "relu", PoolSettings())
    maps_panel.set_result(result)
    assert np.array_equal(maps_panel.tile(0, "feature").view.values(), result.feature[0])
    assert np.array_equal(maps_panel.tile(0, "activation").view.values(), result.activated[0])
    assert np.array_equal(maps_panel.tile(0, "pooled").view.values(), result.pooled.values[0])
    assert maps_panel.tile(0, "feature").view.displayed_shape() == (40, 52)
    # Zero at the centre of the colour range.
    m = maps_panel.tile(0, "feature").view.value_range()
    assert m == pytest.approx(np.abs(result.feature[0]).max())
    assert maps_panel.tile(0, "feature").view.color_levels() == pytest.approx((-m, m))
    # Too big for numbers in the cells.
    assert maps_panel.tile(0, "feature").view.cell_texts() == []


def test_small_maps_have_their_values_and_titles(maps_panel, slide_000_1):
    maps_panel.set_result(slide_000_1())
    feature = maps_panel.tile(0, "feature")
    assert feature.title.text() == "Feature map 4×4"
    assert maps_panel.tile(0, "activation").title.text() == "ReLU"
    assert maps_panel.tile(0, "pooled").title.text() == "Max-pool 2×2 → 2×2"
    assert feature.view.cell_texts()[0] == ["429", "505", "686", "856"]
    assert maps_panel.tile(0, "pooled").view.cell_texts() == [["792", "856"], ["913", "851"]]
    assert feature.caption.text().replace("\u00a0", " ").startswith("min 261")


def test_rgb_input_shows_channel_partials_sum_and_bias(maps_panel):
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (6, 6, 3)).astype(np.float64)
    kernel = rng.integers(-2, 3, (3, 3, 3)).astype(np.float64)
    result = run_pipeline(image, [kernel], ConvSettings(bias=5.0), "relu", PoolSettings())
    maps_panel.set_result(result)
    row = maps_panel.rows[0]
    assert [t.title.text() for t in row.channel_tiles] == ["R channel", "G channel", "B channel"]
    partials = result.conv.partial_maps(0)
    for c in range(3):
        assert np.array_equal(maps_panel.channel_tile(0, c).view.values(), partials[c])
        assert np.allclose(partials[c], [[np.sum(image[i:i + 3, j:j + 3, c] * kernel[..., c]) for j in range(4)]
                                         for i in range(4)])
    summed = maps_panel.tile(0, "sum").view.values()
    assert np.allclose(summed + 5.0, result.feature[0])
    assert "5" in row.bias_operator.text()


def test_rgb_slide_sample_partials_add_up(maps_panel, sample_result):
    result = sample_result("001-7")
    maps_panel.set_result(result)
    assert len(maps_panel.rows[0].channel_tiles) == 3
    total = sum(maps_panel.channel_tile(0, c).view.values() for c in range(3))
    assert np.allclose(total, result.feature[0])
    assert maps_panel.tile(0, "feature").title.text().startswith("Feature map 4×4")


def test_kernel_stack_has_one_row_per_kernel(maps_panel, sample_result, slide_000_1):
    result = sample_result("004")
    maps_panel.set_result(result)
    assert len(maps_panel.rows) == 3
    for k in range(3):
        assert np.array_equal(maps_panel.tile(k, "feature").view.values(), result.feature[k])
    assert maps_panel.rows[1].heading.text().startswith("Kernel 2 of 3")
    assert maps_panel.tile(0, "feature").view.cell_texts()[0][:3] == ["0.78", "−0.11", "0.11"]
    assert maps_panel.tile(0, "pooled").view.cell_texts()[0] == ["1", "0.33", "0.56", "0.33"]
    # Back to a single kernel: the rows go.
    maps_panel.set_result(slide_000_1())
    assert len(maps_panel.rows) == 1


def test_hover_and_click_on_the_pooled_map(qtbot, maps_panel, slide_000_1):
    maps_panel.set_result(slide_000_1())
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    view = maps_panel.tile(0, "pooled").view
    messages = []
    maps_panel.status_message.connect(messages.append)
    hover(view.viewport(), view.cell_center(0, 1))
    assert messages and messages[-1] == "max-pool (row 0, col 1) = 856, won by ReLU cell (row 0, col 3)"
    with qtbot.waitSignal(maps_panel.cell_clicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.cell_center(1, 0).toPoint())
    assert blocker.args == ["pooled", 0, 1, 0]


def test_clicking_a_map_cell_moves_the_animation(qtbot, maps_panel, slide_000_1):
    result = slide_000_1()
    maps_panel.set_result(result)
    animation = AnimationPanel(ExplorerState())
    qtbot.addWidget(animation)
    animation.set_result(result)
    connect_panels(maps_panel, animation)
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    view = maps_panel.tile(0, "pooled").view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.cell_center(1, 0).toPoint())
    assert animation.stage == "pool"
    assert animation.arithmetic_text().endswith("= 913")
    view = maps_panel.tile(0, "feature").view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.cell_center(1, 1).toPoint())
    assert animation.stage == "conv"
    assert animation.arithmetic_text().endswith("= 792")


def test_follows_the_explorer_state(qtbot):
    state = ExplorerState()
    panel = MapsPanel(state)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.repainted, timeout=3000):
        state.set_image(np.asarray(sg.SLIDE_000_1_IMAGE).copy(), source="test")
        state.set_kernels([np.asarray(sg.SLIDE_000_1_KERNEL).copy()], ["slide-corners"])
    qtbot.waitUntil(lambda: panel.result() is not None and panel.result().feature.shape == (1, 4, 4), timeout=3000)
    assert np.array_equal(panel.tile(0, "feature").view.values()[0], sg.SLIDE_000_1_FEATURE[0])
    state.stop()


def test_a_hidden_panel_catches_up_when_shown(qtbot, maps_panel, slide_000_1):
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    maps_panel.hide()                                  # e.g. behind the "Step by step" tab
    result = slide_000_1()
    maps_panel.set_result(result)
    assert maps_panel.result() is result
    assert maps_panel.tile(0, "feature").view.values().shape != (4, 4)     # not built while hidden
    with qtbot.waitSignal(maps_panel.repainted, timeout=2000):
        maps_panel.show()
    assert maps_panel.tile(0, "feature").view.cell_texts()[3] == ["608", "913", "713", "657"]


def test_a_narrow_panel_wraps_a_single_kernels_maps(qtbot, maps_panel, slide_000_1):
    maps_panel.set_result(slide_000_1())
    maps_panel.set_scale(1.5)
    maps_panel.resize(560, 640)
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    assert maps_panel.rows[0].columns() == 2
    assert not any(op.isVisible() for op in maps_panel.rows[0].operators)
    maps_panel.set_scale(1.0)
    maps_panel.resize(1100, 360)
    qtbot.waitUntil(lambda: maps_panel.rows[0].columns() == 3, timeout=2000)
    assert all(op.isVisible() for op in maps_panel.rows[0].operators)


def test_map_colours_are_exactly_pyqtgraphs(qtbot):
    """The maps' own colouring (one table lookup) draws what pyqtgraph's LUT path draws: same bins
    over levels (−m, m), clipped beyond them, NaN transparent."""
    import warnings

    import pyqtgraph as pg
    from PySide6.QtGui import QImage

    from cnn_explorer.ui.explorer.colorbar import diverging_lut, diverging_rgba

    m = 120.0
    rng = np.random.default_rng(4)
    values = rng.normal(0.0, 60.0, (24, 31))
    values.flat[:257] = -m + np.arange(257) * (2 * m / 256)     # every bin edge, from −m to +m
    values[20, 3], values[20, 4], values[20, 5], values[21, 0] = np.nan, np.inf, -np.inf, 5 * m

    def pixels(item) -> np.ndarray:
        image = item.qimage.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
        return rows[:, : image.width() * 4].copy()

    ours = pg.ImageItem(axisOrder="row-major")                # what FeatureMapView shows: the RGBA as it is
    ours.setImage(diverging_rgba(values, m), autoLevels=False)
    ours.render()
    reference = pg.ImageItem(axisOrder="row-major")
    reference.setImage(values, levels=(-m, m), lut=diverging_lut(), autoLevels=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # pyqtgraph's own cast of the NaN cell
        reference.render()
    assert np.array_equal(pixels(ours), pixels(reference))
    assert pixels(ours).reshape(24, 31, 4)[20, 3].tolist() == [0, 0, 0, 0]     # NaN: transparent


def test_big_maps_colour_only_what_the_screen_shows(qtbot, maps_panel):
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (700, 700)).astype(np.float64)
    result = run_pipeline(image, [get_preset("sobel-top").values], ConvSettings(), "relu", PoolSettings())
    maps_panel.resize(1000, 360)
    maps_panel.show()
    qtbot.waitExposed(maps_panel)
    maps_panel.set_result(result)
    view = maps_panel.tile(0, "feature").view
    shown = view.displayed_shape()
    side = min(view.plot_size())
    assert shown[0] < 698 and shown[0] >= side / 2           # about one cell per screen pixel
    assert np.array_equal(view.values(), result.feature[0])  # hover and ranges still use every cell
    assert view.data_range() == (result.feature[0].min(), result.feature[0].max())


def test_every_kernel_row_shows_its_own_pooled_map(maps_panel, sample_result):
    result = sample_result("004")
    maps_panel.set_result(result)
    for k in range(3):
        np.testing.assert_array_equal(maps_panel.tile(k, "pooled").view.values(), result.pooled.values[k])
        np.testing.assert_array_equal(maps_panel.tile(k, "activation").view.values(), result.activated[k])
    assert not np.array_equal(result.pooled.values[0], result.pooled.values[1])   # rows really differ


def test_diverging_rgba_bins_like_the_lut_and_reuses_its_buffer():
    from cnn_explorer.ui.explorer.colorbar import diverging_lut, diverging_rgba

    values = np.array([[-2.0, 0.0, 2.0], [np.nan, 5.0, -5.0]])
    rgba = diverging_rgba(values, 2.0)
    assert rgba.shape == (2, 3, 4) and rgba.dtype == np.uint8
    lut = diverging_lut()
    assert rgba[0, 0, :3].tolist() == lut[0].tolist() and rgba[0, 2, :3].tolist() == lut[255].tolist()
    assert rgba[0, 1, :3].tolist() == lut[128].tolist() and (rgba[0, :, 3] == 255).all()
    assert rgba[1, 0].tolist() == [0, 0, 0, 0]                                     # NaN: transparent
    assert rgba[1, 1].tolist() == rgba[0, 2].tolist() and rgba[1, 2].tolist() == rgba[0, 0].tolist()  # clipped
    assert diverging_rgba(values * 0.5, 2.0, out=rgba) is rgba



def test_colour_bar_labels_and_width_follow_range_and_scale(qtbot):
    """The bar keeps its tick texts and font metrics between edits: they must still follow every change."""
    from cnn_explorer.core.format import format_number
    from cnn_explorer.ui.explorer.colorbar import ColorBar

    bar = ColorBar()
    qtbot.addWidget(bar)
    bar.set_range(2.5, -1.0, 2.0)
    assert bar.labels() == (format_number(2.5, "cell"), "0", format_number(-2.5, "cell"))
    narrow = bar.sizeHint().width()
    bar.set_range(123456.0, 0.0, 1.0)                          # wider than the reserved "−8888"
    assert "123" in bar.labels()[0] and bar.sizeHint().width() > narrow
    bar.set_range(1.0, 0.0, 1.0, grey=True)
    assert bar.labels() == ("255", "128", "0")
    bar.set_range(0.75, 0.0, 0.5)
    assert bar.labels()[1] == "0" and "0.75" in bar.labels()[0]
    small = bar.sizeHint().width()
    bar.set_scale(2.0)
    assert bar.sizeHint().width() > 1.8 * small                # the font grows with the scale, not the cache


def test_value_caption_height_follows_text_width_and_font(qtbot):
    """The caption keeps its last measured height: a new text, width or font must still give a new one."""
    from PySide6.QtGui import QFont

    from cnn_explorer.ui.explorer.map_tile import ValueCaption

    caption = ValueCaption()
    qtbot.addWidget(caption)
    caption.setText("min 1")
    one_line = caption.heightForWidth(80)
    caption.setText("min −123.456   max 789.012   colours ±456.789 (99.5%)")
    assert caption.heightForWidth(80) > one_line                # wraps onto more lines
    assert caption.heightForWidth(2000) == one_line             # one line again when wide
    font = QFont(caption.font())
    font.setPixelSize(3 * max(8, caption.fontMetrics().height()))
    caption.setFont(font)
    assert caption.heightForWidth(2000) > 2 * one_line          # the larger font is measured, not the old one
