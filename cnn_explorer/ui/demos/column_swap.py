"""The column-swap rule: train a small CNN and a dense net on the X/O pictures and on the same pictures shuffled.

The four runs (``core.train.column_swap``) train on a worker thread (Train / Space; Stop within a
fraction of a second), the table fills in as each run ends, and a few test pictures show what the
shuffle does. A result already computed in this session (same seed, epochs and shuffle) shows at once.
"""

from __future__ import annotations

from typing import Iterator, Mapping

import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from cnn_explorer.core.datasets.synthetic import XO_CLASSES
from cnn_explorer.core.lessons.demos import demo_info
from cnn_explorer.core.train.column_swap import (
    DATA,
    DATA_TITLES,
    MODEL_TITLES,
    MODELS,
    SwapConfig,
    SwapProgress,
    SwapResult,
    cached_result,
    column_swap_steps,
    make_data,
)
from cnn_explorer.core.train.evaluation import Cancelled
from cnn_explorer.ui.demos.column_swap_pictures import SwapPictures
from cnn_explorer.ui.demos.keys import add_demo_action
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled_font
from cnn_explorer.ui.theme import UNSURE_FG
from cnn_explorer.ui.widgets.choices import select_data
from cnn_explorer.ui.widgets.containers import scrolling_column
from cnn_explorer.ui.widgets.fold import FoldRow, fit_spin_width
from cnn_explorer.ui.workers import GeneratorWorker

_SHUFFLE_TEXT = {"pixels": "Every pixel (81 columns)", "columns": "Picture columns only"}
_EXPLAIN = (
    "Think of the pictures as a table: one row a picture, one column a pixel, 81 columns. One fixed shuffle "
    "swaps those columns, the same way in every picture. The CNN's 3×3 filters look at neighbouring pixels and "
    "reuse what they learn everywhere; after the shuffle the neighbours are scattered and that advantage is "
    "gone. The dense net joins every pixel to every unit: on shuffled pixels it is the same network with its "
    "weights shuffled the same way (the shuffled run starts from exactly those weights), so it learns the very "
    "same thing. Each run sees only 60 training pictures (400 to test): with thousands the dense net would "
    "reach 100% too, and the CNN's advantage — learning from few examples — would not show. Rule of thumb: if "
    "your data is just as useful after swapping its columns, a CNN does not fit it.")


def _quiet(steps: Iterator) -> Iterator:
    """The steps, ending quietly when cancelled (the worker reports "cancelled" itself)."""
    try:
        yield from steps
    except Cancelled:
        return


class ColumnSwapDemo(QWidget):
    """The column-swap demo: ``set_params({"seed", "epochs", "shuffle"})``; Train runs the four trainings."""

    status_message = Signal(str)
    result_shown = Signal(object)       # the SwapResult now in the table

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._info = demo_info("column-swap")
        self._scale = 1.0
        self._worker: GeneratorWorker | None = None
        self.result: SwapResult | None = None
        self.seed_spin = QSpinBox(self)
        self.seed_spin.setObjectName("column_swap_seed")
        self.seed_spin.setRange(0, 1_000_000)
        self.seed_spin.setToolTip("The seed of the pictures, the shuffle, the starting weights and the batch order: "
                                  "the same seed gives the same four accuracies")
        fit_spin_width(self.seed_spin, "99999")
        self.epochs_spin = QSpinBox(self)
        self.epochs_spin.setObjectName("column_swap_epochs")
        self.epochs_spin.setRange(1, 500)
        self.epochs_spin.setToolTip("Passes over the 60 training pictures; every run gets the same budget")
        self.shuffle_combo = QComboBox(self)
        self.shuffle_combo.setObjectName("column_swap_shuffle")
        for name, text in _SHUFFLE_TEXT.items():
            self.shuffle_combo.addItem(text, name)
        self.shuffle_combo.setToolTip("Every pixel: any pixel may land anywhere (each pixel is a column of the data "
                                      "table). Picture columns: whole columns of 9 pixels move, so vertical strokes "
                                      "survive and the CNN keeps more.")
        self.train_button = QPushButton("Train", self)
        self.train_button.setObjectName("column_swap_train")
        self.train_button.setToolTip("Train the four runs (Space); press again to stop")
        controls = FoldRow([QLabel("Seed", self), self.seed_spin, QLabel("Epochs", self), self.epochs_spin,
                            QLabel("Shuffle", self), self.shuffle_combo, self.train_button], self)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("column_swap_progress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("column_swap_state")
        self.state_label.setWordWrap(True)

        self.table = QTableWidget(len(MODELS), len(DATA) + 1, self)
        self.table.setObjectName("column_swap_table")
        self.table.setHorizontalHeaderLabels([DATA_TITLES[d] for d in DATA] + ["Change"])
        self.table.setVerticalHeaderLabels([MODEL_TITLES[m] for m in MODELS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for part in (self.table, self.table.horizontalHeader(), self.table.verticalHeader()):
            part.installEventFilter(self)
        self.table.setToolTip("Test accuracy of each network on 400 test pictures, original and shuffled "
                              "the same way as its training pictures")
        install_figure_export(self.table, "Column swap accuracies", values=self.accuracy_grid)
        self.verdict = QLabel(self)
        self.verdict.setObjectName("column_swap_verdict")
        self.verdict.setWordWrap(True)
        self.pictures = SwapPictures(self)
        install_figure_export(self.pictures, "Column swap pictures", values=self.pictures.values)
        self.explain = QLabel(_EXPLAIN, self)
        self.explain.setObjectName("column_swap_explain")
        self.explain.setWordWrap(True)

        column, self.scroll = scrolling_column(self)
        column.addWidget(controls)
        column.addWidget(self.progress)
        column.addWidget(self.state_label)
        column.addWidget(self.table)
        column.addWidget(self.verdict)
        column.addWidget(self.pictures)
        column.addWidget(self.explain)
        column.addStretch(1)

        for key_id, slot in (("train", self.toggle_training), ("reset", self.reset)):
            add_demo_action(self, "column-swap", key_id, slot)
        self.train_button.clicked.connect(self.toggle_training)
        self.seed_spin.valueChanged.connect(self._on_setting_changed)
        self.epochs_spin.valueChanged.connect(self._on_setting_changed)
        self.shuffle_combo.currentIndexChanged.connect(self._on_setting_changed)
        self.set_params(self._info.defaults())

    # ------------------------------------------------------------------ API
    def set_params(self, params: Mapping[str, object]) -> None:
        values = {**self._info.defaults(), **params}
        for spin, key in ((self.seed_spin, "seed"), (self.epochs_spin, "epochs")):
            with QSignalBlocker(spin):
                spin.setValue(int(values[key]))
        with QSignalBlocker(self.shuffle_combo):
            select_data(self.shuffle_combo, str(values["shuffle"]))
        self._on_setting_changed()

    def params(self) -> dict[str, object]:
        return {"seed": self.seed_spin.value(), "epochs": self.epochs_spin.value(),
                "shuffle": self.shuffle_combo.currentData()}

    def config(self) -> SwapConfig:
        p = self.params()
        return SwapConfig(seed=int(p["seed"]), epochs=int(p["epochs"]), shuffle=str(p["shuffle"]))

    def is_running(self) -> bool:
        return self._worker is not None

    def toggle_training(self) -> None:
        if self._worker is not None:
            self.stop()
        else:
            self.train()

    def train(self) -> None:
        """Start the four runs (nothing when they already run)."""
        if self._worker is not None:
            return
        config = self.config()
        self._clear_table()
        self.progress.setValue(0)
        self.state_label.setText("Starting (loading torch the first time)…")
        worker = GeneratorWorker(lambda cancel: _quiet(column_swap_steps(config, cancel)), self,
                                 always=lambda r: isinstance(r, SwapResult) or r.accuracy is not None,
                                 name="column-swap")
        worker.progressed.connect(self._on_worker_progressed)
        worker.finished.connect(lambda ok, message, w=worker: self._on_worker_finished(w, ok, message))
        self._worker = worker
        self.train_button.setText("Stop")
        worker.start()

    def stop(self) -> None:
        """Stop the runs (within half a second; the table keeps the runs that ended)."""
        worker = self._worker
        if worker is None:
            return
        worker.stop(500)
        if self._worker is worker:          # finished() not delivered yet: end the run for the user now
            self._end_run(worker, "Stopped. Press Train (Space) to start again.")

    def shutdown(self) -> None:
        self.stop()

    def reset(self) -> None:
        self.stop()
        self.set_params(self._info.defaults())

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.pictures.set_scale(factor)
        self._style()

    def accuracy_grid(self) -> np.ndarray | None:
        """(2, 2) test accuracies in % (rows CNN, dense; columns original, shuffled), NaN where not run yet."""
        grid = np.full((len(MODELS), len(DATA)), np.nan)
        for r in range(len(MODELS)):
            for c in range(len(DATA)):
                item = self.table.item(r, c)
                if item is not None and item.data(Qt.ItemDataRole.UserRole) is not None:
                    grid[r, c] = float(item.data(Qt.ItemDataRole.UserRole)) * 100
        return grid

    # ------------------------------------------------------------------ events
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.FontChange and hasattr(self, "table"):   # the table's or its header's font (presenter scale)
            self._fit_table()
        return super().eventFilter(watched, event)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "table"):
            self._fit_table()

    def _on_setting_changed(self, _value=None) -> None:
        self.stop()
        config = self.config()
        data = make_data(config)
        picks = data.examples(4)
        self.pictures.set_pictures(data.images[picks], data.shuffled[picks],
                                   [XO_CLASSES[int(data.labels[i])] for i in picks])
        cached = cached_result(config)
        if cached is not None:
            self._show_result(cached)
            self.progress.setValue(1000)
            self.state_label.setText("Trained before with these settings in this session (the same seed gives the "
                                     "same runs). Train (Space) runs them again.")
        else:
            self._clear_table()
            self.progress.setValue(0)
            self.state_label.setText("Press Train (Space) to train the four runs: a few seconds.")

    def _on_worker_progressed(self, record) -> None:
        if isinstance(record, SwapResult):
            self._show_result(record)
            self.state_label.setText(f"Done: four runs in {record.seconds:.1f} s.")
            self.status_message.emit(f"Column swap: four runs trained in {record.seconds:.1f} s")
            return
        if isinstance(record, SwapProgress):
            self.progress.setValue(round(record.fraction * 1000))
            self.state_label.setText(f"Run {record.run + 1} of 4: {MODEL_TITLES[record.model].lower()} on the "
                                     f"{record.data} pictures, epoch {record.epoch} of {record.epochs}, "
                                     f"loss {record.loss:.3f}")
            if record.accuracy is not None:
                self._set_cell(MODELS.index(record.model), DATA.index(record.data), record.accuracy)

    def _on_worker_finished(self, worker: GeneratorWorker, ok: bool, message: str) -> None:
        if worker is not self._worker:
            worker.deleteLater()
            return
        if not ok:
            self._end_run(worker, f"Training failed: {message}")
            self.status_message.emit(f"Column swap: {message}")
        elif message == "cancelled":
            self._end_run(worker, "Stopped. Press Train (Space) to start again.")
        else:
            self._end_run(worker, None)

    def _end_run(self, worker: GeneratorWorker, text: str | None) -> None:
        self._worker = None
        worker.deleteLater()
        self.train_button.setText("Train")
        if text is not None:
            self.state_label.setText(text)

    # ------------------------------------------------------------------ table
    def _clear_table(self) -> None:
        self.result = None
        for r in range(len(MODELS)):
            for c in range(len(DATA) + 1):
                self._put(r, c, "—", None)
        self.verdict.setText("")
        self._fit_table()

    def _put(self, row: int, col: int, text: str, value) -> None:
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        item.setData(Qt.ItemDataRole.UserRole, value)
        item.setFont(scaled_font(self.font(), 18, self._scale, bold=True))
        self.table.setItem(row, col, item)

    def _set_cell(self, row: int, col: int, accuracy: float) -> None:
        self._put(row, col, f"{accuracy * 100:.1f}%", accuracy)
        self._fit_table()

    def _show_result(self, result: SwapResult) -> None:
        self.result = result
        for r, model in enumerate(MODELS):
            for c, data in enumerate(DATA):
                self._put(r, c, f"{result.accuracy[(model, data)] * 100:.1f}%", result.accuracy[(model, data)])
            change = round(-result.drop(model) * 100, 1)
            text = "no change" if change == 0 else f"{change:+.1f} points".replace("-", "−")
            self._put(r, len(DATA), text, change)
        self._fit_table()
        self.verdict.setText(self.verdict_text())
        self._style()
        self.result_shown.emit(result)

    def verdict_text(self) -> str:
        r = self.result
        if r is None:
            return ""
        acc = {k: f"{v * 100:.1f}%" for k, v in r.accuracy.items()}
        text = (f"The CNN: {acc[('cnn', 'original')]} on the original pictures, {acc[('cnn', 'shuffled')]} on the "
                f"shuffled ones. The dense net: {acc[('dense', 'original')]} and {acc[('dense', 'shuffled')]}.")
        if r.claim_holds:
            return f"{text} Shuffled, the CNN loses its advantage; the dense net does not care."
        if r.config.shuffle == "columns":
            return (f"{text} Moving whole columns keeps every column's vertical strokes, so the CNN still finds "
                    "parts of the X and the O: choose Every pixel to break all the neighbourhoods.")
        return f"{text} With these settings the difference is smaller: try more epochs or another seed."

    def _style(self) -> None:
        good = self.result is not None and self.result.claim_holds
        self.verdict.setFont(scaled_font(self.font(), 15, self._scale, bold=True))
        self.verdict.setStyleSheet("" if good else f"color: {UNSURE_FG.name()};")
        big = scaled_font(self.font(), 18, self._scale, bold=True)     # the numbers big, the headers as the app
        for r in range(self.table.rowCount()):
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                if item is not None:
                    item.setFont(big)
        self._fit_table()

    def _fit_table(self) -> None:
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().height() + sum(self.table.rowHeight(r) for r in range(len(MODELS)))
        self.table.setFixedHeight(height + 2 * self.table.frameWidth() + 2)
        width = self.table.verticalHeader().width() + sum(self.table.columnWidth(c)
                                                          for c in range(self.table.columnCount()))
        self.table.setFixedWidth(width + 2 * self.table.frameWidth() + 2)
