"""CodeView: the edited model as PyTorch and as Keras code (the engine's codegen), read-only, with Copy."""

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

from cnn_explorer.core.model.codegen import keras_code, pytorch_code


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
            self.note.setText("Fix the red layer to see the code.")
            return
        self._set(self.pytorch, pytorch_code(spec))
        self._set(self.keras, keras_code(spec))
        self.note.setText("Runs as is: copy it into a .py file.")

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
