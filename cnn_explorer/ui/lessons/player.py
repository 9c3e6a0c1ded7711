"""LessonPlayer: runs a lesson in the main window: the lesson bar, Next/Back, the clicker keys,
opening lesson files (menu, drag-and-drop, command line) and writing a lesson from views.

The bar is a dock above the pages, so it stays in the presenter view; the
explorer keeps the last step's state when the lesson ends. A malformed file is
reported with its line and changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QMessageBox,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.lessons.library import (
    find_lesson,
    new_lesson_text,
    save_lesson_text,
)
from cnn_explorer.core.lessons.resolve import lesson_from_text, load_lesson
from cnn_explorer.core.lessons.state import Lesson
from cnn_explorer.ui.lessons.apply import (
    apply_step,
    show_answer_cell,
    view_as_step,
    view_name,
)
from cnn_explorer.ui.lessons.keys import LessonKeys
from cnn_explorer.ui.lessons.panel import LessonPanel

#: the file dialogs' filter
LESSON_FILTER = "Lessons (*.md);;All files (*)"


class _AddStep(QUndoCommand):
    """Undoable "Add this view as a step" (on the explorer's undo stack)."""

    def __init__(self, player: "LessonPlayer", block: str) -> None:
        super().__init__("Add lesson step")
        self._player, self._block = player, block

    def redo(self) -> None:
        self._player.draft_blocks.append(self._block)

    def undo(self) -> None:
        self._player.draft_blocks.pop()


class LessonPlayer(QObject):
    """The lesson of ``window`` (a MainWindow). Signals: ``step_shown(int)`` (0-based), ``lesson_closed()``."""

    step_shown = Signal(int)
    lesson_closed = Signal()

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self._lesson: Lesson | None = None
        self._index = 0
        #: a step on another page (a demo, Train) left the presenter view: the next explorer step returns to it
        self._presenter_left = False
        self.last_error = ""
        self.message_box: QMessageBox | None = None
        self.panel = LessonPanel()
        self.dock = QDockWidget("Lesson", window)
        self.dock.setObjectName("lessonDock")
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.dock.setTitleBarWidget(QWidget(self.dock))
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, self.dock)
        self.dock.hide()
        self.panel.next_requested.connect(self.next)
        self.panel.back_requested.connect(self.back)
        self.panel.step_requested.connect(self.go)
        self.panel.close_requested.connect(self.close)
        self.panel.answered.connect(self._on_panel_answered)
        self.panel.revealed.connect(lambda: self._on_panel_answered(True))
        self.keys = LessonKeys(self, window)       # installed on the application while a lesson runs
        #: the lesson being written: its text so far and the steps added ("Add this view as a step")
        self.draft_text = ""
        self.draft_blocks: list[str] = []

    # --- running a lesson -----------------------------------------------------------------------
    @property
    def lesson(self) -> Lesson | None:
        return self._lesson

    @property
    def index(self) -> int:
        return self._index

    def is_active(self) -> bool:
        """True from opening a lesson until it ends (the clicker keys turn its pages meanwhile)."""
        return self._lesson is not None

    def open_lesson(self, lesson: Lesson, step: int = 0) -> None:
        """Start ``lesson`` at ``step`` (0-based, clamped)."""
        self._lesson = lesson
        self._presenter_left = False
        self.draft_text = lesson.source_text
        self.draft_blocks = []
        self.panel.set_lesson(lesson)
        QApplication.instance().installEventFilter(self.keys)   # again is harmless: Qt keeps one
        self.dock.show()
        if self._window.start_view_shown():
            self._window.hide_start_view()
        self.go(step)
        self._window.show_message(f"Lesson: {lesson.title}. PageDown, → or Space: next step; PageUp or ←: back")

    def open_file(self, path: str | Path, step: int = 0) -> bool:
        """Open the lesson file ``path``; a mistake is shown (with its line) and nothing else changes."""
        try:
            lesson = load_lesson(path)
        except CnnExplorerError as exc:
            self._error(str(exc))
            return False
        self.open_lesson(lesson, step)
        return True

    def open_shipped(self, name: str, step: int = 0) -> bool:
        try:
            path = find_lesson(name)
        except CnnExplorerError as exc:
            self._error(str(exc))
            return False
        return self.open_file(path, step)

    def go(self, index: int) -> None:
        """Show step ``index`` (0-based, clamped to the lesson)."""
        if self._lesson is None:
            return
        self._index = max(0, min(int(index), len(self._lesson.steps) - 1))
        step = self._lesson.steps[self._index]
        if step.state.page != "explorer":
            self._presenter_left = self._presenter_left or self._window.explorer.is_presenter()
        elif self._presenter_left:
            self._presenter_left = False
            self._window.set_presenter(True)     # the other page took the presenter view away: back to it
        apply_step(self._window, step)
        self.panel.show_step(step)
        self.step_shown.emit(self._index)

    def next(self) -> None:
        if self._lesson is None:
            return
        if self._index + 1 >= len(self._lesson.steps):
            self._window.show_message("The last step of the lesson: End lesson leaves it, PageUp goes back")
            return
        self.go(self._index + 1)

    def back(self) -> None:
        if self._lesson is not None and self._index > 0:
            self.go(self._index - 1)

    def close(self) -> None:
        """Leave the lesson; the explorer keeps the last step's state for free exploration."""
        if self._lesson is None:
            return
        self.dock.hide()
        QApplication.instance().removeEventFilter(self.keys)
        title = self._lesson.title
        self._lesson = None
        self._presenter_left = False
        self.lesson_closed.emit()
        self._window.show_message(f"Lesson ended ({title}): the explorer keeps this step to explore freely")

    def shutdown(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.keys)

    def _on_panel_answered(self, right: bool) -> None:
        if right and self._lesson is not None:
            show_answer_cell(self._window, self._lesson.steps[self._index])

    def _error(self, text: str) -> None:
        self.last_error = text
        self._window.show_message(text)
        if self.message_box is not None and shiboken6.isValid(self.message_box):
            self.message_box.close()              # one error box at a time: the newest error replaces it
        box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open the lesson", text,
                          QMessageBox.StandardButton.Ok, self._window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.message_box = box

    # --- menus ----------------------------------------------------------------------------------
    def choose_file(self) -> None:
        """File ▸ Open lesson…"""
        path, _ = QFileDialog.getOpenFileName(self._window, "Open lesson", "", LESSON_FILTER)
        if path:
            self.open_file(path)

    # --- writing a lesson -----------------------------------------------------------------------
    def draft(self) -> str:
        """The lesson being written: the open lesson's text (or a new title) and the added steps."""
        head = self.draft_text or new_lesson_text("My lesson")
        parts = [head.rstrip("\n")] + [b.rstrip("\n") for b in self.draft_blocks]
        return "\n\n".join(parts) + "\n"

    def add_view_as_step(self, title: str = "", text: str = "") -> bool:
        """Append the current view (the explorer's, or the demo shown) to the lesson being written (Ctrl+Z)."""
        count = len(self.draft_blocks) + (len(self._lesson.steps) if self._lesson and self.draft_text else 0)
        title = title or f"Step {count + 1}: {view_name(self._window)}"
        try:
            block = view_as_step(self._window, title, text or "Say here what the class should look at.")
            lesson_from_text(self.draft().rstrip("\n") + "\n\n" + block, "new step")
        except CnnExplorerError as exc:
            self._window.show_message(f"Cannot add this view as a step: {exc}")
            self.last_error = str(exc)
            return False
        self._window.explorer.state.undo_stack.push(_AddStep(self, block))
        self._window.show_message(f"Added \"{title}\" ({len(self.draft_blocks)} new step(s)); "
                                  "File ▸ Save lesson… writes the lesson")
        return True

    def save_lesson(self, path: str | Path | None = None) -> bool:
        """Write the lesson being written (atomically); without ``path`` a file dialog asks."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self._window, "Save lesson", "my-lesson.md", LESSON_FILTER)
            if not path:
                return False
        path = Path(path)
        if path.suffix.lower() != ".md":
            path = path.with_name(path.name + ".md")
        try:
            save_lesson_text(path, self.draft())
        except (OSError, CnnExplorerError) as exc:
            self._window.show_message(f"Cannot save the lesson {path.name}: {exc}")
            self.last_error = str(exc)
            return False
        self._window.show_message(f"Saved the lesson {path.name}")
        return True
