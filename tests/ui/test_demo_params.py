"""Add this view as a step on the Demos page: each demo's ``params()`` written as ``@demo NAME key=value …``
reads back through core's readers and opens the demo as it was."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.lessons.demos import DEMOS
from cnn_explorer.core.lessons.resolve import lesson_from_text
from cnn_explorer.ui.demos.params import demo_directive, param_word
from cnn_explorer.ui.lessons.apply import view_as_step

#: for every demo, parameters other than its defaults (what a teacher set before pressing Ctrl+Shift+L)
CHANGED = {
    "why-convolution": {"height": 32, "units": 10, "kernel": 5},
    "conv-1d": {"row": (1.0, 0.0, -1.0, 2.5, 0.0), "filter": (1.0, 0.5), "filter2": (-1.0, 1.0), "stride": 1,
                "padding": 1},
    "learn-kernel": {"target": "x", "lr": 0.2, "steps": 3, "padding": "1", "start": "random", "seed": 7},
    "pooling-invariance": {"transform": "rotate", "feature": "x", "amount": -2},
    "column-swap": {"seed": 3, "epochs": 12, "shuffle": "columns"},
    "xo-vote": {"epochs": 3, "seed": 5},
    "fit-line": {"a": 1.5, "b": -2.25, "lr": 0.02, "start-a": 0.5},
    "activations": {"x": -1.25, "logits": (3.0, 1.0, 0.2), "prediction": (0.6, 0.3, 0.1), "target": (0.0, 1.0, 0.0)},
}


@pytest.fixture(scope="module")
def window(shared_window):
    return shared_window


def test_every_demo_is_covered():
    assert set(CHANGED) == set(DEMOS)
    for name, values in CHANGED.items():
        defaults = DEMOS[name].defaults()
        assert all(values[k] != defaults[k] for k in values), name


def test_values_are_written_as_cores_readers_read_them():
    assert param_word((1.0, 0.0, -1.0)) == "1,0,-1"
    assert param_word(()) == "none" and param_word(0.1) == "0.1" and param_word(-0.0) == "0" and param_word(7) == "7"
    assert demo_directive("conv-1d", DEMOS["conv-1d"].defaults()) == "@demo conv-1d"   # defaults: not written
    assert demo_directive("conv-1d", {"filter": (1.0, -1.0, 0.5)}) == "@demo conv-1d filter=1,-1,0.5"
    with pytest.raises(CnnExplorerError, match="amount"):
        demo_directive("pooling-invariance", {"amount": 99})          # out of the reader's range: said, not written


@pytest.mark.parametrize("name", list(DEMOS))
def test_params_round_trip_through_the_lesson_text(qapp, window, name):
    widget = window.show_demo(name, CHANGED[name])
    shown = widget.params()
    assert all(shown[k] == pytest.approx(v) if not isinstance(v, str) else shown[k] == v
               for k, v in CHANGED[name].items()), shown
    block = view_as_step(window, "Mine", "Look.")
    directive = block.strip().splitlines()[-1]
    assert directive.startswith(f"@demo {name} ") and len(directive.split()) == 2 + len(CHANGED[name])
    step = lesson_from_text("# Round trip\n\n" + block).steps[0]
    assert step.state.demo.name == name
    window.show_demo(name)                         # the defaults first: opening the step must bring them back
    assert window.demos_page().demo_widget(name).params() != shown
    player = window.lesson_player()
    player.open_lesson(lesson_from_text("# Round trip\n\n" + block))
    player.go(0)
    assert window.demos_page().current_demo() == name
    assert window.demos_page().demo_widget(name).params() == shown
    player.close()


def test_ctrl_shift_l_on_the_demos_page_appends_the_demo_and_ctrl_z_removes_it(qapp, window):
    player = window.lesson_player()
    player.close()
    window.show_demo("pooling-invariance", {"transform": "shift-left", "amount": 2})
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(player.draft_blocks) == 1, window.statusBar().currentMessage()
    block = player.draft_blocks[-1]
    assert "@demo pooling-invariance transform=shift-left amount=2" in block
    assert block.startswith("## Step 1: Pooling gives some invariance")
    window.explorer.state.undo_stack.undo()
    assert player.draft_blocks == []
