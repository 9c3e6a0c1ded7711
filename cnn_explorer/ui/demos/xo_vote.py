"""The X/O vote (deck 004): train the slides' X/O net here, draw an X or an O, and watch the fully connected
layer add up its votes.

Training runs ``core/train/xo_training.train_xo_steps`` (the ``xo-tiny`` preset, its recipe) on a
:class:`~cnn_explorer.ui.workers.GeneratorWorker`: the Train button becomes Stop (Escape too), and a
stop lands between two steps. The vote is ``core/train/dense_vote.picture_vote`` for the canvas's
picture, recomputed on each stroke (one 9×9 forward pass).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.lessons.demos import demo_info
from cnn_explorer.core.train.records import BatchRecord, EpochRecord, FinishedRecord
from cnn_explorer.core.train.xo_training import MAX_EPOCHS, XO_PICTURES, XoTrained
from cnn_explorer.ui.classify.prediction_bars import PredictionBars
from cnn_explorer.ui.demos.activations_plot import TrainingCurve
from cnn_explorer.ui.demos.keys import add_demo_action
from cnn_explorer.ui.demos.xo_vote_canvas import XoCanvas
from cnn_explorer.ui.demos.xo_vote_view import VoteView
from cnn_explorer.ui.widgets.containers import headed_box, scroll_area
from cnn_explorer.ui.widgets.inline_message import InlineMessage
from cnn_explorer.ui.workers import GeneratorWorker

#: below this width (in lines of text) the training controls and the curve stack
STACK_BELOW_LINES = 40


def _big(label: QLabel, factor: float = 1.25) -> QLabel:
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def _train_steps(epochs: int, seed: int, cancel):
    # imported here: the engine (and torch, when it trains) loads with the first run, not with the page
    from cnn_explorer.core.train.xo_training import train_xo_steps

    return train_xo_steps(epochs, seed, cancel)


def _vote(trained: XoTrained, picture):
    from cnn_explorer.core.train.dense_vote import picture_vote
    from cnn_explorer.core.train.torch_threads import gui_thread_uses_one_torch_thread

    gui_thread_uses_one_torch_thread()
    return picture_vote(trained, picture)


class XoVoteDemo(QWidget):
    """Train box, drawing box, and the vote."""

    status_message = Signal(str)
    #: the run ended: (ok, message) as the worker says it ("" when it completed, "cancelled" after Stop)
    training_finished = Signal(bool, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._info = demo_info("xo-vote")
        self._worker: GeneratorWorker | None = None
        self._trained: XoTrained | None = None
        self._epochs_total = 0
        content = QWidget(self)
        column = QVBoxLayout(content)
        column.addWidget(self._train_box(content))
        # drawing and vote side by side where they fit (the class sees a stroke change the vote), else stacked
        self._boxes = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.draw_box = self._draw_box(content)
        self.vote_box = self._vote_box(content)
        self._boxes.addWidget(self.draw_box, 2, Qt.AlignmentFlag.AlignTop)
        self._boxes.addWidget(self.vote_box, 3)
        column.addLayout(self._boxes)
        column.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll_area(content, self))
        add_demo_action(self, "xo-vote", "train", self._on_train_clicked)
        add_demo_action(self, "xo-vote", "stop", self.stop_training)
        self.set_params(self._info.defaults())
        self.canvas.set_picture(XO_PICTURES["The slide's X"])

    # ------------------------------------------------------------------ building
    def _train_box(self, parent: QWidget) -> QWidget:
        box = headed_box("1. Train the X/O net (xo-tiny) on 480 drawn X and O pictures", parent)
        self.epochs_spin = QSpinBox(box)
        self.epochs_spin.setObjectName("xo_epochs")
        self.epochs_spin.setRange(1, MAX_EPOCHS)
        self.epochs_spin.setToolTip("Passes over the 480 training pictures (the recipe's: 10)")
        self.seed_spin = QSpinBox(box)
        self.seed_spin.setObjectName("xo_seed")
        self.seed_spin.setRange(0, 1_000_000)
        self.seed_spin.setToolTip("The seed of the first weights and the batches' order: the same seed, the same net")
        self.train_button = QPushButton("Train", box)
        self.train_button.setObjectName("xo_train")
        self.train_button.setToolTip("Train the net here, about a second (Ctrl+Enter); press again, or Escape, to "
                                     "stop")
        self.train_button.clicked.connect(self._on_train_clicked)
        grid = QGridLayout()
        grid.addWidget(QLabel("Epochs", box), 0, 0)
        grid.addWidget(self.epochs_spin, 0, 1)
        grid.addWidget(QLabel("Seed", box), 1, 0)
        grid.addWidget(self.seed_spin, 1, 1)
        grid.addWidget(self.train_button, 0, 2, 2, 1)
        grid.setColumnStretch(3, 1)
        left = QVBoxLayout()
        left.addLayout(grid)
        self.progress = QProgressBar(box)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        left.addWidget(self.progress)
        self.live_label = QLabel("Not trained yet: the net's weights are random.", box)
        self.live_label.setObjectName("xo_live")
        self.live_label.setWordWrap(True)
        left.addWidget(self.live_label)
        self.result_label = _big(QLabel(box))
        self.result_label.setObjectName("xo_result")
        self.result_label.hide()
        left.addWidget(self.result_label)
        self.message = InlineMessage(box)
        left.addWidget(self.message)
        left.addStretch(1)
        self.curve = TrainingCurve(box)
        self.curve.setObjectName("xo_curve")
        self._train_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._train_row.addLayout(left, 1)
        self._train_row.addWidget(self.curve, 1)
        box.layout().addLayout(self._train_row)
        return box

    def _draw_box(self, parent: QWidget) -> QWidget:
        box = headed_box("2. Draw an X or an O (white = +1 ink, black = −1)", parent)
        self.canvas = XoCanvas(box)
        self.canvas.setObjectName("xo_canvas")
        self.canvas.picture_changed.connect(self._update_vote)
        box.layout().addWidget(self.canvas)
        buttons = QGridLayout()
        self.stock_buttons: dict[str, QPushButton] = {}
        for i, (name, picture) in enumerate(XO_PICTURES.items()):
            button = QPushButton(name, box)
            button.setToolTip(f"Put {name.lower() if name != 'O' else 'an O'} on the canvas (Ctrl+Z undoes it)")
            button.clicked.connect(lambda _=False, p=picture: self.canvas.set_picture(p))
            buttons.addWidget(button, i // 3, i % 3)
            self.stock_buttons[name] = button
        clear = QPushButton("Clear", box)
        clear.setToolTip("All paper (−1); Ctrl+Z brings the drawing back")
        clear.clicked.connect(self.canvas.clear)
        buttons.addWidget(clear, (len(XO_PICTURES)) // 3, len(XO_PICTURES) % 3)
        self.clear_button = clear
        box.layout().addLayout(buttons)
        return box

    def _vote_box(self, parent: QWidget) -> QWidget:
        box = headed_box("3. The fully connected layer votes", parent)
        self.verdict = _big(QLabel("—", box), 1.4)
        self.verdict.setObjectName("xo_verdict")
        box.layout().addWidget(self.verdict)
        self.vote_view = VoteView(box)
        self.vote_view.setObjectName("xo_vote_view")
        box.layout().addWidget(self.vote_view)
        self.bars = PredictionBars(box)
        self.bars.setObjectName("xo_probabilities")
        self.bars.set_classes(("X", "O"))
        self.bars.setToolTip("softmax of the two scores: the net's confidence in each class")
        box.layout().addWidget(self.bars)
        self.softmax_note = QLabel(box)
        self.softmax_note.setObjectName("xo_softmax_note")
        self.softmax_note.setWordWrap(True)
        box.layout().addWidget(self.softmax_note)
        box.layout().addStretch(1)
        return box

    # ------------------------------------------------------------------ API
    def set_params(self, params: Mapping[str, object]) -> None:
        values = {**self._info.defaults(), **params}
        for spin, key in ((self.epochs_spin, "epochs"), (self.seed_spin, "seed")):
            with QSignalBlocker(spin):
                spin.setValue(int(values[key]))

    def params(self) -> dict[str, object]:
        """What ``set_params`` takes to show this view again."""
        return {"epochs": self.epochs_spin.value(), "seed": self.seed_spin.value()}

    def set_scale(self, factor: float) -> None:
        self.bars.set_scale(factor)
        self.curve.set_scale(factor)
        self._arrange()

    def shutdown(self) -> None:
        if self._worker is not None:
            self._worker.stop()

    def trained(self) -> XoTrained | None:
        return self._trained

    def is_training(self) -> bool:
        return self._worker is not None

    def current_vote(self):
        return self.vote_view.vote()

    # ------------------------------------------------------------------ layout
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """Side by side where both boxes get their least width (and a little more), stacked otherwise."""
        room = self.width() - 3 * self.fontMetrics().height()      # margins and a scroll bar
        need = self.draw_box.minimumSizeHint().width() + self.vote_box.minimumSizeHint().width()
        for row, wide in ((self._boxes, room >= need * 1.1), (self._train_row, room >= STACK_BELOW_LINES *
                                                                  self.fontMetrics().height())):
            direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
            if row.direction() != direction:
                row.setDirection(direction)

    # ------------------------------------------------------------------ training
    def _on_train_clicked(self) -> None:
        if self._worker is not None:
            self.stop_training()
        else:
            self.start_training()

    def start_training(self) -> None:
        if self._worker is not None:
            return
        epochs, seed = self.epochs_spin.value(), self.seed_spin.value()
        self._epochs_total = epochs
        self.message.clear_message()
        self.progress.setRange(0, 0)                      # busy until the first step says how many there are
        self.curve.clear(epochs)
        self.live_label.setText("Loading the pictures and building the net…")
        self.train_button.setText("Stop")
        for spin in (self.epochs_spin, self.seed_spin):
            spin.setEnabled(False)
        worker = GeneratorWorker(lambda cancel: _train_steps(epochs, seed, cancel), self, max_rate_hz=15,
                                 always=lambda r: isinstance(r, (EpochRecord, FinishedRecord, XoTrained)),
                                 name="xo-vote-training")
        worker.progressed.connect(self._on_worker_progressed)
        worker.finished.connect(lambda ok, message, w=worker: self._on_worker_finished(w, ok, message))
        self._worker = worker
        worker.start()

    def stop_training(self) -> None:
        if self._worker is not None:
            self.live_label.setText("Stopping…")
            self._worker.cancel()

    def _on_worker_progressed(self, record: Any) -> None:
        if isinstance(record, BatchRecord):
            self.curve.add(record.step * self._epochs_total / max(1, record.total_steps), record.loss,
                           record.accuracy)
            self.progress.setRange(0, record.total_steps)
            self.progress.setValue(record.step)
            self.live_label.setText(f"Epoch {record.epoch}/{self._epochs_total} · step {record.step}/"
                                    f"{record.total_steps} · loss {record.loss:.3f} · "
                                    f"batch accuracy {100 * record.accuracy:.1f}%")
        elif isinstance(record, EpochRecord):
            val = f" · validation {100 * record.val_accuracy:.1f}%" if math.isfinite(record.val_accuracy) else ""
            self.live_label.setText(f"Epoch {record.epoch}/{self._epochs_total} · loss {record.train_loss:.3f} · "
                                    f"accuracy {100 * record.train_accuracy:.1f}%{val}")
        elif isinstance(record, XoTrained):
            self._trained = record
            self._show_result(record)
            self._update_vote()

    def _on_worker_finished(self, worker: GeneratorWorker, ok: bool, message: str) -> None:
        worker.deleteLater()
        if worker is not self._worker:
            return
        self._worker = None
        self.train_button.setText("Train again" if self._trained is not None else "Train")
        for spin in (self.epochs_spin, self.seed_spin):
            spin.setEnabled(True)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        if ok and message == "cancelled":
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            kept = ("the vote below is still the earlier net's" if self._trained is not None
                    else "the net is not trained yet")
            self.live_label.setText(f"Training stopped before the end: {kept}.")
            self.status_message.emit("X/O training stopped")
        if not ok:
            self.progress.setValue(0)
            self.message.show_error(f"Training stopped: {message}. Try another seed or fewer epochs.")
            self.status_message.emit(f"X/O training failed: {message}")
        self.training_finished.emit(ok, message)

    def _show_result(self, trained: XoTrained) -> None:
        self.result_label.show()
        if trained.cancelled:
            self.result_label.setText("Stopped early: the net below is half-trained (not tested).")
            self.status_message.emit("X/O training stopped")
            return
        self.progress.setValue(self.progress.maximum())
        self.result_label.setText(f"Test accuracy {100 * trained.test_accuracy:.1f}% on 60 new pictures, "
                                  f"trained in {trained.seconds:.1f}\u00a0s")
        self.live_label.setText(f"{trained.epochs} epochs, seed {trained.seed}: {trained.recipe}")
        self.status_message.emit(f"X/O net trained: test accuracy {100 * trained.test_accuracy:.1f}%")

    # ------------------------------------------------------------------ the vote
    def _update_vote(self) -> None:
        trained = self._trained
        if trained is None:
            self.verdict.setText("Train the net to see its vote")
            self.softmax_note.setText("")
            self.bars.set_probabilities(None)
            return
        try:
            vote = _vote(trained, self.canvas.picture())
        except CnnExplorerError as exc:
            self.message.show_error(f"The vote cannot be computed: {exc}")
            return
        self.vote_view.set_vote(vote)
        self.bars.set_probabilities(vote.probabilities)
        winner = vote.class_names[vote.winner]
        share = f"{100 * vote.probabilities[vote.winner]:.1f}%"
        blank = bool((self.canvas.picture() < 0).all())
        self.verdict.setText(f"Empty canvas, and still the net votes {winner}: {share}" if blank
                             else f"The net votes {winner}: {share}")
        self.softmax_note.setText(f"Probabilities: softmax of the scores divided by {vote.temperature:.3g}, the "
                                  "temperature training fitted on the validation pictures (so 90% means right "
                                  "9 times in 10).")
