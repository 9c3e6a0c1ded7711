"""TimelineView: replay the first layer's filters from their random start to the end of training.

A slider over the kept snapshots (step 0 = the untrained model) and a Play
button that steps through them on a QTimer (10 frames a second). While a run
goes on and the slider sits at the end, it follows the newest snapshot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.ui.export.progress import ExportRunner
from cnn_explorer.ui.export.timeline_gif import timeline_job
from cnn_explorer.ui.lifecycle import new_timer
from cnn_explorer.ui.train.image_grid import ImageGrid, filter_pictures

FRAME_MS = 100


class TimelineView(QWidget):
    """``set_history(list of (step, filters))`` updates the frames; ``steps_per_epoch`` labels epochs.

    Export GIF… writes the frames as an animated GIF (or PNG / WebP) on a worker, with a progress
    dialog and Cancel; ``export_finished(ok, message)`` when it ends.
    """

    export_finished = Signal(bool, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: list[tuple[int, np.ndarray]] = []
        self._runner: ExportRunner | None = None
        self._folder = Path.home()
        self.steps_per_epoch = 0
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.play_button = QPushButton("▶ Play", self)
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Replay the filters from random noise to the end of training")
        self.play_button.toggled.connect(self._on_play_toggled)
        self.export_button = QPushButton("Export GIF…", self)
        self.export_button.setToolTip("Save the timeline as an animated GIF for slides: the filters from random "
                                      "noise to edge detectors")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export_gif())
        self.label = QLabel("Train a model: its first-layer filters are kept every few steps.", self)
        self.grid = ImageGrid(72, self, name="filter timeline frame")
        self.timer = new_timer(self, "train-timeline", interval_ms=FRAME_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.label)
        layout.addWidget(self.grid)
        hint = QLabel("Red weights are positive, blue negative, white zero (one scale per frame). "
                      "Watch random noise turn into edge and stroke detectors.", self)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addStretch(1)

    def set_history(self, history: list[tuple[int, np.ndarray]], steps_per_epoch: int = 0) -> None:
        follow = self.slider.value() >= self.slider.maximum()
        self.history = history
        if steps_per_epoch:
            self.steps_per_epoch = steps_per_epoch
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(history) - 1))
        if follow and not self.timer.isActive():
            self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self.export_button.setEnabled(len(history) > 1 and not self.is_exporting())
        if self.isVisible():  # a hidden timeline only counts its frames; it draws when shown
            self._show(self.slider.value())
        else:
            self._stale = True

    _stale = False

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._show(self.slider.value())

    def frame_count(self) -> int:
        return len(self.history)

    def stop(self) -> None:
        """Stop playing, and cancel a running export (which then writes nothing) and wait for it."""
        self.play_button.setChecked(False)
        self.timer.stop()
        if self._runner is not None:
            self._runner.cancel()
            self._runner.wait()

    # ------------------------------------------------------------------ export
    def is_exporting(self) -> bool:
        return self._runner is not None and self._runner.is_running()

    def export_gif(self, path=None) -> None:
        """Export the frames to ``path`` (None: ask for it) on a worker; the result in ``export_finished``."""
        if self.is_exporting():
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export filter timeline", str(self._folder / "filter-timeline.gif"),
                "Animated GIF (*.gif);;Animated PNG (*.png);;Animated WebP (*.webp)")
            if not path:
                return
        try:
            job = timeline_job(list(self.history), path, steps_per_epoch=self.steps_per_epoch, font=self.font())
        except CnnExplorerError as exc:
            self._on_export_finished(False, str(exc))
            return
        self._folder = Path(path).parent
        self._runner = ExportRunner(self, "Export filter timeline", job)
        self._runner.finished.connect(self._on_export_finished)
        self.export_button.setEnabled(False)
        self._runner.start()

    def _on_export_finished(self, ok: bool, message: str) -> None:
        if self._runner is not None:
            self._runner.deleteLater()
        self._runner = None
        self.export_button.setEnabled(len(self.history) > 1)
        text = ("Export cancelled: nothing was written" if message == "cancelled"
                else message if ok else f"Cannot export the filter timeline: {message}")
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 10000)
        self.export_finished.emit(ok, text)

    def set_scale(self, factor: float) -> None:
        self.grid.set_scale(factor)

    # ------------------------------------------------------------------ slots
    def _on_play_toggled(self, on: bool) -> None:
        if on and len(self.history) > 1:
            if self.slider.value() >= self.slider.maximum():
                self.slider.setValue(0)
            self.play_button.setText("❚❚ Pause")
            self.timer.start()
        else:
            self.timer.stop()
            self.play_button.setText("▶ Play")
            if on:
                self.play_button.setChecked(False)

    def _on_timer_timeout(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play_button.setChecked(False)
            return
        self.slider.setValue(self.slider.value() + 1)

    def _on_slider_value_changed(self, value: int) -> None:
        self._show(value)

    def _show(self, index: int) -> None:
        if not self.history:
            self.grid.values = None
            self.grid.set_pictures([])
            return
        index = min(max(index, 0), len(self.history) - 1)
        step, filters = self.history[index]
        where = "untrained (random start)" if index == 0 and step == 0 else f"step {step:,}"
        if self.steps_per_epoch and step:
            where += f" (epoch {step / self.steps_per_epoch:.1f})"
        self.label.setText(f"Frame {index + 1} of {len(self.history)}: {where}")
        n = len(filters)
        self.grid.set_cell(128 if n <= 4 else 96 if n <= 8 else 64 if n <= 16 else 44)
        self.grid.values = np.asarray(filters)
        self.grid.set_pictures(filter_pictures(filters), [f"f{i + 1}" for i in range(n)])
