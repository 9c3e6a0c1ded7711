"""The sliding-filter animation: player logic, the panel's numbers, keyboard and mouse."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings, iter_steps
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.kernels import seed_grids as sg
from cnn_explorer.core.kernels.samples import get_sample
from cnn_explorer.ui.explorer.animation import AnimationPlayer, StepCursor
from cnn_explorer.ui.explorer.animation_data import AnimationData
from cnn_explorer.ui.explorer.animation_panel import AnimationPanel
from cnn_explorer.ui.explorer.state import ExplorerState


def sample_result(name: str):
    """The pipeline result of a named sample, with the slide's kernel(s) and settings."""
    s = get_sample(name)
    return run_pipeline(s.image, s.kernel_arrays(), s.conv, s.activation, s.pool)


def slide_000_1():
    return sample_result("000-1")


def slide_001_5():
    return sample_result("001-5")


@pytest.fixture
def panel(qtbot):
    panel = AnimationPanel(ExplorerState())
    qtbot.addWidget(panel)
    panel.resize(1100, 520)
    panel.set_result(slide_000_1())
    yield panel
    panel.player.pause()


# --- player logic (no widgets) ------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (1, 7), (6, 1)])
def test_cursor_order_is_the_cores_iter_steps(shape):
    cursor = StepCursor(shape)
    cells = [cursor.cell(n) for n in range(cursor.count)]
    assert cells == list(iter_steps(shape))
    assert [cursor.index_of(i, j) for i, j in cells] == list(range(cursor.count))


def test_cursor_advances_by_cell_row_and_map():
    cursor = StepCursor((3, 4), step=1)
    assert cursor.advanced("cell") == 2
    assert cursor.advanced("row") == 3          # finish the current row
    cursor.set_step(3)
    assert cursor.advanced("row") == 7          # at a row's end: the whole next row
    assert cursor.advanced("map") == 11
    cursor.set_step(11)
    assert cursor.advanced("cell") == 11 and cursor.at_end
    with pytest.raises(ValueError, match="granularity"):
        cursor.advanced("diagonal")


def test_cursor_keeps_its_cell_when_the_map_changes_size():
    cursor = StepCursor((4, 4))
    cursor.set_step(cursor.index_of(1, 2))
    cursor.set_shape((5, 6))
    assert cursor.cell() == (1, 2)
    cursor.set_shape((2, 2))                    # the cell no longer exists: clamp the step
    assert 0 <= cursor.step <= 3
    assert cursor.set_step(99) == 3 and cursor.set_step(-5) == 0


def test_player_plays_to_the_end_and_stops(qtbot):
    player = AnimationPlayer()
    player.set_shape((3, 3))
    player.set_speed(60)
    player.set_granularity("row")
    player.play()
    assert player.is_playing()
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5000)
    assert player.step == 8
    player.play()                               # from the last step: starts over
    assert player.step == 0 and player.is_playing()
    player.pause()
    assert not player.is_playing()


def test_player_clamps_speed():
    player = AnimationPlayer()
    player.set_speed(0)
    assert player.speed == 1
    player.set_speed(1000)
    assert player.speed == 60


# --- the panel's numbers --------------------------------------------------------------------------
def test_first_cell_shows_the_slides_arithmetic(panel):
    panel.set_step(0)
    assert panel.arithmetic_text() == sg.SLIDE_000_1_FIRST_CELL
    assert panel.arithmetic_text().endswith("= 429")
    assert panel.output_view.text_at(0, 0) == "429"
    assert panel.output_view.text_at(0, 1) == ""        # not filled in yet
    assert "Step 1 of 16" in panel.position_label.text()


def test_window_slides_with_the_step(panel):
    panel.jump_to(1, 2)
    step = panel.current_step()
    assert list(step.rows) == [1, 2, 3] and list(step.cols) == [2, 3, 4]
    assert panel.step == 6
    assert panel.arithmetic_text().endswith(f"= {int(sg.SLIDE_000_1_FEATURE[1, 2])}")
    assert [panel.output_view.text_at(0, j) for j in range(4)] == ["429", "505", "686", "856"]


def test_stride_2_top_right_cell_is_88(qtbot):
    panel = AnimationPanel(ExplorerState())
    qtbot.addWidget(panel)
    panel.set_result(slide_001_5())
    panel.jump_to(0, 2)
    assert panel.current_step().value == 88
    assert panel.arithmetic_text().endswith("= 88")
    assert panel.output_view.text_at(0, 2) == "88"
    assert list(panel.current_step().cols) == [4, 5, 6]
    # Pooling is off in this sample: the stage cannot be chosen.
    panel.set_stage("pool")
    assert panel.stage == "conv"


def test_pooling_is_animated_with_the_winner(panel):
    panel.set_stage("pool")
    panel.set_step(0)
    assert panel.arithmetic_text() == "max(429, 505, 261, 792) = 792"
    assert panel.input_views[0].marked_winner() == (1, 1)
    panel.player.end()
    assert panel.arithmetic_text().endswith("= 851")
    assert panel.output_view.text_at(1, 1) == "851"


# --- keyboard and mouse ---------------------------------------------------------------------------
def _show(qtbot, panel):
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    panel.setFocus()
    qtbot.waitUntil(panel.hasFocus, timeout=2000)


def test_keyboard_steps(qtbot, panel):
    _show(qtbot, panel)
    qtbot.keyClick(panel, Qt.Key.Key_Right)
    assert panel.step == 1
    qtbot.keyClick(panel, Qt.Key.Key_Right)
    qtbot.keyClick(panel, Qt.Key.Key_Left)
    assert panel.step == 1
    qtbot.keyClick(panel, Qt.Key.Key_End)
    assert panel.step == 15
    qtbot.keyClick(panel, Qt.Key.Key_Home)
    assert panel.step == 0
    qtbot.keyClick(panel, Qt.Key.Key_PageDown)
    qtbot.keyClick(panel, Qt.Key.Key_PageDown)
    assert panel.step == 2
    qtbot.keyClick(panel, Qt.Key.Key_PageUp)
    assert panel.step == 1
    assert panel.arithmetic_text().endswith("= 505")


def test_space_plays_and_pauses(qtbot, panel):
    _show(qtbot, panel)
    panel.speed_slider.setValue(60)
    qtbot.keyClick(panel, Qt.Key.Key_Space)
    assert panel.player.is_playing()
    assert "Pause" in panel.play_button.text()
    qtbot.waitUntil(lambda: panel.step >= 2, timeout=5000)
    qtbot.keyClick(panel, Qt.Key.Key_Space)
    assert not panel.player.is_playing()
    stopped_at = panel.step
    qtbot.wait(60)
    assert panel.step == stopped_at


def test_hiding_the_panel_stops_the_clock(qtbot, panel):
    _show(qtbot, panel)
    panel.player.play()
    panel.hide()
    assert not panel.player.is_playing()


def test_clicking_an_output_cell_jumps_there(qtbot, panel):
    _show(qtbot, panel)
    rect = panel.output_view.cell_rect(2, 1)
    qtbot.mouseClick(panel.output_view, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert panel.player.cursor.cell() == (2, 1)
    assert panel.arithmetic_text().endswith(f"= {int(sg.SLIDE_000_1_FEATURE[2, 1])}")


def test_scrub_slider_and_whole_map(panel):
    panel.scrub_slider.setValue(9)
    assert panel.step == 9
    panel.granularity_combo.setCurrentIndex(panel.granularity_combo.findData("map"))
    panel.player.tick()
    assert panel.step == 15 and not panel.player.is_playing()


# --- big inputs -----------------------------------------------------------------------------------
def test_big_input_shows_a_readable_neighbourhood(qtbot):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (512, 512)).astype(np.float64)
    result = run_pipeline(image, [sg.SLIDE_000_1_KERNEL], ConvSettings(padding=1), "relu", PoolSettings())
    panel = AnimationPanel(ExplorerState())
    qtbot.addWidget(panel)
    panel.resize(1100, 520)
    panel.set_result(result)
    panel.show()
    qtbot.waitExposed(panel)
    panel.jump_to(300, 200)
    view = panel.input_views[0]
    r0, c0, rows, cols = view.visible_region()
    assert rows < 60 and cols < 60
    assert r0 <= 300 and 300 + 2 < r0 + rows and c0 <= 200 and 202 < c0 + cols   # window (padded coords) visible
    assert panel.input_region.text().startswith("showing rows 29")
    step = panel.current_step()
    assert step.value == pytest.approx(result.conv.maps[0, 300, 200])
    assert panel.output_view.text_at(300, 200) == panel.arithmetic_text().rsplit("= ", 1)[1]
    # Stepping on (across a row end too) keeps the window and the current cell on screen.
    start = panel.player.cursor.index_of(300, 490)
    for n in range(start, start + 40):
        panel.set_step(n)
        step = panel.current_step()
        r0, c0, rows, cols = view.visible_region()
        assert r0 <= step.rows[0] and step.rows[-1] < r0 + rows
        assert c0 <= step.cols[0] and step.cols[-1] < c0 + cols
        o0, oc0, orows, ocols = panel.output_view.visible_region()
        assert o0 <= step.i < o0 + orows and oc0 <= step.j < oc0 + ocols


# --- settings the slides use ------------------------------------------------------------------------
def test_normalized_stack_shows_the_division_and_each_kernel(qtbot):
    result = sample_result("004")
    panel = AnimationPanel(ExplorerState())
    qtbot.addWidget(panel)
    panel.set_result(result)
    assert panel.kernel_combo.count() == 3
    panel.set_step(0)
    assert panel.arithmetic_text().endswith(") / 9 = 0.7778")
    assert panel.output_view.text_at(0, 0) == "0.78"
    panel.set_kernel(1)                              # the X feature: its centre cell is 1
    panel.jump_to(3, 3)
    assert panel.current_step().value == pytest.approx(1.0)
    assert np.array_equal(panel.current_step().kernel, sg.SLIDE_004_X)
    # Pooling in ceil mode: the last window hangs over the edge and still has a winner inside the map.
    panel.set_stage("pool")
    panel.player.end()
    step = panel.current_step()
    assert step.value == pytest.approx(result.pooled.values[1, 3, 3])
    assert panel.arithmetic_text().startswith("max(")


def test_padding_cells_are_marked_and_numbered_outside_the_image(qtbot):
    image = np.array([[0.3, 0.5, 0.9, 1.0], [1.0, 1.0, 1.0, 1.0], [0.9, 0.9, 0.5, 0.3], [0.2, 0.0, 0.0, 0.0]])
    result = run_pipeline(image, [sg.SLIDE_000_1_KERNEL], ConvSettings(padding="same"), "none", None)
    panel = AnimationPanel(ExplorerState())
    qtbot.addWidget(panel)
    panel.set_result(result)
    view = panel.input_views[0]
    assert view.values().shape == (6, 6)
    assert view.is_padding(0, 0) and view.is_padding(5, 3) and not view.is_padding(1, 1)
    assert view.label_offset() == (1, 1)
    assert "padded 6×6" in panel.input_title.text()
    panel.set_step(0)
    step = panel.current_step()
    assert step.in_padding[0].all() and not step.in_padding[1, 1]
    assert step.value == pytest.approx(result.conv.maps[0, 0, 0])


def test_dilated_window_marks_only_its_cells(qtbot):
    image = np.arange(49, dtype=np.float64).reshape(7, 7)
    result = run_pipeline(image, [sg.SLIDE_000_1_KERNEL], ConvSettings(dilation=2), "relu", None)
    panel = AnimationPanel(ExplorerState())
    qtbot.addWidget(panel)
    panel.set_result(result)
    panel.jump_to(1, 2)
    step = panel.current_step()
    assert list(step.rows) == [1, 3, 5] and list(step.cols) == [2, 4, 6]
    rows, cols = panel.input_views[0].marked_window()
    assert list(rows) == [1, 3, 5] and list(cols) == [2, 4, 6]
    assert step.value == pytest.approx(result.conv.maps[0, 1, 2])


def test_a_new_result_keeps_the_cell_and_stage(panel):
    panel.set_stage("pool")
    panel.jump_to(1, 0)
    panel.set_result(slide_000_1())
    assert panel.stage == "pool" and panel.player.cursor.cell() == (1, 0)
    assert panel.arithmetic_text().endswith("= 913")


def test_play_needs_the_panel_on_screen(qtbot, panel):
    panel.toggle_playing()                        # never shown: the clock stays off
    assert not panel.player.is_playing()
    _show(qtbot, panel)
    panel.toggle_playing()
    assert panel.player.is_playing()
    panel.close()
    assert not panel.player.is_playing()


def test_a_hidden_step_by_step_tab_catches_up_when_shown(qtbot, explorer_page):
    # Behind the Maps tab the panel only keeps the step count; the grids follow when it is shown.
    page, panel = explorer_page, explorer_page.animation_panel
    assert not panel.isVisible()
    page.state.apply_sample(get_sample("000-1"))
    page.state.recompute_now()
    assert panel.output_view.values().shape != (4, 4)       # not loaded while hidden
    assert panel.player.count == 16                         # …but stepping knows the new map
    page.show_step_by_step()
    assert panel.isVisible()
    np.testing.assert_array_equal(panel.output_view.values(), page.state.result.conv.maps[0])
    panel.set_step(0)
    assert panel.arithmetic_text() == sg.SLIDE_000_1_FIRST_CELL
    assert panel.output_view.text_at(0, 0) == "429"


def test_stepping_while_hidden_shows_the_right_cell_when_asked(qtbot, explorer_page):
    page, panel = explorer_page, explorer_page.animation_panel
    page.state.apply_sample(get_sample("000-1"))
    page.state.recompute_now()
    panel.forward_action.trigger()                          # the window-wide Right key, Maps tab in front
    assert panel.step == 1
    assert panel.arithmetic_text().endswith("= 505")        # asking for it loads what waited
    assert panel.current_step().j == 1


def test_the_input_grid_follows_a_pixel_edited_in_place(qtbot, explorer_page):
    # A kernel edit keeps the input grid's picture; an in-place edit (a stroke, a typed pixel) must not.
    page, panel, state = explorer_page, explorer_page.animation_panel, explorer_page.state
    image = np.zeros((7, 7))
    image[0, 0] = 200.0
    state.set_image(image, source="test")
    page.show_step_by_step()
    state.recompute_now()
    view = panel.input_views[0]

    def colour(r, c):
        corner = view.cell_rect(r, c).topLeft().toPoint()
        return view.grab().toImage().pixelColor(corner.x() + 3, corner.y() + 3).lightness()

    assert colour(2, 3) < 40
    state.set_kernel(0, np.ones((3, 3)))                    # same picture: kept as it is
    state.recompute_now()
    state.set_cell(2, 3, 200.0)                             # edited in place
    state.recompute_now()
    assert colour(2, 3) > 200


# --- helpers the panel is made of -------------------------------------------------------------------
def test_scaled_font_scales_pixels_with_a_floor(qtbot):
    from PySide6.QtGui import QFont

    from cnn_explorer.ui.scale import scaled, scaled_font

    assert scaled(13, 2.0) == 26 and scaled(13, 0.1) == 1 and scaled(13, 0.5, 9) == 9
    base = QFont()
    font = scaled_font(base, 14, 1.5, 9, bold=True)
    assert font.pixelSize() == 21 and font.bold() and not base.bold()
    assert scaled_font(base, 14, 0.5, 9).pixelSize() == 9


def test_animation_data_pads_once_per_picture_and_frames_the_pooling():
    state = ExplorerState()
    image = np.arange(16, dtype=np.float64).reshape(4, 4)
    result = run_pipeline(image, [sg.SLIDE_000_1_KERNEL], ConvSettings(padding=1), "relu",
                          PoolSettings(size=3, stride=2, ceil_mode=True))
    data = AnimationData(state)
    data.set_result(result)
    padded = data.input()
    assert padded.shape == (6, 6) and padded[0].tolist() == [0] * 6 and data.input_range == (0.0, 15.0)
    data.set_result(result)
    assert data.input() is padded                                  # same picture: not padded again
    state.notify_image_edited()
    data.set_result(result)
    assert data.input() is not padded                              # an edit in place: padded again
    data.stage = "pool"
    out = data.output()
    display = data.pool_display(out.shape)
    assert data.pool_pads == (0, 0) and display.shape[0] >= result.activated.shape[1]
    assert np.isnan(display[-1, -1]) == (display.shape[0] > result.activated.shape[1])
    m = np.abs(result.activated[0]).max()
    assert data.act_range == (-m, m)
    assert data.step(0, 0).value == pytest.approx(out[0, 0])
    state.stop()


def test_region_note_and_repaint_rectangles(qtbot):
    from PySide6.QtCore import QRectF

    from cnn_explorer.ui.explorer.animation_body import region_note
    from cnn_explorer.ui.explorer.animation_grid import NumberGridView
    from cnn_explorer.ui.explorer.grid_painting import cells_between, unfilled_rects

    view = NumberGridView()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.set_values(np.zeros((4, 4)))
    assert region_note(view) == ""                                 # everything fits
    view.set_values(np.zeros((300, 300)), label_offset=(1, 1))
    view.set_marks(window=(np.array([150, 151]), np.array([20, 21])))
    r0, c0, rows, cols = view.visible_region()
    assert region_note(view) == f"showing rows {r0 - 1}–{r0 + rows - 2}, cols {c0 - 1}–{c0 + cols - 2}"
    grid, geom = (0, 0, 3, 4), (10.0, 10.0, 5.0)
    assert cells_between(1, 3, 4, grid, geom) == QRectF(14, 9, 12, 7)    # cells 1 and 2 of row 0
    assert cells_between(3, 3, 4, grid, geom).isEmpty()
    assert unfilled_rects(6, 4, grid, geom) == [QRectF(20, 15, 11, 6), QRectF(10, 20, 21, 6)]


def test_box_of_and_clear_grid(qtbot):
    from PySide6.QtWidgets import QBoxLayout, QGridLayout, QLabel, QWidget

    from cnn_explorer.ui.widgets.containers import box_of, clear_grid

    parent = QWidget()
    qtbot.addWidget(parent)
    a, b = QLabel("a"), QLabel("b")
    holder = box_of((a, b), parent, QBoxLayout.Direction.TopToBottom, stretch_of=b)
    layout = holder.layout()
    assert holder.parent() is parent and layout.direction() == QBoxLayout.Direction.TopToBottom
    assert [layout.itemAt(i).widget() for i in range(2)] == [a, b] and [layout.stretch(i) for i in range(2)] == [0, 1]
    grid = QGridLayout(parent)
    grid.addWidget(holder, 0, 0)
    grid.setColumnStretch(0, 3)
    grid.setRowStretch(1, 2)
    clear_grid(grid, (holder,), 2)
    assert grid.indexOf(holder) == -1 and grid.columnStretch(0) == 0 and grid.rowStretch(1) == 0
