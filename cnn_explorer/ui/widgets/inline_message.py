"""InlineMessage: a non-modal, word-wrapped message line (error or info) that hides when cleared."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


class InlineMessage(QLabel):
    """Shows one message inside a panel instead of a blocking dialog; ``text()`` is what is shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, text: str) -> None:
        self._show(text, "inlineError")

    def show_info(self, text: str) -> None:
        self._show(text, "inlineInfo")

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    @property
    def is_error(self) -> bool:
        """True while an error (not an info line) is shown."""
        return self.objectName() == "inlineError" and not self.isHidden()

    def _show(self, text: str, kind: str) -> None:
        if self.objectName() != kind:
            self.setObjectName(kind)
            self.style().unpolish(self)
            self.style().polish(self)
        self.setText(text)
        self.show()
