"""InlineMessage: a non-modal, word-wrapped message line (error or info) that hides when cleared;
``file_problem``: the one wording for a file that cannot be used, on every page."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.messages import DAMAGED

#: what a failed load leaves in place, said after every file problem
IMAGE_KEPT = "the current image is kept"


def file_problem(where: str | Path, exc: BaseException, kept: str = IMAGE_KEPT) -> str:
    """One line for a file (or dropped/pasted data) that cannot be used: "<name>: <why> — <kept>".

    The same bad file reads the same on every page: core messages start with the full path,
    which becomes the file's name (a projector has no room for folders); OS errors and
    unforeseen decoder failures are said in words, never as exception names.
    """
    full = str(where)
    name = Path(full).name or full
    if isinstance(exc, CnnExplorerError):
        text = " ".join(str(exc).split()).replace(repr(full), name)   # "kernel file '/a/b.json'" too
        if text.startswith(full):
            text = name + text[len(full):]
    elif isinstance(exc, FileNotFoundError):
        text = "file not found"
    elif isinstance(exc, PermissionError):
        text = "permission denied: this account may not read it"
    elif isinstance(exc, IsADirectoryError):
        text = "is a folder, not a file"
    elif isinstance(exc, OSError) and exc.strerror:
        text = f"cannot be read ({exc.strerror.lower()})"
    elif isinstance(exc, MemoryError):
        text = "not a readable image (the picture needs more memory than is free)"
    else:
        text = f"not a readable image ({DAMAGED})"
    if name not in text:
        text = f"{name}: {text}"
    return f"{text} — {kept}" if kept else text


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
