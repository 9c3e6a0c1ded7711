"""What presentation clickers send, for the lesson while one runs; and lesson files dropped on the window.

The key filter sits at the application while a lesson runs, so a grid, spin box or combo box that has the focus does not
swallow PageDown or an arrow key in the middle of a lesson. Free-text boxes (the answer
box) keep Space and the arrows for typing; PageDown/PageUp always turn the page. T folds the step's text
away (or shows it again) unless a text box, list or grid has the focus.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from cnn_explorer.core.lessons.parse import LESSON_SUFFIX

#: key -> +1 (next) or -1 (back)
NEXT_KEYS = (Qt.Key.Key_PageDown, Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Space)
BACK_KEYS = (Qt.Key.Key_PageUp, Qt.Key.Key_Left, Qt.Key.Key_Up)
#: the lesson's keys for the shortcut list (Help ▸ Keyboard shortcuts)
LESSON_KEY_ROWS = (("Lesson: next step", "PageDown, Right, Down, Space"),
                   ("Lesson: previous step", "PageUp, Left, Up, Shift+Space"),
                   ("Lesson: hide / show the step's text", "T"))
#: keys a text box keeps for editing
_TYPING_KEYS = (Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Space)


def lesson_files(mime) -> list[Path]:
    """The local lesson files (*.md) a drag carries."""
    if not mime.hasUrls():
        return []
    paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    return [p for p in paths if p.suffix.lower() == LESSON_SUFFIX]


def _in_window(obj, window: QWidget) -> bool:
    return isinstance(obj, QWidget) and obj.window() is window


class LessonDrops(QObject):
    """Opens a lesson file dropped anywhere on ``window`` with ``open_file(path)`` (other drops pass on).

    It filters the window and each of its widgets that takes drops itself (a drag goes to the deepest
    widget that accepts drops, else up to the window), not the whole application.
    """

    def __init__(self, window: QWidget, open_file) -> None:
        super().__init__(window)
        self._window, self._open_file = window, open_file
        self._watched: list[QWidget] = []

    def watch(self) -> None:
        """Filter the window and every widget of it that accepts drops (call again after adding some)."""
        self._window.setAcceptDrops(True)
        for w in [self._window, *self._window.findChildren(QWidget)]:
            if w.acceptDrops() and w not in self._watched:
                w.installEventFilter(self)
                self._watched.append(w)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        if not _in_window(obj, self._window):
            return False
        files = lesson_files(event.mimeData())
        if not files:
            return False
        event.acceptProposedAction()
        if kind == QEvent.Type.Drop:
            self._open_file(files[0])
        return True


class LessonKeys(QObject):
    """Turns the clicker keys into ``player.next()`` / ``player.back()`` while ``player.is_active()``."""

    def __init__(self, player, window: QWidget) -> None:
        super().__init__(window)
        self._player = player
        self._window = window

    def _ours(self, obj) -> bool:
        return _in_window(obj, self._window)

    def _direction(self, event) -> int:
        key = event.key()
        if event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier):
            return 0
        step = 1 if key in NEXT_KEYS else -1 if key in BACK_KEYS else 0
        if key == Qt.Key.Key_Space and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            step = -1
        if step and key in _TYPING_KEYS:
            focus = QApplication.focusWidget()
            typing = isinstance(focus, QLineEdit) and not isinstance(focus.parentWidget(), QAbstractSpinBox)
            if typing:
                return 0
        return step

    @staticmethod
    def _is_text_key(event) -> bool:
        if event.key() != Qt.Key.Key_T or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        focus = QApplication.focusWidget()
        return not isinstance(focus, (QLineEdit, QAbstractSpinBox, QComboBox, QTextEdit, QPlainTextEdit,
                                         QAbstractItemView))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not self._player.is_active() or not self._ours(obj):
            return False
        if QApplication.activePopupWidget() is not None or QApplication.activeModalWidget() is not None:
            return False
        if self._is_text_key(event):                 # T: fold the step's text away / show it again
            event.accept()
            if kind == QEvent.Type.KeyPress:
                self._player.panel.toggle_text()
            return True
        step = self._direction(event)
        if not step:
            return False
        event.accept()
        if kind == QEvent.Type.KeyPress:
            self._player.next() if step > 0 else self._player.back()
        return True
