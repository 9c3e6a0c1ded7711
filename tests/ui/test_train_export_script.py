"""The Train page's "Export training script…" button: the dialog (monkeypatched) names a file, the script is written
with the page's model, dataset and settings; cancelling writes nothing; a bad place gets a clear message."""

from __future__ import annotations

import runpy

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog


@pytest.fixture
def page(qtbot, temp_settings):
    """A shown TrainPage with the X/O dataset loaded; shut down after the test."""
    from cnn_explorer.ui.train.page import TrainPage

    page = TrainPage(settings=temp_settings)
    qtbot.addWidget(page)
    page.resize(1366, 740)
    with qtbot.waitSignal(page.data_panel.dataset_loaded, timeout=60000):
        page.show()
    qtbot.waitUntil(lambda: not page.data_panel.is_loading(), timeout=10000)
    page.layer_list.presets.activated.emit(page.layer_list.presets.findData("xo-tiny"))
    page.settings_form.set_values(epochs=7, batch_size=16, lr=0.02, optimizer="sgd", seed=4)
    yield page
    page.shutdown()


def _answer(monkeypatch, path):
    asked = []

    def dialog(parent, title, start, filters):
        asked.append((title, start, filters))
        return (str(path) if path else "", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    return asked


def test_the_button_writes_the_script_with_the_pages_model_data_and_settings(qtbot, page, tmp_path, monkeypatch):
    button = page.run_bar.export_script_button
    assert button.isEnabled() and button.text() == "Export training script…"
    asked = _answer(monkeypatch, tmp_path / "out" / "xo_job")  # no .py: added
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    script = tmp_path / "out" / "xo_job.py"
    assert asked[0][1] == "train_xo-tiny.py" and "*.py" in asked[0][2]
    assert script.is_file() and (tmp_path / "out" / "xo_job-data.npz").is_file()
    assert not page.run_message.is_error and str(script) in page.run_message.text()
    g = runpy.run_path(str(script), run_name="exported")
    args = g["parse_args"]([])
    assert (args.epochs, args.batch_size, args.lr, args.optimizer, args.seed) == (7, 16, 0.02, "sgd", 4)
    assert g["SPEC"] == page.state.spec.to_dict() and g["CLASS_NAMES"] == list(page.data_panel.dataset.class_names)
    data = np.load(tmp_path / "out" / "xo_job-data.npz")
    assert len(data["labels"]) == 600
    # the next dialog starts in the folder used last
    asked = _answer(monkeypatch, "")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked[0][1] == str(tmp_path / "out" / "train_xo-tiny.py")


def test_cancelling_writes_nothing_and_a_bad_place_says_why(qtbot, page, tmp_path, monkeypatch):
    _answer(monkeypatch, "")
    qtbot.mouseClick(page.run_bar.export_script_button, Qt.MouseButton.LeftButton)
    assert not list(tmp_path.rglob("*.py")) and not list(tmp_path.rglob("*.npz")) and not page.run_message.text()
    (tmp_path / "file").write_text("", encoding="utf-8")
    _answer(monkeypatch, tmp_path / "file" / "train.py")
    qtbot.mouseClick(page.run_bar.export_script_button, Qt.MouseButton.LeftButton)
    assert page.run_message.is_error and "is not a folder" in page.run_message.text()
    assert (tmp_path / "file").read_text(encoding="utf-8") == ""


def test_an_invalid_model_disables_the_button(qtbot, page):
    from dataclasses import replace

    from cnn_explorer.core.model.spec import Conv2D

    index = next(i for i, layer in enumerate(page.state.spec.layers) if isinstance(layer, Conv2D))
    page.state.set_layer(index, replace(page.state.spec.layers[index], kernel=(15, 15)), "kernel")
    assert page.state.error is not None
    assert not page.run_bar.export_script_button.isEnabled()


def test_the_export_button_never_clips_the_file_buttons(qtbot):
    """Wide: the long label beside Save/Load/Use in Classify; narrower: the short one; too narrow: its own row."""
    from cnn_explorer.ui.train.run_bar import EXPORT_LABELS, RunBar

    bar = RunBar()
    qtbot.addWidget(bar)
    bar.show()
    seen = []
    for width in range(1000, 340, -15):
        bar.resize(width, 200)
        qtbot.wait(5)
        button = bar.export_script_button
        state = (button.text(), bar.export_on_own_row())
        if not seen or seen[-1] != state:
            seen.append(state)
        for b in (bar.save_button, bar.load_button, bar.classify_button, button):
            assert b.width() >= b.sizeHint().width(), (width, b.text())
    assert seen == [(EXPORT_LABELS[0], False), (EXPORT_LABELS[1], False), (EXPORT_LABELS[0], True)]
    bar.resize(1200, 200)
    qtbot.wait(20)
    assert (bar.export_script_button.text(), bar.export_on_own_row()) == (EXPORT_LABELS[0], False)
