"""Status-bar messages that never run under the permanent widgets (the scale label): cut with "…", whole in the tooltip."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QStatusBar, QWidget

#: how long a message stays
STATUS_TIMEOUT_MS = 8000


class StatusMessages(QObject):
    """Shows messages in ``bar``, elided to the room left of ``permanent`` and re-cut when the bar or its font changes."""

    def __init__(self, bar: QStatusBar, permanent: QWidget) -> None:
        super().__init__(bar)
        self._bar = bar
        self._permanent = permanent
        self._text = ""
        self._until = 0.0  # when the message expires (time.monotonic)
        bar.installEventFilter(self)

    def show(self, text: str) -> None:
        """Show ``text`` (white space collapsed) for STATUS_TIMEOUT_MS."""
        self._text = " ".join(str(text).split())
        self._until = time.monotonic() + STATUS_TIMEOUT_MS / 1000
        self._show()

    def text(self) -> str:
        """The whole last message (the bar may show it cut)."""
        return self._text

    def refresh(self) -> None:
        """Cut the shown message again (after a font or width change; shown before the bar had its width, it
        may have been cut to nothing)."""
        if self._text and time.monotonic() < self._until:
            self._show()

    def _show(self) -> None:
        metrics = self._bar.fontMetrics()
        room = self._bar.width() - self._permanent.sizeHint().width() - 3 * metrics.averageCharWidth() - 16
        shown = metrics.elidedText(self._text, Qt.TextElideMode.ElideRight, max(0, room))
        self._bar.showMessage(shown, max(1, round((self._until - time.monotonic()) * 1000)))
        self._bar.setToolTip(self._text if shown != self._text else "")

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if watched is self._bar and event.type() in (QEvent.Type.Resize, QEvent.Type.FontChange):
            self.refresh()
        return False
