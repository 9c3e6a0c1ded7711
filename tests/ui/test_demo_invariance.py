"""The pooling-invariance demo: its numbers are core's, the changed cells are outlined, keys, lessons, export."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnn_explorer.core.kernels.xo_invariance import x_invariance
from cnn_explorer.core.lessons.resolve import lesson_from_text
from cnn_explorer.ui.demos.invariance import PoolingInvarianceDemo
from cnn_explorer.ui.export.figure_export import figure_export_of


@pytest.fixture
def demo(qtbot):
    widget = PoolingInvarianceDemo()
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _table(demo) -> list[list[str]]:
    return [[demo.table.item(r, c).text() for c in range(demo.table.columnCount())] for r in range(3)]


def test_defaults_show_the_claim_with_cores_numbers(demo):
    assert demo.params() == {"transform": "shift-right", "feature": "diagonal", "amount": 1}
    rows = _table(demo)
    assert rows[0][:3] == ["Convolution (÷9)", "46 of 49", "94%"]
    assert rows[2][:3] == ["Max-pool 2×2", "9 of 16", "56%"]
    assert demo.verdict.text().startswith("Pooling helped: 56% of the pooled cells changed against 94%")
    core = x_invariance("shift-right", "diagonal", 1)
    assert np.array_equal(demo.figure.changed_cells("pool"), core.stage("pool").changed)
    assert np.array_equal(demo.figure.grids(1)[0], core.moved)
    assert demo.figure.row_titles() == ("Original", "Shifted 1 pixel right")


def test_controls_change_the_move_and_the_feature(qtbot, demo):
    demo.transform_combo.setCurrentIndex(demo.transform_combo.findData("shift-up"))
    demo.feature_combo.setCurrentIndex(demo.feature_combo.findData("x"))
    core = x_invariance("shift-up", "x", 1)
    assert _table(demo)[2][1] == f"{core.stage('pool').changed_count} of 16"
    assert np.array_equal(demo.figure.grids(1)[2], core.stage("pool").after)
    demo.transform_combo.setCurrentIndex(demo.transform_combo.findData("rotate"))
    assert demo.amount_label.text() == "Steps" and "Turned 15° counter-clockwise" == demo.figure.row_titles()[1]
    assert demo.verdict.text().startswith("Here pooling did not help (a turn")    # said plainly, not hidden


def test_keys_nudge_the_amount_and_home_resets(qtbot, demo):
    demo.activateWindow()
    demo.figure.setFocus()
    qtbot.waitUntil(demo.figure.hasFocus, timeout=2000)
    qtbot.keyClick(demo.figure, Qt.Key.Key_Right)
    assert demo.params()["amount"] == 2
    assert demo.figure.row_titles()[1] == "Shifted 2 pixels right"
    for _ in range(9):
        qtbot.keyClick(demo.figure, Qt.Key.Key_Left)
    assert demo.params()["amount"] == -4                  # stops at the end of the range, no error
    qtbot.keyClick(demo.figure, Qt.Key.Key_Home)
    assert demo.params()["amount"] == 1
    demo.amount_spin.setValue(0)
    assert demo.verdict.text().startswith("Nothing moved")


def test_lesson_step_opens_it_with_its_parameters_and_numbers(qtbot, main_window):
    lesson = lesson_from_text(
        "# Invariance\n\n## Pool\nShifted: {demo.conv.changed} of the conv cells changed, {demo.pool.changed} of "
        "the pooled.\n@demo pooling-invariance transform=shift-down feature=anti-diagonal\n")
    core = x_invariance("shift-down", "anti-diagonal", 1)
    assert f"{core.stage('pool').share * 100:.0f}%" in lesson.steps[0].text
    player = main_window.lesson_player()
    player.open_lesson(lesson)
    player.go(0)
    widget = main_window.demos_page().demo_widget("pooling-invariance")
    assert widget.params() == {"transform": "shift-down", "feature": "anti-diagonal", "amount": 1}
    player.close()


def test_figure_has_copy_and_save(demo):
    export = figure_export_of(demo.figure)
    assert export is not None and export.vector
    assert "diagonal feature, shifted 1 pixel right" in export.title()
    image = demo.figure.grab().toImage()
    assert image.width() > 300 and image.height() > 300


def test_the_figure_numbers_grow_with_the_presenter_scale(qtbot, main_window):
    """At 1366x768 the maps' numbers get bigger from 100 % to 200 % (the page scrolls rather than shrink them),
    and a wide window draws the moved X beside the original instead of leaving half the width empty."""
    main_window.resize(1366, 768)
    sizes = []
    for factor in (1.0, 1.5, 2.0):
        main_window.scale.set_factor(factor)
        demo = main_window.show_demo("pooling-invariance", list_shown=False)
        qtbot.wait(1)
        sizes.append(demo.figure.number_pixel_size())
    assert sizes[0] >= 8 and sizes[0] < sizes[1] < sizes[2]
    assert sizes[2] >= 14
    main_window.scale.set_factor(1.0)
    main_window.resize(1920, 1080)
    demo.figure.resize(1800, 600)
    assert demo.figure.is_wide() and demo.figure.number_pixel_size() >= sizes[0]
