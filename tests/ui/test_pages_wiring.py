"""The window's pages work together: lazy Train/Classify pages, kernels and models passed between them."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from cnn_explorer.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow(None)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def test_train_and_classify_are_built_only_when_first_shown(window, qtbot):
    assert window.page_names() == ["explorer", "train", "classify", "demos"]
    assert window.train_tab.page() is None and window.classify_tab.page() is None
    window.show_page("train")
    qtbot.waitUntil(lambda: window.train_tab.page() is not None, timeout=5000)
    assert type(window.train_tab.page()).__name__ == "TrainPage"
    assert window.classify_tab.page() is None
    # the Train page's undo stack drives Edit > Undo while it is shown
    assert window.undo_group.activeStack() is window.train_tab.page().undo_stack


def test_window_start_up_imports_no_torch():
    import subprocess

    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from cnn_explorer.ui.main_window import MainWindow\n"
        "w = MainWindow(None); w.show(); app.processEvents(); app.processEvents()\n"
        "print('torch' in sys.modules)\n"
        "w.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_a_learned_filter_becomes_the_explorers_kernel_and_undo_restores(window, qtbot):
    state = window.explorer.state
    before = [k.copy() for k in state.kernels]
    window.show_page("classify")
    page = window.classify_page()
    kernel = np.arange(9, dtype=float).reshape(3, 3, 1) - 4
    page.kernel_to_explorer_requested.emit(kernel, "conv1 filter 2")
    assert window.page_names()[window.pages.currentIndex()] == "explorer"
    assert list(state.kernel_names) == ["conv1 filter 2"]
    np.testing.assert_array_equal(state.kernels[0], kernel[:, :, 0])
    state.undo_stack.undo()
    assert len(state.kernels) == len(before)
    np.testing.assert_array_equal(state.kernels[0], before[0])


def test_a_bad_filter_is_refused_with_a_message_and_the_kernel_kept(window):
    state = window.explorer.state
    before = [k.copy() for k in state.kernels]
    page = window.classify_page()
    page.kernel_to_explorer_requested.emit(np.full((3, 3), np.nan), "broken")
    assert "NaN" in window.statusBar().currentMessage() or "finite" in window.statusBar().currentMessage().lower()
    np.testing.assert_array_equal(state.kernels[0], before[0])


def test_a_trained_model_reaches_the_classify_page(window, qtbot):
    from cnn_explorer.core.train.checkpoints import load_model

    loaded = load_model("mnist")
    received = []
    classify = window.classify_page()
    original = classify.set_model
    classify.set_model = lambda m: (received.append(m), original(m))
    window.train_page().model_trained.emit(loaded)
    assert received == [loaded]
    assert "Classify" in window.statusBar().currentMessage()


def test_the_explorers_kernels_feed_the_train_page(window):
    panel = window.train_page().kernels_panel
    provider = panel.provider()
    assert [n for n, _ in provider()] == [n for n, _ in window.explorer_kernels()]


def test_explorer_shortcuts_yield_to_the_other_pages(window, qtbot):
    paste = window.explorer_actions.paste_action
    play = window.explorer.animation_panel.actions()[0]
    assert paste.shortcuts() and play.shortcuts()
    window.show_page("classify")
    assert paste.shortcuts() == [] and play.shortcuts() == []
    window.show_page("explorer")
    assert paste.shortcuts() and play.shortcuts()
    assert window.shortcut_rows()  # the shortcut list still shows the explorer's keys
