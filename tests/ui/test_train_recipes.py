"""The Train page's settings follow the model's recipe, mark what the user changed, and its results show the
reliability diagram of the calibrated model."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cnn_explorer.core.model.recipes import RECIPES


@pytest.fixture
def page(qtbot, temp_settings):
    from cnn_explorer.ui.train.page import TrainPage

    page = TrainPage(settings=temp_settings)
    qtbot.addWidget(page)
    page.resize(1366, 740)
    with qtbot.waitSignal(page.data_panel.dataset_loaded, timeout=60000):
        page.show()
    qtbot.waitUntil(lambda: not page.data_panel.is_loading(), timeout=10000)
    yield page
    page.shutdown()


def _choose_preset(page, name):
    page.layer_list.presets.activated.emit(page.layer_list.presets.findData(name))


def test_settings_show_the_presets_recipe_and_mark_changes(qtbot, page):
    form = page.settings_form
    xo = RECIPES["xo-tiny"]
    assert page.state.spec.name == "xo-tiny"
    assert (form.epochs.value(), form.batch.value(), form.optimizer.currentText()) == (xo.epochs, xo.batch_size,
                                                                                       xo.optimizer)
    assert float(form.lr.currentText()) == xo.lr and not form.augment.isChecked()
    assert "xo-tiny preset's recipe" in form.recipe_label.text() and not form.reset_button.isEnabled()
    assert form.changed_settings() == {}

    form.lr.setCurrentText("0.2")
    form.epochs.setValue(3)
    assert form.changed_settings() == {"lr": 0.2, "epochs": 3}
    label = form.layout().labelForField(form.lr)
    assert label.text().endswith("•") and label.font().bold() and "recipe: 0.05" in label.toolTip()
    assert not form.layout().labelForField(form.batch).font().bold()
    assert "2 changed by you" in form.recipe_label.text()
    config = form.config()
    assert (config.lr, config.epochs, config.batch_size) == (0.2, 3, xo.batch_size)

    qtbot.mouseClick(form.reset_button, Qt.MouseButton.LeftButton)
    assert form.changed_settings() == {} and form.epochs.value() == xo.epochs
    assert not form.layout().labelForField(form.lr).text().endswith("•")


def test_another_preset_resets_to_its_recipe_fitted_to_the_data(qtbot, page):
    form = page.settings_form
    form.lr.setCurrentText("0.2")
    _choose_preset(page, "mnist-fast")
    assert page.state.spec.name == "mnist-fast"
    fast = RECIPES["mnist-fast"]
    config = form.config()
    assert form.changed_settings() == {}
    assert (config.optimizer, config.lr, config.weight_decay, config.label_smoothing) == (
        fast.optimizer, fast.lr, fast.weight_decay, fast.label_smoothing)
    # the X/O grids are 9x9 and few: no augmentation, smaller batches, more epochs
    assert not config.augment and config.batch_size < fast.batch_size and config.epochs > fast.epochs
    assert "9-pixel images" in form.recipe_label.text()


def test_a_finished_run_is_calibrated_and_shows_its_reliability(qtbot, page, tmp_path):
    from cnn_explorer.core.train.checkpoints import load_model

    page.settings_form.set_values(epochs=2, threads=1)
    with qtbot.waitSignal(page.run_finished, timeout=60000) as blocker:
        qtbot.mouseClick(page.train_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True, ""]
    t = page.controller.trained.temperature
    assert t > 0 and t != 1.0  # fitted on the validation split
    bars = page.results.reliability.bars()
    assert sum(count for _, count, _, _ in bars) == 60  # every test image in some bin
    assert page.results.reliability.caption().startswith("ECE ")
    saved = page.save_model(tmp_path / "xo")
    assert load_model(saved).temperature == pytest.approx(t)
    assert page.controller.export_copy().temperature == pytest.approx(t)


def test_a_long_recipe_line_shows_all_its_lines(qtbot, page):
    form = page.settings_form
    for i in range(page.left_tabs.count()):
        if page.left_tabs.tabText(i).replace("&", "") == "Settings":
            page.left_tabs.setCurrentIndex(i)
    label = form.recipe_label
    label.setText("The xo-tiny preset's recipe (28-pixel pictures: augment on, lr 0.01, schedule onecycle; 200 epochs "
                  "instead of 10: 640 training images make only 20 steps an epoch), as it is")
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()) - 1, timeout=2000)
    assert label.heightForWidth(label.width()) > 2 * label.fontMetrics().height()    # it does wrap: 3+ lines


def test_fresh_data_follows_the_recipe_marks_a_change_and_shows_in_the_dataset_panel(qtbot, page):
    form, panel = page.settings_form, page.data_panel
    assert not form.fresh_data.isChecked() and not panel.fresh_data_shown()  # xo-tiny on xo: its X/O recipe
    with qtbot.waitSignal(panel.dataset_loaded, timeout=60000):
        page.load_dataset("shapes")
    assert form.fresh_data.isChecked() and form.fresh_data.isEnabled() and form.config().fresh_data
    assert panel.fresh_data_shown() and "fresh data" in panel.summary.text()
    assert "fresh data on" in form.recipe_label.text()

    qtbot.mouseClick(form.check_label(form.fresh_data), Qt.MouseButton.LeftButton)  # the user turns it off
    assert form.changed_settings() == {"fresh_data": False} and not form.config().fresh_data
    shown = form.check_label(form.fresh_data)
    assert shown.text() == "Fresh images every epoch •" and shown.font().bold()
    assert not panel.fresh_data_shown()
    qtbot.mouseClick(form.reset_button, Qt.MouseButton.LeftButton)
    assert form.fresh_data.isChecked() and shown.text() == "Fresh images every epoch" and not shown.font().bold()
    assert panel.fresh_data_shown()

    with qtbot.waitSignal(panel.dataset_loaded, timeout=60000):
        page.load_dataset("mnist-sample")  # cannot draw more of itself: off, and not offered
    assert not form.fresh_data.isEnabled() and not form.config().fresh_data and not panel.fresh_data_shown()
    assert "cannot draw more of itself" in form.recipe_label.text()
