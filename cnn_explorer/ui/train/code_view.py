"""CodeView: the edited model as PyTorch and as Keras 3 code (the engine's codegen), read-only, with Copy.

The line under the code says how to run the visible tab's code and, for Keras, where its code
differs from one Keras layer a layer (``keras_notes``: a stride with a dilation, -inf padding).
"""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.model.codegen import keras_code, keras_notes, pytorch_code

PYTORCH_NOTE = "Runs as is: copy it into a .py file."
KERAS_NOTE = "Runs as is with Keras 3 (pip install keras) on TensorFlow, JAX or PyTorch: copy it into a .py file."


class CodeView(QWidget):
    """Two read-only monospace tabs; ``show_spec`` regenerates both; Copy copies the visible one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.pytorch = QPlainTextEdit(self)
        self.keras = QPlainTextEdit(self)
        for edit, title in ((self.pytorch, "PyTorch"), (self.keras, "Keras")):
            edit.setReadOnly(True)
            edit.setFont(font)
            edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            self.tabs.addTab(edit, title)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("Copy the shown code to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self._notes = {self.pytorch: PYTORCH_NOTE, self.keras: KERAS_NOTE}
        self.tabs.currentChanged.connect(self._show_note)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(row)

    def show_spec(self, spec, error=None) -> None:
        """Show the code for ``spec``; an invalid spec shows the engine's message instead of code."""
        if error is not None:
            text = f"# The model cannot be built yet:\n# {error}\n"
            self._set(self.pytorch, text)
            self._set(self.keras, text)
            self._notes = dict.fromkeys((self.pytorch, self.keras), "Fix the red layer to see the code.")
        else:
            self._set(self.pytorch, pytorch_code(spec))
            self._set(self.keras, keras_code(spec))
            self._notes = {self.pytorch: PYTORCH_NOTE, self.keras: "\n".join([KERAS_NOTE, *keras_notes(spec)])}
        self._show_note()

    def note_text(self) -> str:
        """The line under the code for the visible tab."""
        return self.note.text()

    def _show_note(self, *_) -> None:
        self.note.setText(self._notes[self.tabs.currentWidget()])

    def _set(self, edit: QPlainTextEdit, text: str) -> None:
        if edit.toPlainText() != text:
            bar = edit.verticalScrollBar().value()
            edit.setPlainText(text)
            edit.verticalScrollBar().setValue(bar)

    def text(self) -> str:
        """The code on the visible tab."""
        return self.tabs.currentWidget().toPlainText()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.note.setText(f"Copied the {self.tabs.tabText(self.tabs.currentIndex())} code.")
