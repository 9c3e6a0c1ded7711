"""The demos' keys: one table (ui/demos/keys.py) that every demo's actions and Help ▸ Keyboard shortcuts use,
and Space on a focused combo box opens it instead of running the demo."""

from __future__ import annotations

import layout_check as lc  # tests/ui/layout_check.py (pytest puts this folder on the path)
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox

from cnn_explorer.core.lessons.demos import DEMOS
from cnn_explorer.ui.demos.keys import DEMO_KEYS, demo_keys


@pytest.fixture(scope="module")
def window(shared_window):
    return shared_window


def _busy(widget) -> bool:
    return any(getattr(widget, name)() for name in ("is_running", "is_playing", "is_training") if hasattr(widget, name))


@pytest.mark.parametrize("name", list(DEMOS))
def test_every_demos_keys_are_the_tables(window, name):
    widget = window.show_demo(name)
    found = {seq.toString() for act in widget.findChildren(QAction) + widget.actions() for seq in act.shortcuts()
             if act.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut}
    wanted = {seq.toString() for key_id, _k, _w in DEMO_KEYS.get(name, ()) for seq in demo_keys(name, key_id)}
    assert wanted <= found, wanted - found


@pytest.mark.parametrize("name", list(DEMOS))
def test_space_on_a_combo_box_opens_it_and_does_not_run_the_demo(qapp, qtbot, window, name):
    widget = window.show_demo(name)
    lc.settle(qapp)
    combos = [c for c in widget.findChildren(QComboBox) if c.isVisible() and c.isEnabled()]
    for combo in combos:
        before = widget.params()
        window.activateWindow()
        combo.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(lambda c=combo: c.hasFocus() and window.isActiveWindow(), timeout=2000)
        QTest.keyClick(combo, Qt.Key.Key_Space)
        try:
            assert combo.view().isVisible(), combo.objectName() or combo.currentText()
            assert not _busy(widget) and widget.params() == before
        finally:
            combo.hidePopup()
            stop = getattr(widget, "shutdown", None)
            if stop:
                stop()


def test_space_still_runs_the_demo_elsewhere(qtbot, window):
    widget = window.show_demo("learn-kernel")
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)
    QTest.keyClick(widget, Qt.Key.Key_Space)
    assert widget.is_running()
    QTest.keyClick(widget, Qt.Key.Key_Space)
    assert not widget.is_running()


def test_help_lists_the_demos_keys_under_a_demos_heading(window):
    help_window = window.show_shortcuts()
    try:
        text = help_window.shortcuts.toPlainText()
        assert "Demos" in text
        demos_part = text[text.index("Demos"):]
        for name, keys in DEMO_KEYS.items():
            assert DEMOS[name].title.split(":")[0] in demos_part
            for key_id, _keys, what in keys:
                assert what in demos_part
                for seq in demo_keys(name, key_id):
                    assert seq.toString(QKeySequence.SequenceFormat.NativeText) in demos_part
    finally:
        help_window.close()
