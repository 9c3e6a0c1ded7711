"""TrainPage: build the X/O preset, train it live, stop, shut down, invalid layers, code view, hand-made kernels."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from cnn_explorer.core.model.spec import Conv2D, validate
from cnn_explorer.ui import lifecycle


@pytest.fixture
def page(qtbot, temp_settings):
    """A shown TrainPage with the X/O dataset loaded and the xo-tiny preset; shut down after the test."""
    from cnn_explorer.ui.train.page import TrainPage

    page = TrainPage(settings=temp_settings)
    qtbot.addWidget(page)
    page.resize(1366, 740)
    with qtbot.waitSignal(page.data_panel.dataset_loaded, timeout=60000):
        page.show()
    qtbot.waitUntil(lambda: not page.data_panel.is_loading(), timeout=10000)
    # one CPU thread: on a small shared machine that is the fastest and steadiest
    page.settings_form.set_values(epochs=3, batch_size=16, lr=0.01, optimizer="adam", seed=0, threads=1)
    yield page
    page.shutdown()


def _train(qtbot, page, timeout=60000):
    with qtbot.waitSignal(page.run_finished, timeout=timeout) as blocker:
        qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
    return blocker.args


def _conv1_weight(page):
    from cnn_explorer.core.model.build import conv_layers

    return conv_layers(page.controller.trained.model)[0][1].weight.detach().cpu().numpy()


def test_xo_preset_trains_live_and_shows_results(qtbot, page):
    page.layer_list.presets.activated.emit(page.layer_list.presets.findData("xo-tiny"))
    assert page.state.spec.name == "xo-tiny"
    assert page.state.spec.input_shape == (9, 9, 1)
    assert page.train_button.isEnabled()
    ok, message = _train(qtbot, page)
    assert (ok, message) == (True, "")
    curves = page.live.curves
    assert curves.point_count("batch_loss") > 0
    assert curves.point_count("train_acc") == 3
    assert curves.point_count("val_acc") == 3
    assert "Test accuracy" in page.results.accuracy_label.text()
    assert page.results.confusion.matrix.sum() == 60  # the xo test split
    assert page.timeline.frame_count() > 2
    assert page.timeline.history[0][0] == 0  # the untrained filters come first
    assert page.live.activations.layer_names() == ["conv1"]
    assert page.save_button.isEnabled() and page.classify_button.isEnabled() and page.resume_button.isEnabled()
    # the run trained on one CPU thread (the fixture's settings): the window's share of a core follows
    from cnn_explorer.core.train.devices import physical_cores
    from cnn_explorer.ui.train.update_budget import share_for

    assert page.budget.share == share_for(1)
    got = []
    page.model_trained.connect(got.append)
    page.use_in_classify()
    assert got and got[0].class_names == ("X", "O") and not got[0].model.training

    # Resume continues the same model: the epoch curves go on from epoch 3. On a thread per core (auto)
    # training keeps every core busy, and the window's share shrinks
    page.settings_form.set_values(threads=0)
    with qtbot.waitSignal(page.run_finished, timeout=60000):
        qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    assert curves.data["train_acc"][0] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert len(page.controller.trained.history) == 6
    assert page.budget.share == share_for(physical_cores())
    if 1 < physical_cores() == os.cpu_count():
        assert page.budget.share < share_for(1)


def test_stop_mid_run_ends_the_worker_within_a_second(qtbot, page):
    page.settings_form.set_values(epochs=500)
    qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.controller.trained is not None and page.controller.trained.steps > 3,
                    timeout=60000)
    page.live.curves.add_batch(0.01, 2.0, 0.5)  # as if a record had just arrived, not drawn yet
    with qtbot.waitSignal(page.run_finished, timeout=1000) as blocker:
        qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True, "cancelled"]
    assert not page.is_training()
    assert "Stopped" in page.run_message.text()
    # every point that arrived is drawn, though the run sent no last record
    curves = page.live.curves
    drawn = curves.drawn_x("batch_loss")
    assert drawn is not None and len(drawn) == curves.point_count("batch_loss") > 0
    assert page.train_button.isEnabled() and page.resume_button.isEnabled()


def test_shutdown_while_training_leaves_no_thread_running(qtbot, page):
    page.settings_form.set_values(epochs=500)
    qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.controller.trained is not None and page.controller.trained.steps > 0,
                    timeout=60000)
    assert page.shutdown() is True
    assert not any(t.isRunning() for t in lifecycle.live_qthreads())


def test_deleting_a_training_page_without_shutdown_joins_its_thread(qtbot, temp_settings):
    import shiboken6

    from cnn_explorer.ui.train.page import TrainPage

    page = TrainPage(settings=temp_settings)
    with qtbot.waitSignal(page.data_panel.dataset_loaded, timeout=60000):
        page.show()
    qtbot.waitUntil(lambda: not page.data_panel.is_loading(), timeout=10000)
    page.settings_form.set_values(epochs=500, batch_size=16)
    page.train()
    qtbot.waitUntil(lambda: page.controller.trained is not None and page.controller.trained.steps > 0,
                    timeout=60000)
    shiboken6.delete(page)
    assert not any(t.isRunning() for t in lifecycle.live_qthreads())


def test_an_invalid_layer_disables_train_and_shows_the_engines_message(qtbot, page):
    page.layer_list.list.setCurrentRow(0)
    kernel = page.layer_form.fields["kernel"]
    kernel.h.setValue(11)  # 9x9 input, 11x11 kernel: the map would shrink below 1x1
    assert page.state.spec.layers[0].kernel == (11, 11)
    error = page.state.error
    assert error is not None and error.layer_index == 0 and "layer 1 (Conv2D)" in str(error)
    assert not page.train_button.isEnabled()
    assert "layer 1 (Conv2D)" in page.train_button.toolTip()
    item = page.layer_list.list.item(0)
    assert item.toolTip() == str(error) and item.text().startswith("⚠")
    assert page.spec_message.is_error and str(error) in page.spec_message.text()
    assert "cannot be built" in page.code_view.pytorch.toPlainText()
    # fixing it (or undoing) enables Train again
    page.undo_stack.undo()
    assert page.state.error is None and page.train_button.isEnabled()
    assert not page.layer_list.list.item(0).text().startswith("⚠")


def test_code_view_and_shape_table_follow_an_edit(qtbot, page):
    assert "nn.Conv2d(1, 3, kernel_size=3)" in page.code_view.pytorch.toPlainText()
    page.layer_list.list.setCurrentRow(0)
    page.layer_form.fields["filters"].setValue(5)
    assert page.state.spec.layers[0].filters == 5
    assert "nn.Conv2d(1, 5, kernel_size=3)" in page.code_view.pytorch.toPlainText()
    assert "layers.Conv2D(5, (3, 3)" in page.code_view.keras.toPlainText()
    assert page.shape_table.output_shapes()[1] == "7x7x5"
    page.code_view.tabs.setCurrentIndex(1)
    page.code_view.copy()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == page.code_view.keras.toPlainText()


def test_add_move_and_remove_layers(qtbot, page):
    from cnn_explorer.core.model.spec import Dropout

    page.layer_list.list.setCurrentRow(1)  # after the pooling layer
    page.layer_list.add_layer(Dropout(0.25))
    assert [type(l).__name__ for l in page.state.spec.layers] == ["Conv2D", "MaxPool", "Dropout", "Flatten", "Dense"]
    assert page.layer_list.current_index() == 2
    page.layer_list.move_current(-1)
    assert type(page.state.spec.layers[1]).__name__ == "Dropout"
    page.layer_list.remove_current()
    assert [type(l).__name__ for l in page.state.spec.layers] == ["Conv2D", "MaxPool", "Flatten", "Dense"]
    validate(page.state.spec)
    page.undo_stack.undo()
    assert type(page.state.spec.layers[1]).__name__ == "Dropout"


def _three_kernels():
    from cnn_explorer.core.kernels.library import PRESETS

    return [(n, np.asarray(PRESETS[n].values, np.float32)) for n in ("xo-diagonal", "xo-x", "xo-anti-diagonal")]


def test_frozen_explorer_kernels_stay_unchanged_through_training(qtbot, page):
    kernels = _three_kernels()
    page.set_kernel_provider(lambda: kernels)
    assert page.kernels_panel.load_explorer_kernels(frozen=True)
    ok, _ = _train(qtbot, page)
    assert ok
    w = _conv1_weight(page)
    np.testing.assert_array_equal(w[:, 0], np.stack([k for _, k in kernels]))
    assert page.timeline.history[0][1][:, 0].tolist() == w[:, 0].tolist()
    # trainable kernels are only a starting point: they change
    assert page.kernels_panel.load_explorer_kernels(frozen=False)
    ok, _ = _train(qtbot, page)
    assert ok and not np.array_equal(_conv1_weight(page)[:, 0], np.stack([k for _, k in kernels]))


def test_frozen_kernels_filling_some_filters_keep_only_those(qtbot, page):
    kernels = _three_kernels()[:2]  # two kernels, three filters
    assert page.kernels_panel.load_kernels(kernels, frozen=True)
    ok, _ = _train(qtbot, page)
    assert ok
    w = _conv1_weight(page)
    np.testing.assert_array_equal(w[:2, 0], np.stack([k for _, k in kernels]))
    assert not np.array_equal(w[2], page.timeline.history[0][1][2])  # the random third filter learned


def test_a_kernel_of_another_size_offers_to_set_the_layers_kernel(qtbot, page):
    five = np.ones((5, 5), np.float32)
    assert not page.kernels_panel.load_kernels([("box5", five)], frozen=True)
    assert "5x5" in page.kernels_panel.message.text() and "3x3" in page.kernels_panel.message.text()
    assert not page.train_button.isEnabled()
    assert page.kernels_panel.fix_button.isVisibleTo(page.kernels_panel)
    qtbot.mouseClick(page.kernels_panel.fix_button, Qt.MouseButton.LeftButton)
    first = page.state.spec.layers[0]
    assert isinstance(first, Conv2D) and first.kernel == (5, 5)
    assert page.kernels_panel.is_valid() and page.train_button.isEnabled()


def test_diverging_training_says_so_and_keeps_the_last_good_model(qtbot, page):
    page.settings_form.set_values(optimizer="sgd", lr=1e30, epochs=2)
    ok, message = _train(qtbot, page)
    assert not ok and "training diverged: lower the learning rate" in message
    assert page.run_message.is_error and "kept" in page.run_message.text()
    assert np.isfinite(_conv1_weight(page)).all()
    assert page.train_button.isEnabled()


def test_drawing_a_probe_while_training_updates_its_feature_maps(qtbot, page):
    page.settings_form.set_values(epochs=500)
    qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.live.activations.serial >= 0, timeout=60000)
    canvas = page.live.canvas
    qtbot.mouseClick(page.live.clear_button, Qt.MouseButton.LeftButton)
    rect = canvas.image_rect()
    centre = QPoint(int(rect.center().x()), int(rect.center().y()))
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(canvas, centre + QPoint(10, 10))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=centre + QPoint(10, 10))
    drawn = canvas.image()
    assert drawn.sum() > 0
    serial, image = page.controller.probe.get()
    np.testing.assert_array_equal(image, drawn)
    qtbot.waitUntil(lambda: page.live.activations.serial == serial, timeout=10000)
    assert page.is_training()
    page.stop_training()
    qtbot.waitUntil(lambda: not page.is_training(), timeout=10000)


def test_save_and_load_a_trained_model(qtbot, page, tmp_path):
    ok, _ = _train(qtbot, page)
    assert ok
    saved = page.save_model(tmp_path / "xo.json")
    assert saved.is_file() and (tmp_path / "xo.safetensors").is_file()
    before = _conv1_weight(page).copy()
    spec = page.state.spec
    page.layer_list.presets.activated.emit(page.layer_list.presets.findData("lenet5"))
    assert page.state.spec != spec
    page.load_model(tmp_path / "xo")
    assert page.state.spec.layers == spec.layers
    np.testing.assert_array_equal(_conv1_weight(page), before)
    assert page.live.curves.point_count("train_acc") == 3
    assert page.resume_button.isEnabled()


def test_a_bad_folder_gives_a_clear_message_and_keeps_the_dataset(qtbot, page, tmp_path):
    (tmp_path / "empty").mkdir()
    with qtbot.waitSignal(page.data_panel.loading_changed, timeout=10000, check_params_cb=lambda b: not b):
        page.load_dataset(str(tmp_path / "empty"))
    assert page.data_panel.message.is_error
    assert "still using xo" in page.data_panel.message.text()
    assert page.data_panel.dataset.name == "xo"
    assert page.train_button.isEnabled()


def test_dragging_a_row_reorders_the_layers(qtbot, page):
    from PySide6.QtCore import QModelIndex

    before = page.state.spec.layers
    model = page.layer_list.list.model()
    assert model.moveRow(QModelIndex(), 0, QModelIndex(), 2)  # what a drop does: Conv2D goes below MaxPool
    assert page.state.spec.layers[:2] == (before[1], before[0])
    assert page.layer_list.list.item(1).text().startswith("2  Conv2D")
    assert page.state.error is None  # MaxPool 9x9 -> 5x5, Conv 3x3 -> 3x3x3: still a valid model


def test_the_page_module_imports_without_torch():
    import subprocess
    import sys

    code = ("import sys\nimport cnn_explorer.ui.train.page\n"
            "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_the_update_budget_spaces_redraws_and_stretches_them_when_the_gui_thread_is_busy():
    from cnn_explorer.ui.train.update_budget import UpdateBudget

    clock = {"wall": 0.0, "cpu": 0.0}
    budget = UpdateBudget(0.04, clock=lambda: clock["wall"], cpu=lambda: clock["cpu"])
    budget.add_view("curves", 0.4, 0.5)
    budget.add_view("maps", 0.5, 1.0)
    budget.start()
    assert budget.due("curves", 0.0) and budget.due("maps", 0.0)
    budget.spent("maps", 0.001, 0.0)
    assert not budget.due("maps", 0.3) and budget.due("maps", 0.5)
    # the GUI thread busy 12% of the time (3x its share): intervals stretch, never past the longest
    for t in (0.6, 1.2, 1.8, 2.4, 3.0):
        clock["cpu"] = 0.12 * t
        budget.due("curves", t)
    assert budget.pressure > 2.0
    assert budget.interval("maps") == 1.0 and budget.interval("curves") == 0.5
    # idle again: back to the shortest
    for t in (3.6, 4.2, 4.8, 5.4, 6.0, 6.6, 7.2, 7.8):
        budget.due("curves", t)
    assert budget.pressure < 1.1 and budget.interval("curves") == pytest.approx(0.4, abs=0.01)
    # a view may use at most its part of the share: 15 ms * 2 views / 4% = 0.75 s between redraws
    for _ in range(30):
        budget.spent("maps", 0.015, 8.0)
    assert budget.interval("maps") == pytest.approx(0.75, abs=0.01)
    budget.spent("curves", 0.005, 8.0)
    assert budget.interval("curves") == 0.4  # 5 ms * 2 views / 4% = 0.25 s: the shortest, 0.4 s, wins


def test_the_update_budget_settles_where_the_gui_thread_uses_its_share():
    from cnn_explorer.ui.train.update_budget import UpdateBudget

    # a GUI thread whose work shrinks as the intervals stretch: 12% of a core at the shortest intervals
    clock = {"wall": 0.0, "cpu": 0.0}
    budget = UpdateBudget(0.03, clock=lambda: clock["wall"], cpu=lambda: clock["cpu"])
    budget.add_view("curves", 0.4, 10.0)
    budget.start()
    for _ in range(40):
        clock["cpu"] += 0.5 * 0.12 / budget.pressure
        clock["wall"] += 0.5
        budget.due("curves")
    assert budget.pressure == pytest.approx(4.0, rel=0.05)  # 12% / 4 = the 3% share
    assert budget.interval("curves") == pytest.approx(1.6, rel=0.05)


def test_the_gui_share_is_small_only_when_training_keeps_every_core_busy():
    from cnn_explorer.ui.train.update_budget import (
        GUI_SHARE,
        SPARE_CORE_SHARE,
        share_for,
    )

    assert share_for(2, cores=2) == GUI_SHARE == 0.02
    assert share_for(1, cores=2) == share_for(4, cores=8) == SPARE_CORE_SHARE  # a core left for the window
    assert share_for(0, cores=2) == SPARE_CORE_SHARE  # a GPU run


def test_a_hidden_live_tab_draws_nothing_while_training_and_everything_when_shown(qtbot, page):
    page.layer_list.presets.activated.emit(page.layer_list.presets.findData("xo-tiny"))
    with qtbot.waitSignal(page.run_finished, timeout=60000):
        qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
        page.right_tabs.setCurrentIndex(1)  # the filter timeline, before any record arrives
    assert page.live.curves.point_count("batch_loss") > 0  # the data were kept ...
    assert page.live.filters.count() == 0  # ... but nothing was drawn
    assert page.live.curves.drawn_x("batch_loss") is None
    page.right_tabs.setCurrentWidget(page.live)
    assert page.live.filters.count() == len(_conv1_weight(page))
    assert len(page.live.curves.drawn_x("batch_loss")) == page.live.curves.point_count("batch_loss")
    assert page.live.activations.layer_names() == ["conv1"]


def test_a_long_download_stops_at_its_next_chunk_when_cancelled(qtbot, monkeypatch):
    """Shutting the page down mid-download must not leave the loader thread running."""
    import time as _time

    from cnn_explorer.ui.train import data_panel as dp

    chunks = []

    def slow_download(name, *, seed=0, download=False, progress=None, cancel=None):
        for i in range(10_000):  # 100 s if nobody stops it
            _time.sleep(0.01)
            chunks.append(i)
            progress(i, 10_000, f"downloading {name}")
        raise AssertionError("the download was never cancelled")

    monkeypatch.setattr(dp, "load_dataset", slow_download)
    panel = dp.DataPanel()
    qtbot.addWidget(panel)
    panel.load("mnist")
    qtbot.waitUntil(lambda: len(chunks) > 3, timeout=5000)
    started = _time.perf_counter()
    assert panel.jobs.shutdown(2000)
    assert _time.perf_counter() - started < 1.0
    qtbot.waitUntil(lambda: not panel.is_loading(), timeout=2000)
    assert "cancelled" in panel.message.text()


def test_eta_reads_in_seconds_then_minutes():
    from cnn_explorer.ui.train.live_updates import format_eta

    assert format_eta(float("inf")) == format_eta(float("nan")) == "…"
    assert format_eta(41.6) == "42 s"
    assert format_eta(187) == "3 min 07 s"


def test_the_run_bar_starts_ready(qtbot):
    from cnn_explorer.ui.train.run_bar import RunBar

    bar = RunBar()
    qtbot.addWidget(bar)
    assert bar.progress.format() == "ready" and bar.progress.value() == 0
    assert bar.train_button.text() == "▶ Train" and bar.run_label.text() == ""


def test_live_updates_keep_the_data_while_hidden_and_draw_them_when_shown(qtbot):
    from types import SimpleNamespace

    from cnn_explorer.ui.train.live_updates import LiveUpdates
    from cnn_explorer.ui.train.live_view import LiveView
    from cnn_explorer.ui.train.run_bar import RunBar
    from cnn_explorer.ui.train.timeline import TimelineView

    live, timeline, bar = LiveView(), TimelineView(), RunBar()
    for w in (live, timeline, bar):
        qtbot.addWidget(w)
    updates = LiveUpdates(SimpleNamespace(filter_history=[]), live, timeline, bar.progress, bar.run_label)
    record = SimpleNamespace(train_loss=0.5, train_accuracy=0.8, val_loss=0.6, val_accuracy=0.75)
    update = SimpleNamespace(kind="epoch", epoch=1, step=10, steps_per_epoch=10, record=record, probe=None,
                             filters=None)
    updates.show(update, ("x", "o"))
    assert bar.run_label.text() == "Epoch 1: training accuracy 80.0%, validation 75.0%"
    assert live.curves.point_count("train_loss") == 1 and live.curves.drawn_x("train_loss") is None
    live.show()
    qtbot.waitExposed(live)
    updates.refresh()
    assert list(live.curves.drawn_x("train_loss")) == [1.0]


def test_the_probe_refresh_waits_for_a_trained_model_and_no_run(qtbot):
    from types import SimpleNamespace

    from cnn_explorer.ui.train.live_view import LiveView
    from cnn_explorer.ui.train.probe_refresh import ProbeRefresh

    drawn = []
    controller = SimpleNamespace(trained=None, is_running=lambda: False,
                                 probe=SimpleNamespace(set=drawn.append, get=lambda: (0, None)))
    live = LiveView()
    qtbot.addWidget(live)
    refresh = ProbeRefresh(controller, live)
    refresh.probe_changed("image")
    assert drawn == ["image"]  # the next run starts with it ...
    qtbot.wait(120)
    assert live.activations.layer_names() == []  # ... and without a model there is nothing to show
