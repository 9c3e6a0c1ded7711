"""RunBar: the Train page's run controls: Train / Stop / Resume, the progress bar, the run line and the file buttons
(save, load, use in Classify, export a training script)."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.ui.widgets.inline_message import InlineMessage

#: the export button's label, and the shorter one it takes where the file row is narrow (large presenter scales)
EXPORT_LABELS = ("Export training script…", "Export script…")


class RunBar(QWidget):
    """The buttons, progress bar, run line and message above the live views; the page wires them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.train_button = QPushButton("▶ Train", self)
        self.train_button.setToolTip("Train a new model from the spec on the dataset")
        self.stop_button = QPushButton("■ Stop", self)
        self.resume_button = QPushButton("Resume", self)
        self.resume_button.setToolTip("Continue training the current model for more epochs")
        self.save_button = QPushButton("Save…", self)
        self.load_button = QPushButton("Load…", self)
        self.classify_button = QPushButton("Use in Classify", self)
        self.classify_button.setToolTip("Hand the trained model to the Classify page")
        self.export_script_button = QPushButton(EXPORT_LABELS[0], self)
        self.export_script_button.setToolTip("Write a standalone PyTorch script (torchrun-ready) that trains this "
                                             "model on this dataset with these settings")
        # its row never widens the bar: _fit_export_label places it only where its label fits
        self.export_script_button.setMinimumWidth(1)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.progress.setFormat("ready")
        self.progress.setValue(0)
        self.run_label = QLabel(self)
        self.run_message = InlineMessage(self)

        buttons = QHBoxLayout()
        for b in (self.train_button, self.stop_button, self.resume_button):
            buttons.addWidget(b)
        buttons.addWidget(self.progress, 1)
        files = self._files_row = QHBoxLayout()
        files.addWidget(self.run_label, 1)
        for b in (self.save_button, self.load_button, self.classify_button, self.export_script_button):
            files.addWidget(b)
        self.run_label.setMinimumWidth(80)
        # its text changes up to 5 times a second: a fixed height keeps that from relaying out the page
        self.run_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        # they repaint a few times a second while training: painting their own background spares their
        # parents (page, splitter) a repaint each time
        for w in (self.run_label, self.progress):
            w.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addLayout(files)
        # where the export button goes when the file row has no room for it (large presenter scales)
        self._overflow_row = QHBoxLayout()
        self._overflow_row.addStretch(1)
        layout.addLayout(self._overflow_row)
        layout.addWidget(self.run_message)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_export_label()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_export_label()

    def _fit_export_label(self) -> None:
        """The export button beside the file buttons with its long label, or its short one, where they and a
        little of the run line fit; else on a row of its own below them (long label)."""
        button = self.export_script_button
        metrics = button.fontMetrics()
        padding = button.sizeHint().width() - metrics.horizontalAdvance(button.text())
        others = sum(b.sizeHint().width() for b in (self.save_button, self.load_button, self.classify_button))
        room = self.width() - others - self.run_label.minimumWidth() - 6 * max(self._files_row.spacing(), 0)
        label = next((t for t in EXPORT_LABELS if metrics.horizontalAdvance(t) + padding <= room), None)
        row = self._files_row if label is not None else self._overflow_row
        if button.text() != (label or EXPORT_LABELS[0]):
            button.setText(label or EXPORT_LABELS[0])
        if row.indexOf(button) < 0:
            (self._overflow_row if row is self._files_row else self._files_row).removeWidget(button)
            row.addWidget(button)

    def export_on_own_row(self) -> bool:
        """True while the export button sits on a row of its own (the file row is too narrow for it)."""
        return self._overflow_row.indexOf(self.export_script_button) >= 0
