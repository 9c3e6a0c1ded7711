"""Export from the window: File ▸ Export animation… / Export worksheet…, progress and Cancel, Copy arithmetic."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

from tests.ui.export_helpers import pdf_pages_text


@pytest.fixture
def corners_window(main_window):
    main_window.explorer_actions.open_sample("000-1")
    main_window.explorer.state.recompute_now()
    QApplication.processEvents()
    return main_window


@pytest.fixture
def out_dir(tmp_path):
    """A folder of its own for exported files (the window's settings file lives in tmp_path)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def _menu_texts(window, title: str) -> list[str]:
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == title:
            return [a.text().replace("&", "") for a in action.menu().actions()]
    raise AssertionError(title)


def test_menus_and_button(corners_window):
    w = corners_window
    assert "Export animation…" in _menu_texts(w, "File") and "Export worksheet…" in _menu_texts(w, "File")
    assert "Copy arithmetic" in _menu_texts(w, "Edit") and "Copy arithmetic as LaTeX" in _menu_texts(w, "Edit")
    button = w.explorer.animation_panel.controls.export_button
    assert button.defaultAction() is w.export_actions.export_animation_action
    label = w.explorer.animation_panel.arithmetic.sum_label
    assert w.export_actions.copy_latex_action in label.actions()


def test_export_animation_from_the_window(qtbot, corners_window, out_dir):
    w = corners_window
    panel = w.explorer.animation_panel
    panel.set_stage("pool")
    w.export_actions.export_animation_action.trigger()
    dialog = w.export_actions.dialog
    assert dialog.stage_combo.currentData() == "pool"            # the dialog starts from what the step view shows
    dialog.set_frame_size(640, 480)
    dialog.path_row.edit.setText(str(out_dir / "pool.webp"))
    with qtbot.waitSignal(w.export_actions.export_finished, timeout=20000) as done:
        dialog.export_button.click()
    assert done.args[0] is True and "4 frames" in done.args[1]
    with Image.open(out_dir / "pool.webp") as im:
        assert im.n_frames == 4 and im.size == (640, 480)
    assert "Exported 4 frames to pool.webp" in w.statusBar().currentMessage()


def test_bad_path_keeps_the_dialog_open(qtbot, corners_window, out_dir):
    w = corners_window
    w.export_actions.export_animation_action.trigger()
    dialog = w.export_actions.dialog
    dialog.path_row.edit.setText(str(out_dir / "nowhere" / "a.gif"))
    dialog.export_button.click()
    assert dialog.isVisible() and "does not exist" in dialog.error.text()
    dialog.path_row.edit.setText(str(out_dir / "a.mp4"))
    dialog.export_button.click()
    assert dialog.isVisible() and ".gif" in dialog.error.text()
    dialog.reject()
    assert not w.export_actions.is_exporting() and list(out_dir.iterdir()) == []


def test_cancel_leaves_no_file(qtbot, corners_window, out_dir):
    w = corners_window
    w.export_actions.export_animation_action.trigger()
    dialog = w.export_actions.dialog
    dialog.set_frame_size(1920, 1080)
    dialog.path_row.edit.setText(str(out_dir / "conv.gif"))
    with qtbot.waitSignal(w.export_actions.export_finished, timeout=20000) as done:
        dialog.export_button.click()
        progress = next(d for d in w.findChildren(QProgressDialog) if d.isVisible())
        progress.findChild(QPushButton).click()          # its Cancel button
    assert done.args == [True, "cancelled"]
    assert list(out_dir.iterdir()) == []
    assert "nothing was written" in w.statusBar().currentMessage()


def test_copy_arithmetic_text_and_latex(corners_window):
    w = corners_window
    w.explorer.animation_panel.set_step(0)
    w.export_actions.copy_arithmetic_action.trigger()
    assert QGuiApplication.clipboard().text() == "18×1 + 54×0 + 51×1 + 55×0 + 121×1 + 75×0 + 35×1 + 24×0 + 204×1 = 429"
    w.export_actions.copy_latex_action.trigger()
    assert QGuiApplication.clipboard().text().startswith("18 \\times 1 + 54 \\times 0")
    assert "Copied the arithmetic of output (row 0, col 0) as LaTeX" in w.statusBar().currentMessage()


def test_export_worksheet_current_and_random(qtbot, corners_window, out_dir):
    w = corners_window
    w.export_actions.export_worksheet_action.trigger()
    dialog = w.export_actions.dialog
    assert dialog.current_radio.isChecked()
    dialog.path_row.edit.setText(str(out_dir / "corners.pdf"))
    with qtbot.waitSignal(w.export_actions.export_finished, timeout=20000) as done:
        dialog.export_button.click()
    assert done.args[0] is True
    exercise, key = pdf_pages_text(out_dir / "corners.pdf")
    assert "429" in key and "429" not in exercise
    assert "Max-pool the feature map" in exercise and "max(429, 505, 261, 792) = 792" in key
    w.export_actions.export_worksheet_action.trigger()
    dialog = w.export_actions.dialog
    dialog.steps_check.setChecked(False)                 # the convolution alone
    dialog.path_row.edit.setText(str(out_dir / "conv-only.pdf"))
    with qtbot.waitSignal(w.export_actions.export_finished, timeout=20000):
        dialog.export_button.click()
    exercise, key = pdf_pages_text(out_dir / "conv-only.pdf")
    assert "Max-pool" not in exercise and "max(" not in key and "429" in key
    w.export_actions.export_worksheet_action.trigger()
    dialog = w.export_actions.dialog
    dialog.random_radio.setChecked(True)
    dialog.seed_spin.setValue(9)
    dialog.size_spin.setValue(12)
    dialog.padding_spin.setValue(1)                  # 14×14 with its padding: too large for a page
    dialog.path_row.edit.setText(str(out_dir / "random.pdf"))
    dialog.export_button.click()
    assert dialog.isVisible() and "at most 12×12" in dialog.error.text()
    dialog.padding_spin.setValue(0)
    with qtbot.waitSignal(w.export_actions.export_finished, timeout=20000):
        dialog.export_button.click()
    assert "seed 9" in pdf_pages_text(out_dir / "random.pdf")[0]
