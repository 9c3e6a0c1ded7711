"""Issue 12's Train page without traps, and issue 18's cancellation: dataset choice loads at once (cancellable,
the shown dataset stays), Resume to the planned epochs, "Train N more epochs", models folder, failed loads,
closing during a load that never ends."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from cnn_explorer.ui import lifecycle, model_folder
from cnn_explorer.ui import workers as workers_module
from cnn_explorer.ui.train import data_panel as dp

REAL_LOAD = dp.load_dataset


@pytest.fixture
def blocked(monkeypatch):
    """Loading "blocked" hangs in one uninterruptible read (it never checks ``cancel``) until ``release`` is set;
    every other name loads for real."""
    release = threading.Event()
    entered = threading.Event()

    def load(name, **kwargs):
        if name == "blocked":
            entered.set()
            release.wait(30)
            return REAL_LOAD("slashes", seed=kwargs.get("seed", 0))
        return REAL_LOAD(name, **kwargs)

    monkeypatch.setattr(dp, "load_dataset", load)
    yield release, entered
    release.set()


@pytest.fixture
def page(qtbot, temp_settings, blocked):
    from cnn_explorer.ui.train.page import TrainPage

    page = TrainPage(settings=temp_settings)
    qtbot.addWidget(page)
    page.resize(1366, 740)
    with qtbot.waitSignal(page.data_panel.dataset_loaded, timeout=60000):
        page.show()
    qtbot.waitUntil(lambda: not page.data_panel.is_loading(), timeout=10000)
    page.settings_form.set_values(epochs=3, batch_size=16, lr=0.01, optimizer="adam", seed=0, threads=1)
    yield page
    page.shutdown()
    blocked[0].set()
    qtbot.waitUntil(lambda: workers_module.abandoned_count() == 0, timeout=10000)


def _choose(panel, name: str) -> None:
    """What a user's pick in the dataset list does."""
    index = panel.combo.findData(name)
    panel.combo.setCurrentIndex(index)
    panel.combo.activated.emit(index)


def test_choosing_a_dataset_loads_and_previews_it_at_once(qtbot, page):
    panel = page.data_panel
    assert panel.dataset.name == "xo" and panel.source == "xo"
    with qtbot.waitSignal(panel.dataset_loaded, timeout=30000):
        _choose(panel, "shapes")
    qtbot.waitUntil(lambda: not panel.is_loading(), timeout=5000)
    ds = panel.dataset
    assert ds.name == "shapes" and panel.source == "shapes" and page.dataset_ref == "shapes"
    assert "shapes" in panel.summary.text() and f"{len(ds.train_y):,}" in panel.summary.text()
    assert all(f"{name}:&nbsp;" in panel.counts.text() for name in ds.class_names)
    assert page.state.spec.input_shape == ds.input_shape and page.train_button.isEnabled()
    assert panel.combo.currentData() == "shapes"


def test_a_load_that_never_ends_is_cancelled_at_once_and_the_shown_dataset_stays(qtbot, page, blocked):
    release, entered = blocked
    panel = page.data_panel
    panel._paths.append("blocked")  # as if opened with File… earlier
    panel._fill_combo_keep("xo")
    _choose(panel, "blocked")
    assert entered.wait(10)
    # while it loads: the preview and counts are still X/O's, and Train waits (it never trains on another set)
    assert panel.is_loading() and not panel.cancel_button.isHidden()
    assert panel.dataset.name == "xo" and "xo" in panel.summary.text()
    assert not page.train_button.isEnabled() and not page.resume_button.isEnabled()
    assert "still shows xo" in panel.message.text()
    began = time.perf_counter()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_loading(), timeout=500)
    latency = time.perf_counter() - began
    assert latency <= 0.5, f"cancel took {latency:.2f} s"
    assert panel.dataset.name == "xo" and panel.combo.currentData() == "xo"
    assert "cancelled" in panel.message.text() and "still using xo" in panel.message.text()
    assert page.train_button.isEnabled()
    # the abandoned thread ends by itself once its read returns; its dataset never replaces the shown one
    assert workers_module.abandoned_count() == 1
    release.set()
    qtbot.waitUntil(lambda: workers_module.abandoned_count() == 0, timeout=10000)
    qtbot.wait(50)
    assert panel.dataset.name == "xo"


def test_a_new_choice_replaces_a_load_in_progress(qtbot, page, blocked):
    release, entered = blocked
    panel = page.data_panel
    panel._paths.append("blocked")
    panel._fill_combo_keep("xo")
    _choose(panel, "blocked")
    assert entered.wait(10)
    with qtbot.waitSignal(panel.dataset_loaded, timeout=30000):
        _choose(panel, "shapes")
    qtbot.waitUntil(lambda: not panel.is_loading(), timeout=5000)
    assert panel.dataset.name == "shapes" and panel.source == "shapes"
    release.set()
    qtbot.waitUntil(lambda: workers_module.abandoned_count() == 0, timeout=10000)
    qtbot.wait(50)
    assert panel.dataset.name == "shapes"


def test_closing_during_a_load_that_never_ends_waits_under_a_second_and_destroys_no_thread(qtbot, temp_settings,
                                                                                           blocked):
    from cnn_explorer.ui.train.page import TrainPage

    release, entered = blocked
    page = TrainPage(settings=temp_settings)  # not the fixture's: this one is deleted, as a closed window's is
    with qtbot.waitSignal(page.data_panel.dataset_loaded, timeout=60000):
        page.show()
    qtbot.waitUntil(lambda: not page.data_panel.is_loading(), timeout=10000)
    page.data_panel._paths.append("blocked")
    page.load_dataset("blocked")
    assert entered.wait(10)
    began = time.perf_counter()
    assert page.shutdown() is False  # the read goes on: its thread is left to end by itself
    assert time.perf_counter() - began < 1.0
    running = [t for t in lifecycle.live_qthreads() if t.isRunning()]
    assert [t.objectName() for t in running] == ["dataset-loader"]
    page.close()
    shiboken6.delete(page)
    qtbot.wait(50)  # the page is gone; its loader's QThread is still alive and running, not destroyed
    assert running[0].isRunning()
    release.set()
    qtbot.waitUntil(lambda: not running[0].isRunning(), timeout=10000)
    qtbot.waitUntil(lambda: workers_module.abandoned_count() == 0, timeout=10000)


def test_resume_continues_a_stopped_run_to_its_planned_epochs(qtbot, page):
    page.settings_form.set_values(epochs=4, batch_size=32)
    assert page.resume_button.text() == "Train 4 more epochs" and not page.resume_button.isEnabled()
    qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.controller.trained is not None and len(page.controller.trained.history) >= 1,
                    timeout=60000)
    with qtbot.waitSignal(page.run_finished, timeout=2000):
        qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    done = page.controller.epochs_done()
    assert 1 <= done < 4
    assert "Stopping" not in page.run_label.text() and page.progress.format() == "stopped"
    assert page.run_label.text() == f"Stopped after {done} of 4 epochs"
    assert page.resume_button.text() == "Resume" and page.resume_button.isEnabled()
    page.settings_form.set_values(epochs=2)  # the plan stays the run's: Resume goes on to epoch 4
    assert page.resume_button.text() == "Resume"
    with qtbot.waitSignal(page.run_finished, timeout=60000) as blocker:
        qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True, ""]
    curves = page.live.curves
    assert len(page.controller.trained.history) == 4
    assert curves.data["train_acc"][0] == [1.0, 2.0, 3.0, 4.0]
    # the axis, the batch points and the progress bar end together at epoch 4
    assert max(curves.data["batch_loss"][0]) == pytest.approx(4.0)
    assert curves.loss_plot.viewRange()[0][1] == pytest.approx(4.0, rel=0.03)
    assert page.progress.value() == 1000
    # a finished run: the button trains the settings' epochs more, and does
    assert page.resume_button.text() == "Train 2 more epochs"
    with qtbot.waitSignal(page.run_finished, timeout=60000):
        qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    assert len(page.controller.trained.history) == 6
    assert curves.data["train_acc"][0] == [float(e) for e in range(1, 7)]
    assert max(curves.data["batch_loss"][0]) == pytest.approx(6.0) and page.progress.value() == 1000
    assert curves.loss_plot.viewRange()[0][1] == pytest.approx(6.0, rel=0.03)


def test_stop_with_a_big_batch_ends_the_run_within_half_a_second(qtbot, page):
    _choose(page.data_panel, "shapes")
    qtbot.waitUntil(lambda: page.data_panel.dataset.name == "shapes" and not page.data_panel.is_loading(),
                    timeout=60000)
    page.layer_list.presets.activated.emit(page.layer_list.presets.findData("lenet5"))
    page.settings_form.set_values(epochs=50, batch_size=256)
    qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.controller.trained is not None and page.controller.trained.steps >= 1,
                    timeout=60000)
    began = time.perf_counter()
    with qtbot.waitSignal(page.run_finished, timeout=2000) as blocker:
        qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    latency = time.perf_counter() - began
    assert blocker.args == [True, "cancelled"]
    assert latency <= 0.5, f"Stop took {latency:.2f} s"


def test_save_and_load_dialogs_use_the_models_folder_and_remember_it(qtbot, page, tmp_path, monkeypatch):
    monkeypatch.setattr(model_folder, "documents_dir", lambda: tmp_path / "docs")
    page.settings_form.set_values(epochs=1)
    with qtbot.waitSignal(page.run_finished, timeout=60000):
        qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
    models = tmp_path / "docs" / "CNN Explorer" / "models"
    elsewhere = tmp_path / "shared"
    elsewhere.mkdir()
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, filters: (asked.append(start), (str(elsewhere / "m.json"), ""))[1])
    old = os.umask(0o022)
    try:
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    finally:
        os.umask(old)
    assert asked == [str(models / "model.json")] and models.is_dir()
    assert "Saved" in page.run_message.text()
    for suffix in (".json", ".safetensors"):
        assert stat.S_IMODE(os.stat(elsewhere / f"m{suffix}").st_mode) == 0o644
    asked.clear()
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda parent, title, start, filters: (asked.append(start), ("", ""))[1])
    qtbot.mouseClick(page.load_button, Qt.MouseButton.LeftButton)
    assert asked == [str(elsewhere)]  # the folder last used


def test_a_failed_model_load_keeps_the_model_spec_and_curves(qtbot, page, tmp_path, monkeypatch):
    page.settings_form.set_values(epochs=1)
    with qtbot.waitSignal(page.run_finished, timeout=60000):
        qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
    trained, spec = page.controller.trained, page.state.spec
    points = page.live.curves.point_count("train_acc")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (str(broken), ""))
    qtbot.mouseClick(page.load_button, Qt.MouseButton.LeftButton)
    assert page.run_message.is_error and "broken.json" in page.run_message.text()
    assert "current model is kept" in page.run_message.text()
    assert page.controller.trained is trained and page.state.spec == spec
    assert page.live.curves.point_count("train_acc") == points
    assert page.save_button.isEnabled() and page.resume_button.isEnabled()
