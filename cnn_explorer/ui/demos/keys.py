"""The demos' keys: one table the demos build their actions from and Help ▸ Keyboard shortcuts lists.

Each key works while the demo (or a control inside it) has the focus. Space on a focused combo box
or button does what Space does there (opens the list, presses the button), not the demo's Space.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QWidget,
)

from cnn_explorer.core.lessons.demos import DEMOS
from cnn_explorer.ui.demos.registry import demo_names
from cnn_explorer.ui.widgets.shortcuts import unique_shortcuts

#: demo name -> ((key id, keys as QKeySequence writes them, comma-separated, what it does), …)
DEMO_KEYS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "conv-1d": (("play", "Space", "Play / pause"), ("forward", "Right", "Step forward"),
                ("back", "Left", "Step back"), ("first", "Home", "First step"), ("last", "End", "Last step")),
    "learn-kernel": (("run", "Space", "Run / pause"), ("step", "Right", "Step"), ("back", "Left", "Back"),
                     ("reset", "Home", "Reset"), ("next cell", "Shift+Right", "Next gradient cell"),
                     ("previous cell", "Shift+Left", "Previous gradient cell"),
                     ("undo", "Ctrl+Z", "Undo an edit of the input or kernel"),
                     ("redo", "Ctrl+Shift+Z, Ctrl+Y", "Redo an edit")),
    "pooling-invariance": (("more", "Right", "One more pixel (or 15° step)"),
                           ("less", "Left", "One less pixel (or 15° step)"),
                           ("reset", "Home", "Reset: one pixel right, diagonal feature")),
    "column-swap": (("train", "Space", "Train / stop"), ("reset", "Home", "Reset")),
    "xo-vote": (("train", "Ctrl+Return", "Train"), ("stop", "Esc", "Stop training"),
                ("undo", "Ctrl+Z", "Undo a stroke of the drawing"), ("redo", "Ctrl+Shift+Z", "Redo a stroke")),
    "fit-line": (("run", "Space", "Run / pause gradient descent"), ("step", "Right", "One step of gradient descent"),
                 ("reset", "Home", "Back to the start")),
    "activations": (("right", "Right", "Move x right"), ("left", "Left", "Move x left"),
                    ("reset", "Home", "x back to its start")),
}

def _entry(demo: str, key_id: str) -> tuple[str, str, str]:
    for entry in DEMO_KEYS[demo]:
        if entry[0] == key_id:
            return entry
    raise KeyError(f"demo {demo!r} has no key {key_id!r}")


def demo_keys(demo: str, key_id: str, *extra) -> list[QKeySequence]:
    """The key sequences of ``key_id`` in demo ``demo`` (``extra``: the platform's standard keys first)."""
    return unique_shortcuts([*extra, *(k.strip() for k in _entry(demo, key_id)[1].split(","))])


def demo_key_text(demo: str, key_id: str) -> str:
    """The keys as the user's platform writes them ("Space", "Shift+Right"), for tooltips."""
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in demo_keys(demo, key_id))


def demo_key_rows() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(demo title, [(what, keys), …]), …] for Help ▸ Keyboard shortcuts, in the Demos menu's order."""
    return [(DEMOS[name].title.split(":")[0], [(what, demo_key_text(name, key_id))
                                               for key_id, _keys, what in DEMO_KEYS[name]])
            for name in demo_names() if DEMO_KEYS.get(name)]


def _space_to_focus(slot: Callable[[], object]) -> Callable[[], None]:
    """``slot``, unless Space was pressed on a combo box or a button: then it does what Space does there
    (the shortcut took the key before the widget saw it)."""
    def run() -> None:
        focus = QApplication.focusWidget()
        if isinstance(focus, QComboBox) and focus.isEnabled():
            focus.showPopup()
        elif isinstance(focus, QAbstractButton) and focus.isEnabled():
            focus.animateClick()
        else:
            slot()
    return run


def add_demo_action(widget: QWidget, demo: str, key_id: str, slot: Callable[[], object], *extra,
                    owner: QWidget | None = None) -> QAction:
    """A QAction on ``owner`` (default ``widget``) for ``key_id`` of the table, working while ``owner`` or a
    child has the focus; ``extra``: standard keys before the table's (QKeySequence.StandardKey.Undo …)."""
    owner = owner or widget
    _id, keys, what = _entry(demo, key_id)
    action = QAction(what, owner)
    action.setShortcuts(demo_keys(demo, key_id, *extra))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    space = any(seq == QKeySequence(Qt.Key.Key_Space) for seq in action.shortcuts())
    action.triggered.connect(_space_to_focus(slot) if space else (lambda _=False: slot()))
    owner.addAction(action)
    return action
