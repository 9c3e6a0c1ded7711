"""The fit-line demo: the slide's trial table and guesses, the two equations solved, gradient descent's Step, Run
and Reset (buttons and keys), and a clear message when the learning rate is too large."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cnn_explorer.ui.demos.fit_line import FitLineDemo


@pytest.fixture
def demo(qtbot):
    w = FitLineDemo()
    qtbot.addWidget(w)
    w.resize(1200, 900)
    w.show()
    yield w
    w.shutdown()


def test_the_slides_table_and_the_solution(qtbot, demo):
    assert [row[1:] for row in demo.trials()] == [("1", "1", "4", "6"), ("4", "3", "15", "−5"), ("2", "2", "8", "2"),
                                                  ("3", "2", "11", "−1"), ("2", "3", "9", "1"), ("2", "4", "10", "0")]
    assert demo.guess_label.text().startswith("3·2 + 4 = 10; error 10 − 10 = 0")
    assert "a = (9 − 5) / (4 − 2) = 2" in demo.solution_label.text()
    assert "b = 5 − 2·2 = 1" in demo.solution_label.text()
    xs, ys = demo.line_plot.solved.getData()
    assert list(ys) == [2 * x + 1 for x in xs]


def test_a_guess_goes_into_the_table(qtbot, demo):
    demo.a_spin.setValue(1)
    demo.b_spin.setValue(5)
    assert "3·1 + 5 = 8; error 10 − 8 = 2 (too small)" in demo.guess_label.text()
    qtbot.mouseClick(demo.try_button, Qt.MouseButton.LeftButton)
    assert demo.trials()[-1] == ("7", "1", "5", "8", "2")
    qtbot.mouseClick(demo.slide_button, Qt.MouseButton.LeftButton)
    assert len(demo.trials()) == 6


def test_step_shows_the_arithmetic_and_reset_goes_back(qtbot, demo):
    qtbot.mouseClick(demo.step_button, Qt.MouseButton.LeftButton)
    step, a, b, loss = demo.state()
    assert (step, a, b) == (1, pytest.approx(2.3), pytest.approx(0.7))
    assert "∂L/∂a = 2/2·[(−5)·2 + (−9)·4] = −46" in demo.arithmetic.text()
    assert demo.state_label.text().startswith("Step 1: a = 2.3, b = 0.7")
    demo.step_button.setFocus()
    qtbot.keyClick(demo.step_button, Qt.Key.Key_Right)
    assert demo.state()[0] == 2
    assert demo.loss_plot.steps == [0.0, 1.0, 2.0] and demo.loss_plot.losses[0] == 53.0
    qtbot.keyClick(demo.step_button, Qt.Key.Key_Home)
    assert demo.state() == (0, 0.0, 0.0, 53.0) and demo.loss_plot.steps == [0.0]


def test_run_and_pause(qtbot, demo):
    qtbot.mouseClick(demo.run_button, Qt.MouseButton.LeftButton)
    assert demo.is_running() and demo.run_button.text() == "Pause"
    qtbot.waitUntil(lambda: demo.state()[0] >= 10, timeout=10_000)
    qtbot.mouseClick(demo.run_button, Qt.MouseButton.LeftButton)
    assert not demo.is_running()
    step, a, b, loss = demo.state()
    assert loss < 1.0 and demo.loss_plot.losses[-1] == pytest.approx(loss)


def test_too_large_a_rate_says_so_and_stops(qtbot, demo):
    demo.lr_spin.setValue(0.5)
    for _ in range(60):
        demo.step()
    assert demo.message.is_error and "too large" in demo.message.text() and "0.0917" in demo.message.text()
    stopped_at = demo.state()[0]
    demo.step()
    assert demo.state()[0] == stopped_at
    demo.lr_spin.setValue(0.05)
    demo.reset()
    assert not demo.message.isVisible() and demo.state()[0] == 0


def test_lesson_parameters(qtbot, demo):
    demo.set_params({"a": 3.0, "b": 2.0, "lr": 0.08, "steps": 10, "start-a": 1.0, "start-b": 1.0})
    assert demo.guess_label.text().startswith("3·3 + 2 = 11")
    assert demo.state()[:3] == (0, 1.0, 1.0) and demo.lr_spin.value() == 0.08


def test_showing_the_same_parameters_again_keeps_the_classs_work(qtbot, demo):
    from cnn_explorer.core.lessons.demos import demo_info

    defaults = demo_info("fit-line").defaults()
    demo.a_spin.setValue(1)
    qtbot.mouseClick(demo.try_button, Qt.MouseButton.LeftButton)
    demo.step()
    demo.set_params(defaults)                                     # the Demos list shows it again
    assert len(demo.trials()) == 7 and demo.state()[0] == 1
    demo.set_params({**defaults, "lr": 0.02})                     # a lesson step with other parameters
    assert len(demo.trials()) == 6 and demo.state()[0] == 0 and demo.lr_spin.value() == 0.02
