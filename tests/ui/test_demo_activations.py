"""The activations demo: the values at x (spin box, keys), softmax bars of editable logits, the four costs, and
clear messages for numbers that cannot be used (the last good ones stay)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cnn_explorer.ui.demos.activations import ActivationsDemo


@pytest.fixture
def demo(qtbot):
    w = ActivationsDemo()
    qtbot.addWidget(w)
    w.resize(1200, 900)
    w.show()
    return w


def test_the_defaults_show_the_lessons_numbers(qtbot, demo):
    shown = demo.shown_values()
    assert shown["sigmoid"] == "Sigmoid(1) = 0.7311" and shown["tanh"] == "Tanh(1) = 0.7616"
    assert shown["relu"] == "ReLU(1) = 1"
    assert shown["softmax"] == "0.659, 0.2424, 0.0986"
    assert (shown["mse"], shown["rmse"], shown["binary"], shown["categorical"]) == ("0.0467", "0.216", "0.2284",
                                                                                     "0.3567")
    assert "Σp = 1" in demo.softmax_text.text()


def test_x_moves_with_the_spin_box_the_keys_and_the_line(qtbot, demo):
    demo.x_spin.setValue(-2.0)
    assert demo.shown_values()["relu"] == "ReLU(−2) = 0"
    assert demo.shown_values()["tanh"] == "Tanh(−2) = −0.964"
    demo.plots["sigmoid"].setFocus()
    qtbot.keyClick(demo.plots["sigmoid"], Qt.Key.Key_Right)
    assert demo.x() == pytest.approx(-1.9)
    qtbot.keyClick(demo.plots["sigmoid"], Qt.Key.Key_Home)
    assert demo.x() == 1.0
    demo.plots["tanh"].line.setValue(0.5)                        # dragging the line
    assert demo.x() == 0.5 and demo.plots["relu"].line.value() == 0.5


def test_new_logits_and_a_bad_one(qtbot, demo):
    demo.logits_edit.setText("1, 1, 1, 1")
    demo.logits_edit.editingFinished.emit()
    assert demo.shown_values()["softmax"] == "0.25, 0.25, 0.25, 0.25"
    demo.logits_edit.setText("1, two")
    demo.logits_edit.editingFinished.emit()
    assert demo.softmax_message.is_error and "logits" in demo.softmax_message.text()
    assert demo.shown_values()["softmax"] == "0.25, 0.25, 0.25, 0.25"


def test_costs_follow_the_prediction_and_refuse_mismatches(qtbot, demo):
    demo.prediction_edit.setText("1, 0, 0")
    demo.prediction_edit.editingFinished.emit()
    assert demo.shown_values()["mse"] == "0"
    demo.target_edit.setText("1, 0")
    demo.target_edit.editingFinished.emit()
    assert demo.cost_message.is_error and "as many numbers" in demo.cost_message.text()
    assert demo.shown_values()["mse"] == "0"


def test_lesson_parameters(qtbot, demo):
    demo.set_params({"x": -1.0, "logits": (0.0, 0.0), "prediction": (0.9,), "target": (1.0,)})
    assert demo.shown_values()["sigmoid"] == "Sigmoid(−1) = 0.2689"
    assert demo.shown_values()["softmax"] == "0.5, 0.5"
    assert demo.shown_values()["binary"] == "0.1054"


def test_showing_the_same_parameters_again_keeps_what_was_typed(qtbot, demo):
    from cnn_explorer.core.lessons.demos import demo_info

    demo.logits_edit.setText("0, 0")
    demo.logits_edit.editingFinished.emit()
    demo.set_params(demo_info("activations").defaults())
    assert demo.logits_edit.text() == "0, 0" and demo.shown_values()["softmax"] == "0.5, 0.5"
