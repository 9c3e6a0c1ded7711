"""The column-swap demo: trains the four runs on a worker, fills the table, stops within half a second."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from cnn_explorer.core.train.column_swap import SwapConfig, run_column_swap
from cnn_explorer.ui.demos.column_swap import ColumnSwapDemo
from cnn_explorer.ui.export.figure_export import figure_export_of


@pytest.fixture
def demo(qtbot):
    widget = ColumnSwapDemo()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def test_train_fills_the_table_with_the_four_accuracies(qtbot, demo):
    demo.set_params({"seed": 3, "epochs": 4, "shuffle": "pixels"})
    assert demo.table.item(0, 0).text() == "—" and "Press Train" in demo.state_label.text()
    with qtbot.waitSignal(demo.result_shown, timeout=60_000) as shown:
        qtbot.mouseClick(demo.train_button, Qt.MouseButton.LeftButton)
        assert demo.is_running() and demo.train_button.text() == "Stop"
    result = shown.args[0]
    assert result.config == SwapConfig(seed=3, epochs=4)
    qtbot.waitUntil(lambda: not demo.is_running(), timeout=5000)
    assert demo.train_button.text() == "Train" and demo.progress.value() == 1000
    assert demo.table.item(0, 0).text() == f"{result.accuracy[('cnn', 'original')] * 100:.1f}%"
    assert demo.table.item(1, 1).text() == f"{result.accuracy[('dense', 'shuffled')] * 100:.1f}%"
    grid = demo.accuracy_grid()
    assert grid.shape == (2, 2) and not (grid != grid).any()
    # the same settings again: shown at once from this session's result, no training
    demo.set_params({"seed": 0, "epochs": 4, "shuffle": "pixels"})
    demo.set_params({"seed": 3, "epochs": 4, "shuffle": "pixels"})
    assert not demo.is_running() and demo.result is result and "Trained before" in demo.state_label.text()


def test_default_claim_is_shown_from_core(qtbot, demo):
    result = run_column_swap(SwapConfig())          # cached by core: the demo shows it without training
    demo.set_params({"seed": 0, "epochs": 30, "shuffle": "pixels"})
    assert demo.result is result and not demo.is_running()
    assert demo.verdict.text().endswith("Shuffled, the CNN loses its advantage; the dense net does not care.")
    assert demo.table.item(1, 2).text() == "no change"
    assert figure_export_of(demo.table) is not None and figure_export_of(demo.pictures) is not None
    assert demo.pictures.values().shape == (8, 9, 9)


def test_space_starts_and_stops_within_half_a_second(qtbot, demo):
    demo.set_params({"seed": 11, "epochs": 500, "shuffle": "columns"})
    demo.activateWindow()
    demo.pictures.setFocus()
    qtbot.waitUntil(demo.pictures.hasFocus, timeout=2000)
    qtbot.keyClick(demo.pictures, Qt.Key.Key_Space)
    assert demo.is_running()
    qtbot.waitUntil(lambda: demo.progress.value() > 0, timeout=60_000)
    start = time.perf_counter()
    qtbot.keyClick(demo.pictures, Qt.Key.Key_Space)
    assert time.perf_counter() - start < 0.5
    assert not demo.is_running() and demo.train_button.text() == "Train" and "Stopped" in demo.state_label.text()


def test_changing_a_setting_stops_the_run(qtbot, demo):
    demo.set_params({"seed": 12, "epochs": 500, "shuffle": "pixels"})
    demo.train()
    qtbot.waitUntil(lambda: demo.progress.value() > 0, timeout=60_000)
    demo.epochs_spin.setValue(20)
    assert not demo.is_running() and demo.table.item(0, 0).text() == "—"
