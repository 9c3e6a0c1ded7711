"""The presenter view (F5 / Esc, the slim bar) and a Step-by-step view that fits the room at every scale."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from cnn_explorer.core.kernels.samples import get_sample

REPO = Path(__file__).resolve().parents[2]


def _settle(rounds: int = 4) -> None:
    for _ in range(rounds):
        QApplication.processEvents()


def _step_view(window):
    """The explorer's step-by-step panel, shown."""
    window.explorer.show_step_by_step()
    _settle()
    return window.explorer.animation_panel


# --- entering and leaving -------------------------------------------------------------------------
def test_f5_enters_and_esc_leaves_the_presenter_view(qtbot, main_window):
    page = main_window.explorer
    assert not page.is_presenter() and not main_window.presenter_action.isChecked()
    assert main_window.presenter_action.isCheckable()
    qtbot.keyClick(main_window, Qt.Key.Key_F5)
    assert page.is_presenter() and main_window.presenter_action.isChecked()
    assert page.presenter_bar.isVisible()
    assert not page.input_scroll.isVisible() and not page.controls_scroll.isVisible()
    assert not main_window.pages.tabBar().isVisible()            # the view takes the whole window
    qtbot.keyClick(main_window, Qt.Key.Key_Escape)
    assert not page.is_presenter() and not main_window.presenter_action.isChecked()
    assert page.input_scroll.isVisible() and page.controls_scroll.isVisible()
    assert not page.presenter_bar.isVisible() and main_window.pages.tabBar().isVisible()
    qtbot.keyClick(main_window, Qt.Key.Key_F5)                   # F5 toggles: on, then off again
    qtbot.keyClick(main_window, Qt.Key.Key_F5)
    assert not page.is_presenter()


def test_the_action_and_the_public_api_agree(qtbot, main_window):
    page = main_window.explorer
    main_window.presenter_action.trigger()
    assert page.is_presenter()
    main_window.set_presenter(False)
    assert not page.is_presenter() and not main_window.presenter_action.isChecked()
    main_window.set_presenter(True)
    assert main_window.presenter_action.isChecked()
    page.presenter_bar.leave_button.click()
    assert not page.is_presenter() and not main_window.presenter_action.isChecked()
    assert "Presenter view" in [a.text().replace("&", "") for a in main_window.menuBar().actions()[2].menu().actions()]


def test_esc_does_nothing_outside_the_presenter_view(qtbot, main_window):
    assert not main_window.leave_presenter_action.isEnabled()
    qtbot.keyClick(main_window, Qt.Key.Key_Escape)
    assert not main_window.explorer.is_presenter()


def test_splitter_sizes_come_back_after_the_presenter_view(qtbot, main_window):
    page = main_window.explorer
    before = page.splitter.sizes()
    main_window.set_presenter(True)
    _settle()
    main_window.set_presenter(False)
    _settle()
    assert page.splitter.sizes() == before


def test_another_page_leaves_the_presenter_view(qtbot, main_window):
    from PySide6.QtWidgets import QWidget

    index = main_window.add_page("Other", QWidget())            # a page that starts no work of its own
    main_window.set_presenter(True)
    main_window.pages.setCurrentIndex(index)
    assert not main_window.explorer.is_presenter() and main_window.pages.tabBar().isVisible()


# --- the slim bar ---------------------------------------------------------------------------------
def test_the_slim_bar_changes_the_sample_kernel_and_settings(qtbot, main_window):
    page, state = main_window.explorer, main_window.explorer.state
    main_window.set_presenter(True)
    bar = page.presenter_bar
    assert "000-1" in bar.sample_names() and "001-5" in bar.sample_names()
    bar.choose_sample("001-5")
    state.recompute_now()
    assert state.image_source == "001-5"
    np.testing.assert_array_equal(state.image, get_sample("001-5").image)
    assert bar.stride_spin.value() == 2                          # the sample's stride shows in the bar
    bar.choose_kernel("sharpen")
    state.recompute_now()
    assert state.kernel_names[0] == "sharpen"
    bar.stride_spin.setValue(1)
    assert state.conv.stride == (1, 1)
    bar.padding_combo.setCurrentIndex(bar.padding_combo.findData("same"))
    assert page.settings_panel.padding_combo.currentData() == "same"
    assert state.conv.padding == "same"
    page.settings_panel.activation_combo.setCurrentIndex(page.settings_panel.activation_combo.findData("relu"))
    assert bar.activation_combo.currentData() == "relu"            # and the other way round
    state.undo_stack.undo()                                      # a bar change is an ordinary undo step
    assert bar.activation_combo.currentData() != "relu"


def test_the_slim_bar_fits_its_width_at_every_scale(qtbot, main_window):
    main_window.resize(1280, 720)
    main_window.set_presenter(True)
    bar = main_window.explorer.presenter_bar
    for factor in (1.0, 1.5, 2.0, 3.0):
        main_window.scale.set_factor(factor)
        _settle()
        for child in bar.findChildren(type(bar.leave_button)) + bar.findChildren(type(bar.stride_spin)):
            assert child.width() >= child.minimumSizeHint().width()
        for label in bar.labels():
            assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width(), (factor, label.text())
        assert bar.height() < main_window.height() / 4


# --- steps ----------------------------------------------------------------------------------------
def test_switching_the_stage_starts_at_its_first_step(qtbot, main_window):
    main_window.explorer_actions.open_sample("000-1")
    main_window.explorer.state.recompute_now()
    panel = _step_view(main_window)
    panel.player.end()
    assert panel.step == 15
    panel.stage_combo.setCurrentIndex(panel.stage_combo.findData("pool"))
    assert panel.stage == "pool" and panel.step == 0
    assert panel.output_view.text_at(0, 1) == ""                 # nothing filled in beyond the first cell
    panel.player.end()
    panel.stage_combo.setCurrentIndex(panel.stage_combo.findData("conv"))
    assert panel.step == 0


def test_a_new_or_redrawn_image_starts_at_step_one(qtbot, main_window):
    state = main_window.explorer.state
    main_window.explorer_actions.open_sample("000-1")
    state.recompute_now()
    panel = _step_view(main_window)
    panel.set_step(5)
    state.set_image(np.arange(64.0).reshape(8, 8), source="drawing")
    state.recompute_now()
    assert panel.step == 0 and panel.position_label.text().startswith("Step 1 of 36")
    panel.set_step(7)
    state.set_cell(2, 2, 99.0)                                   # redrawn in place
    state.recompute_now()
    assert panel.step == 0
    panel.set_stage("pool")
    panel.set_step(3)
    main_window.explorer_actions.open_sample("000-1")            # a new picture: step 1 of the convolution
    state.recompute_now()
    assert panel.stage == "conv" and panel.step == 0


def test_play_and_pause_keep_the_button_width(qtbot, main_window):
    main_window.explorer_actions.open_sample("000-1")
    main_window.explorer.state.recompute_now()
    panel = _step_view(main_window)
    for factor in (1.0, 2.0):
        main_window.scale.set_factor(factor)
        _settle()
        width = panel.play_button.width()
        x_after = panel.forward_button.x()
        panel.toggle_playing()
        _settle()
        assert panel.play_button.text() == "Pause"
        assert panel.play_button.width() == width and panel.forward_button.x() == x_after
        panel.toggle_playing()
        _settle()


# --- computed cells -------------------------------------------------------------------------------
def test_cells_not_computed_yet_differ_from_a_computed_zero(qtbot, main_window):
    state = main_window.explorer.state
    state.set_image(np.zeros((6, 6)), source="zeros")
    state.recompute_now()
    panel = _step_view(main_window)
    panel.set_step(0)
    view = panel.output_view
    assert view.text_at(0, 0) == "0" and view.text_at(0, 1) == ""
    image = view.grab().toImage()

    def cell(r, c) -> QImage:
        return image.copy(view.cell_rect(r, c).toRect().adjusted(2, 2, -2, -2))

    computed, pending = cell(0, 0), cell(1, 1)
    assert computed != pending
    colours = lambda img: {img.pixel(x, y) for x in range(img.width()) for y in range(img.height())}  # noqa: E731
    assert colours(computed) != colours(pending)
    assert len(colours(pending)) >= 2                            # dotted: a slot, not a flat colour
    assert colours(cell(2, 2)) == colours(pending)               # every pending cell alike
    panel.set_step(15)
    filled = view.grab().toImage().copy(view.cell_rect(1, 1).toRect().adjusted(4, 4, -4, -4))
    assert colours(filled) <= colours(computed.copy(2, 2, filled.width(), filled.height())) | colours(computed)
    assert view.text_at(1, 1) == "0"


def test_a_14x14_map_shows_its_numbers(qtbot, main_window):
    state = main_window.explorer.state
    state.set_image(np.arange(256.0).reshape(16, 16), source="ramp")
    state.recompute_now()
    panel = _step_view(main_window)
    panel.set_step(20)
    assert panel.output_view.values().shape == (14, 14)
    assert panel.output_view.number_pixel_size() >= 8


# --- fitting the room -----------------------------------------------------------------------------
def _map_of(state, side: int) -> None:
    """An image whose 3×3 convolution gives a side×side map."""
    rng = np.random.default_rng(side)
    state.set_image(np.round(rng.random((side + 2, side + 2)) * 255), source=f"map {side}")
    state.recompute_now()


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
@pytest.mark.parametrize("presenter", [True, False])
def test_the_number_font_never_shrinks_as_the_scale_grows(qtbot, main_window, size, presenter):
    main_window.resize(*size)
    main_window.set_presenter(presenter)
    panel = _step_view(main_window)

    def fonts() -> dict[int, tuple[int, int]]:
        """(output, input) number font pixel sizes for a 6×6 and a 16×16 map at the current scale."""
        sizes = {}
        for side in (6, 16):
            _map_of(main_window.explorer.state, side)
            panel.set_step(side + 1)
            _settle()
            sizes[side] = (panel.output_view.number_pixel_size(), panel.input_views[0].number_pixel_size())
        return sizes

    base = fonts()                                               # scale 1.0
    assert all(px >= 8 for pair in base.values() for px in pair), base
    for factor in (1.5, 2.0, 3.0):                               # a scale change re-polishes the whole app: few
        main_window.scale.set_factor(factor)
        _settle()
        grown = fonts()
        for side in (6, 16):
            assert grown[side][0] >= base[side][0] and grown[side][1] >= base[side][1], (side, factor, grown, base)
    main_window.scale.set_factor(1.0)


@pytest.mark.parametrize("sample", ["000-1", "001-7", "004"])
def test_the_arithmetic_is_never_cut(qtbot, main_window, sample):
    main_window.resize(1280, 720)
    main_window.set_presenter(True)
    main_window.explorer_actions.open_sample(sample)
    main_window.explorer.state.recompute_now()
    panel = _step_view(main_window)
    panel.set_step(4)
    label = panel.arithmetic.sum_label
    for factor in (1.0, 1.5, 2.0, 3.0):
        main_window.scale.set_factor(factor)
        _settle()
        assert label.text() and label.isVisible()
        assert label.height() >= label.heightForWidth(label.width()), (sample, factor)
        # every line fits the label's width (it wraps, never runs off the edge)
        fm = label.fontMetrics()
        widest_word = max(fm.horizontalAdvance(w) for w in label.text().split())
        assert widest_word <= label.width()
        # and the label lies inside the panel's scroll area (reachable, not drawn over other widgets)
        area = main_window.explorer.animation_scroll
        top_left = label.mapTo(area.widget(), QPoint(0, 0))
        assert top_left.x() >= 0 and top_left.x() + label.width() <= area.widget().width()


def test_wide_layout_only_when_the_three_columns_fit(qtbot, main_window):
    main_window.resize(1366, 768)
    main_window.set_presenter(True)
    main_window.explorer_actions.open_sample("000-1")
    main_window.explorer.state.recompute_now()
    panel = _step_view(main_window)
    for factor in (1.0, 2.0, 3.0):
        main_window.scale.set_factor(factor)
        _settle()
        body = panel.body
        assert body.widget().width() <= body.viewport().width() or body.horizontalScrollBar().isVisible()
        right = panel.output_view.mapTo(panel, QPoint(panel.output_view.width(), 0)).x()
        assert right <= panel.width() or body.horizontalScrollBar().isVisible(), factor


def test_screenshot_renders_the_presenter_view(tmp_path):
    path = tmp_path / "presenter.png"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-m", "cnn_explorer", "--screenshot", str(path), "--presenter",
                          "--sample", "000-1", "--step", "3", "--size", "1280x720", "--scale", "1.5"],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1280, 720)


def test_configure_window_applies_presenter(qtbot, main_window):
    from argparse import Namespace

    from cnn_explorer.ui.app import configure_window

    configure_window(main_window, Namespace(sample="000-1", presenter=True, step=3))
    assert main_window.explorer.is_presenter() and main_window.presenter_action.isChecked()
    assert main_window.explorer.animation_panel.step == 3


# --- scale changes without restyling the application (issue 11: repainted within 100 ms) ----------
def test_a_scale_change_keeps_the_style_sheet_and_scales_every_font_once(qtbot, main_window):
    from PySide6.QtWidgets import QAbstractSpinBox, QLabel, QLineEdit

    app = QApplication.instance()
    sheet = app.styleSheet()
    spins = main_window.explorer.findChildren(QAbstractSpinBox)
    labels = [w for w in main_window.findChildren(QLabel) if w.font().pointSizeF() > 0]
    before = {id(w): w.font().pointSizeF() for w in [*spins, *labels]}
    try:
        for factor in (2.0, 1.5, 3.0):
            main_window.scale.set_factor(factor)
            assert app.styleSheet() == sheet                # never re-polishes every widget
            for w in [*spins, *labels]:
                if w.font().pixelSize() > 0:
                    continue                                 # a view's own pixel font (it scales it itself)
                assert w.font().pointSizeF() == pytest.approx(before[id(w)] * factor)
            for spin in spins:                               # its line edit: scaled once, not twice
                assert spin.findChild(QLineEdit).font().pointSizeF() == pytest.approx(spin.font().pointSizeF())
        made_now = QLabel("made at 300%")                    # a widget made while zoomed gets the zoomed font
        assert made_now.font().pointSizeF() == pytest.approx(app.font().pointSizeF())
        made_now.deleteLater()
    finally:
        main_window.scale.set_factor(1.0)
    for w in [*spins, *labels]:
        assert w.font().pixelSize() > 0 or w.font().pointSizeF() == pytest.approx(before[id(w)])


def test_a_font_of_its_own_keeps_its_proportion(qtbot):
    from PySide6.QtWidgets import QLabel

    from cnn_explorer.ui.scale import PresenterScale

    heading, plain = QLabel("heading"), QLabel("plain")
    qtbot.addWidget(heading)
    qtbot.addWidget(plain)
    font = heading.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    heading.setFont(font)
    scale = PresenterScale()
    try:
        scale.set_factor(2.5)
        assert heading.font().pointSizeF() == pytest.approx(plain.font().pointSizeF() * 1.3)
    finally:
        scale.reset()


# --- the written-out sum fits the room the step view has ---------------------------------------------
def test_the_sum_shrinks_to_its_room_but_not_below_its_least_size(qtbot):
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFont, QFontMetrics

    from cnn_explorer.core.conv.convolution import ConvSettings, conv_step
    from cnn_explorer.ui.explorer.animation_arithmetic import SUM_MIN_PX, ArithmeticView

    view = ArithmeticView()
    qtbot.addWidget(view)
    view.set_scale(3.0)
    image = np.arange(100, 136, dtype=np.float64).reshape(6, 6)
    view.show_conv_step(conv_step(image, np.ones((3, 3)), ConvSettings(), 0, 0), (0.0, 255.0))
    label = view.sum_label
    assert label.text().endswith("= 963") and label.font().pixelSize() == 66   # 22 px at 300 %, no room set

    def need(width: int) -> int:
        flags = int(Qt.TextFlag.TextWordWrap)
        return QFontMetrics(label.font()).boundingRect(QRect(0, 0, width, 1 << 20), flags, label.text()).height()

    view.set_room(2000, 1000)                                # plenty of room: the full size
    assert label.font().pixelSize() == 66
    view.set_room(600, 120)
    assert SUM_MIN_PX < label.font().pixelSize() < 66 and need(600) <= 120
    fitted = label.font().pixelSize()                        # the largest that fits, to the pixel
    bigger = QFont(label.font())
    bigger.setPixelSize(fitted + 1)
    flags = int(Qt.TextFlag.TextWordWrap)
    assert QFontMetrics(bigger).boundingRect(QRect(0, 0, 600, 1 << 20), flags, label.text()).height() > 120
    assert label.minimumHeight() == label.fontMetrics().height()   # one line: the panel asks for the rest
    view.set_room(100, 10)                                   # no room at all: the least size, never less
    assert label.font().pixelSize() == SUM_MIN_PX


def test_the_step_view_fits_its_window_at_300_percent(qtbot, main_window):
    """1366x768 at 300 %, normal and presenter view: the whole sum is on screen, nothing scrolls away."""
    main_window.resize(1366, 768)
    main_window.explorer_actions.open_sample("000-1")
    main_window.explorer.state.recompute_now()
    panel = _step_view(main_window)
    panel.set_step(3)
    try:
        for presenter in (False, True):
            main_window.set_presenter(presenter)
            main_window.scale.set_factor(3.0)
            _settle(8)
            area = main_window.explorer.animation_scroll
            label = panel.arithmetic.sum_label
            assert panel.height() <= area.viewport().height(), presenter        # no vertical scrolling
            assert label.height() >= label.heightForWidth(label.width()), presenter
            bottom = label.mapTo(area.viewport(), QPoint(0, label.height())).y()
            assert bottom <= area.viewport().height(), presenter
            main_window.scale.set_factor(1.0)
            _settle()
    finally:
        main_window.set_presenter(False)


# --- the bar reads what is loaded -----------------------------------------------------------------
def test_the_slim_bar_reads_the_loaded_sample_and_kernel_and_follows_undo(qtbot, main_window):
    from cnn_explorer.ui.explorer.presenter_bar import sample_label

    page, state = main_window.explorer, main_window.explorer.state
    main_window.explorer_actions.open_sample("000-1")
    main_window.set_presenter(True)
    bar = page.presenter_bar
    assert bar.sample_combo.shown_text() == sample_label("000-1") == "6×6 example with the corner filter (slide 000-1)"
    assert bar.kernel_combo.shown_text() == "slide-corners"
    assert "Choose" not in bar.sample_combo.shown_text() + bar.kernel_combo.shown_text()
    bar.choose_sample("001-5")                                   # chosen in the bar itself
    assert bar.sample_combo.shown_text() == sample_label("001-5")
    assert bar.sample_combo.currentData() == "001-5"             # the list opens at it
    page.kernel_editor.set_preset("sharpen")                     # chosen elsewhere: the editing panel
    assert bar.kernel_combo.shown_text() == "sharpen" and bar.kernel_combo.currentData() == "sharpen"
    state.undo_stack.undo()
    assert bar.kernel_combo.shown_text() == state.kernel_names[0] != "sharpen"
    state.undo_stack.undo()
    assert bar.sample_combo.shown_text() == sample_label("000-1")
    assert bar.kernel_combo.shown_text() == "slide-corners"
    kernel = state.kernels[0].copy()
    kernel[0, 0] += 1
    state.set_kernel(0, kernel, "slide-corners (edited)")        # the user's own kernel: its name, no preset
    assert bar.kernel_combo.shown_text() == "slide-corners (edited)" and bar.kernel_combo.currentIndex() == -1
    main_window.explorer_actions.open_sample("004")               # a stack: the current tab's kernel
    assert bar.kernel_combo.shown_text() == "xo-diagonal (1 of 3)"
    page.kernel_editor.tabs.setCurrentIndex(2)
    assert bar.kernel_combo.shown_text() == "xo-anti-diagonal (3 of 3)"
    state.set_image(np.zeros((8, 8)), source="blank canvas")     # a new canvas
    assert bar.sample_combo.shown_text() == "Your drawing" and bar.sample_combo.currentIndex() == -1
    state.undo_stack.undo()
    assert bar.sample_combo.shown_text() == sample_label("004")


def test_the_slim_bar_paints_the_loaded_names_elided_to_its_boxes(qtbot, main_window):
    main_window.resize(1280, 720)
    main_window.explorer_actions.open_sample("000-1")
    main_window.set_presenter(True)
    main_window.scale.set_factor(2.0)
    _settle()
    combo = main_window.explorer.presenter_bar.sample_combo
    combo.resize(combo.minimumSizeHint().width(), combo.height())     # the narrowest it may get
    shown, painted = combo.shown_text(), combo.displayed_text()
    assert combo.fontMetrics().horizontalAdvance(shown) > combo.text_room()     # too long to show whole
    assert painted.endswith("…") and shown.startswith(painted[:-1])
    assert combo.fontMetrics().horizontalAdvance(painted) <= combo.text_room()
    assert shown in combo.toolTip()                              # the whole name on hover
    combo.resize(combo.fontMetrics().horizontalAdvance(shown) + 200, combo.height())
    assert combo.displayed_text() == shown                       # room enough: the whole name


def test_presenter_step_grids_show_all_their_rows_at_200_percent_on_1366x768(qtbot, main_window):
    """The reported scroll strip: Window / Kernel / Products showed 2 of their 3 rows, the input was cut."""
    main_window.resize(1366, 768)
    main_window.explorer_actions.open_sample("000-1")
    main_window.set_presenter(True)
    panel = _step_view(main_window)
    small = [view for view in panel.arithmetic.findChildren(type(panel.output_view)) if view.isVisible()]
    before = {id(v): v.cell_size() for v in small}
    main_window.scale.set_factor(2.0)
    _settle(8)
    viewport = panel.body.viewport()
    assert len(small) == 3
    for view in [*small, panel.input_views[0], panel.output_view]:
        top_left = view.mapTo(viewport, QPoint(0, 0))
        assert top_left.y() >= 0 and top_left.y() + view.height() <= viewport.height(), view.objectName()
    for view in small:
        r0, c0, rows, cols = view.visible_region()
        assert (rows, cols) == (3, 3)                                  # every row and column of the 3×3 grids
        assert view.cell_size() > before[id(view)]                     # and bigger than at 100 %
    r0, c0, rows, cols = panel.input_views[0].visible_region()
    assert rows >= 3 and r0 == 0                                       # the window's three rows in sight
    assert panel.body.verticalScrollBar().maximum() == 0               # nothing to scroll to
