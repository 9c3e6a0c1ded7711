"""NumberTable: a QTableWidget for typing numbers that keeps its navigation keys.

Window-wide shortcuts such as the animation's Space, Left/Right, PageUp/PageDown
and Home/End would otherwise steal these keys from the table while the user
moves between cells or types.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QTableWidget

_NAVIGATION_KEYS = {
    Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
    Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End,
    Qt.Key.Key_Space, Qt.Key.Key_Tab, Qt.Key.Key_Backtab,
}


class NumberTable(QTableWidget):
    """A table whose own navigation keys win over window shortcuts while it has the focus."""

    def event(self, event) -> bool:  # noqa: D401 - Qt API
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in _NAVIGATION_KEYS \
                and not (event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)):
            event.accept()
            return True
        return super().event(event)
