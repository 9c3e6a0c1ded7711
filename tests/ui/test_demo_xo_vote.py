"""The X/O vote demo: Train trains xo-tiny to 100 % in a worker, the drawn picture's vote is the model's own
arithmetic, stock pictures and strokes change it (with undo), and Stop cancels the run."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from cnn_explorer.core.train.xo_training import XO_PICTURES
from cnn_explorer.ui.demos.xo_vote import XoVoteDemo


@pytest.fixture
def demo(qtbot):
    w = XoVoteDemo()
    qtbot.addWidget(w)
    w.resize(1300, 900)
    w.show()
    yield w
    w.shutdown()


def _cell_point(canvas, row: int, col: int) -> QPoint:
    r = canvas.grid_rect()
    side = r.width() / 9
    return QPoint(int(r.left() + (col + 0.5) * side), int(r.top() + (row + 0.5) * side))


def test_train_then_vote_for_the_slides_x_and_an_o(qtbot, demo):
    assert demo.current_vote() is None and demo.canvas.picture().tolist() == XO_PICTURES["The slide's X"].tolist()
    with qtbot.waitSignal(demo.training_finished, timeout=60_000) as done:
        qtbot.mouseClick(demo.train_button, Qt.MouseButton.LeftButton)
        assert demo.is_training() and demo.train_button.text() == "Stop"
    assert done.args == [True, ""]
    trained = demo.trained()
    assert trained.test_accuracy == 1.0 and not demo.is_training()
    assert "Test accuracy 100.0%" in demo.result_label.text()
    assert demo.curve.points and all(0 <= acc <= 1 for _e, _loss, acc in demo.curve.points)
    vote = demo.current_vote()
    assert vote.class_names[vote.winner] == "X" and demo.verdict.text().startswith("The net votes X")
    # the vote's sums are the model's logits for the same input
    import torch

    from cnn_explorer.core.train.xo_training import xo_input

    with torch.no_grad():
        logits = trained.model(torch.from_numpy(xo_input(demo.canvas.picture(), trained.mean, trained.std)))
    assert vote.logits == pytest.approx(logits.numpy()[0].astype(np.float64), abs=1e-4)
    assert demo.bars.probabilities() == pytest.approx(vote.probabilities)
    qtbot.mouseClick(demo.stock_buttons["O"], Qt.MouseButton.LeftButton)
    assert demo.current_vote().winner == 1 and demo.verdict.text().startswith("The net votes O")


def test_drawing_clear_and_undo(qtbot, demo):
    canvas = demo.canvas
    qtbot.mouseClick(demo.clear_button, Qt.MouseButton.LeftButton)
    assert (canvas.picture() == -1).all()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=_cell_point(canvas, 2, 2))
    qtbot.mouseMove(canvas, _cell_point(canvas, 2, 6))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=_cell_point(canvas, 2, 6))
    assert canvas.picture()[2, 2:7].tolist() == [1, 1, 1, 1, 1] and canvas.picture().sum() == -81 + 10
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=_cell_point(canvas, 2, 4))      # on ink: erases
    assert canvas.picture()[2, 4] == -1
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert canvas.picture()[2, 4] == 1
    canvas.undo()
    canvas.undo()
    assert canvas.picture().tolist() == XO_PICTURES["The slide's X"].tolist()


def test_stop_cancels_the_run_and_leaves_no_thread(qtbot, demo):
    with qtbot.waitSignal(demo.training_finished, timeout=30_000) as done:
        qtbot.mouseClick(demo.train_button, Qt.MouseButton.LeftButton)
        qtbot.keyClick(demo.train_button, Qt.Key.Key_Escape)
    assert done.args == [True, "cancelled"]
    assert not demo.is_training() and demo.trained() is None and demo.train_button.text() == "Train"
    assert "stopped before the end" in demo.live_label.text()
    assert demo.epochs_spin.isEnabled()


def test_parameters_from_a_lesson(qtbot, demo):
    demo.set_params({"epochs": 3, "seed": 7})
    assert (demo.epochs_spin.value(), demo.seed_spin.value()) == (3, 7)
