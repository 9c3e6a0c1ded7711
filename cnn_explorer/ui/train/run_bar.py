"""RunBar: the Train page's run controls: Train / Stop / Resume, the progress bar, the run line and the file buttons."""

from __future__ import annotations

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
        files = QHBoxLayout()
        files.addWidget(self.run_label, 1)
        for b in (self.save_button, self.load_button, self.classify_button):
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
        layout.addWidget(self.run_message)
