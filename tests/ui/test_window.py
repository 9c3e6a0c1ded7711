"""The main window: opening and closing cleanly, menus and shortcuts, settings, --screenshot, start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAction, QImage, QKeySequence, QScreen
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from cnn_explorer.core.kernels.samples import SAMPLE_TOPICS, SAMPLES
from cnn_explorer.ui import lifecycle
from cnn_explorer.ui.main_window import START_DISMISSED_KEY, MainWindow
from cnn_explorer.ui.theme import GRID_LINE
from cnn_explorer.ui.widgets.shortcuts import unique_shortcuts
from cnn_explorer.ui.widgets.splitter_grip import HANDLE_WIDTH
from cnn_explorer.ui.widgets.window_fit import fit_rect

REPO = Path(__file__).resolve().parents[2]


def _run(args, env=None, timeout=120):
    env = dict(os.environ if env is None else env)
    return subprocess.run(
        [sys.executable, "-m", "cnn_explorer", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=timeout
    )


def test_window_opens_and_closes_cleanly(qtbot, temp_settings):
    window = MainWindow(settings=temp_settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.first_painted, timeout=5000):
        window.show()
    assert window.pages.tabText(0) == "Explorer"
    assert window.explorer.state.result is not None
    window.close()
    assert not window.isVisible()
    assert not [t for t in lifecycle.live_timers() if t.isActive()]
    assert not [t for t in lifecycle.live_qthreads() if t.isRunning()]


def test_menus_and_standard_shortcuts(qtbot, main_window):
    def keys(action):
        return {k.toString() for k in action.shortcuts()}

    ea = main_window.explorer_actions
    assert "Ctrl+O" in keys(ea.open_action)
    assert "Ctrl+S" in keys(ea.save_image_action)
    assert "Ctrl+V" in keys(ea.paste_action)
    assert "Ctrl+Q" in keys(main_window.quit_action)
    assert "Ctrl+Z" in keys(main_window.undo_action)
    assert {"Ctrl+Shift+Z", "Ctrl+Y"} <= keys(main_window.redo_action)
    assert "F11" in keys(main_window.full_screen_action)
    assert {"Ctrl+=", "Ctrl++"} <= keys(main_window.zoom_in_action)
    assert "Ctrl+-" in keys(main_window.zoom_out_action)
    assert "Ctrl+0" in keys(main_window.zoom_reset_action)
    titles = [a.text().replace("&", "") for a in main_window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Demos", "Help"]
    rows = dict(main_window.shortcut_rows())
    assert "Quit" in rows


def test_samples_menu_lists_every_sample_by_topic_and_human_name(qtbot, main_window):
    found = set()
    main_window.explorer_actions.fill_sample_menus()
    subs = main_window.samples_menu.actions()
    assert [sub.text().replace("&&", "&") for sub in subs] == list(SAMPLE_TOPICS)
    for sub in subs:
        for act in sub.menu().actions():
            found.add(act.data())
            assert act.text() == SAMPLES[act.data()].label and act.statusTip()
    assert found == set(SAMPLES)
    entry = next(a for a in subs[0].menu().actions() if a.data() == "000-1")
    assert entry.text() == "6×6 example with the corner filter (slide 000-1)"
    entry.trigger()
    assert main_window.explorer.state.image.shape == (6, 6)
    assert "6×6 example with the corner filter (slide 000-1)" in main_window.statusBar().currentMessage()


def test_sample_opens_with_its_kernel_and_settings(qtbot, main_window):
    name = next(n for n, s in SAMPLES.items() if s.slide and s.kernel is not None)
    sample = SAMPLES[name]
    main_window.explorer_actions.open_sample(name)
    state = main_window.explorer.state
    np.testing.assert_array_equal(state.image, sample.image)
    assert state.conv == sample.conv and state.pool == sample.pool and state.activation == sample.activation
    state.undo_stack.undo()
    assert state.image.shape == (28, 28)


def test_undo_redo_follow_the_page(qtbot, main_window):
    state = main_window.explorer.state
    state.set_cell(1, 1, 3.0)
    main_window.undo_action.trigger()
    assert state.image[1, 1] == 0
    main_window.redo_action.trigger()
    assert state.image[1, 1] == 3


def test_presenter_scale(qtbot, main_window):
    size = QApplication.font().pointSizeF()
    main_window.zoom_in_action.trigger()
    assert main_window.scale.factor == 1.25
    assert QApplication.font().pointSizeF() == pytest.approx(size * 1.25)
    assert "125%" in main_window.scale_label.text()
    main_window.zoom_reset_action.trigger()
    assert main_window.scale.factor == 1.0
    assert QApplication.font().pointSizeF() == pytest.approx(size)


def test_geometry_and_scale_are_remembered(qtbot, temp_settings):
    window = MainWindow(settings=temp_settings)
    qtbot.addWidget(window)
    window.show()
    # widths the panes can have at scale 1.5 with its wider splitter handles (a column never gets
    # narrower than its minimum plus a handle, so a width below that would not come back exactly)
    window.explorer.splitter.setSizes([420, 400, 546])
    window.scale.set_factor(1.5)
    sizes = window.explorer.splitter.sizes()
    window.close()
    assert float(temp_settings.value("view/scale")) == 1.5
    assert not temp_settings.value("window/geometry").isEmpty()
    again = MainWindow(settings=temp_settings)
    qtbot.addWidget(again)
    try:
        assert again.scale.factor == 1.5
        assert again.explorer.splitter.saveState() == temp_settings.value("explorer/splitter")
        assert sizes[0] >= sizes[1]
    finally:
        again.close()


def test_last_sample_is_reopened(qtbot, temp_settings):
    window = MainWindow(settings=temp_settings)
    qtbot.addWidget(window)
    window.explorer_actions.open_sample("001-5")
    window.close()
    again = MainWindow(settings=temp_settings)
    qtbot.addWidget(again)
    try:
        np.testing.assert_array_equal(again.explorer.state.image, SAMPLES["001-5"].image)
        assert again.explorer.state.conv.stride == (2, 2)
        assert not again.explorer.state.undo_stack.canUndo()
    finally:
        again.close()


def test_add_page_slots_in_beside_the_explorer(qtbot, main_window):
    assert main_window.page_names() == ["explorer", "train", "classify", "demos"]
    index = main_window.add_page("Lessons", QLabel("lessons"))
    assert index == 4 and main_window.page_names() == ["explorer", "train", "classify", "demos", "lessons"]
    assert main_window.show_page("lessons") and main_window.pages.currentIndex() == 4


def test_no_torch_at_start_up():
    code = (
        "import os, sys\nos.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from cnn_explorer.ui.app import create_application\napp = create_application()\n"
        "from cnn_explorer.ui.main_window import MainWindow\nw = MainWindow(settings=None)\nw.show()\n"
        "app.processEvents()\nw.explorer.state.recompute_now()\n"
        "print('torch' in sys.modules)\nw.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_screenshot_writes_a_png(tmp_path):
    sample = next(n for n, s in SAMPLES.items() if s.slide and s.kernel is not None)
    path = tmp_path / "shot.png"
    out = _run(["--screenshot", str(path), "--sample", sample, "--size", "1366x768", "--step", "0"])
    assert out.returncode == 0, out.stderr
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1366, 768)


def test_screenshot_bad_sample_or_kernel_is_one_line_and_exit_2(tmp_path):
    out = _run(["--screenshot", str(tmp_path / "x.png"), "--sample", "no-such-sample"])
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "sample" in out.stderr
    out = _run(["--screenshot", str(tmp_path / "x.png"), "--kernel", "1,2;3"])
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "kernel" in out.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the no-display check is for Linux")
def test_no_display_is_one_clear_line():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = _run([], env=env)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "no display" in out.stderr



def test_maps_are_built_right_after_the_first_paint(qtbot, temp_settings):
    window = MainWindow(settings=temp_settings)
    qtbot.addWidget(window)
    panel = window.explorer.maps_panel
    assert panel.is_deferred() and panel.rows == []          # nothing of pyqtgraph before the window shows
    with qtbot.waitSignal(window.first_painted, timeout=5000):
        window.show()
    qtbot.waitUntil(lambda: not panel.is_deferred() and bool(panel.rows), timeout=5000)
    np.testing.assert_array_equal(panel.tile(0, "feature").view.values(), window.explorer.state.result.feature[0])
    window.close()
    assert not window.start_up_pending()


def test_first_paint_comes_before_pyqtgraph_and_torch():
    code = (
        "import os, sys\nos.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from cnn_explorer.ui.app import create_application\napp = create_application()\n"
        "from cnn_explorer.ui.main_window import MainWindow\nw = MainWindow(settings=None)\n"
        "seen = []\n"
        "w.first_painted.connect(lambda: seen.append(('pyqtgraph' in sys.modules, 'torch' in sys.modules)))\n"
        "w.show()\n"
        "for _ in range(20):\n    app.processEvents()\n"
        "print(seen[0], 'pyqtgraph' in sys.modules, bool(w.explorer.maps_panel.rows))\nw.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "(False, False) True True"


def test_a_nonsense_remembered_scale_falls_back_to_normal(qtbot, temp_settings):
    temp_settings.setValue("view/scale", "nan")
    window = MainWindow(settings=temp_settings)
    qtbot.addWidget(window)
    assert window.scale.factor == 1.0
    window.close()


# --- the window shell (issue 11): screen fitting, Ctrl+0, splitter handles, Ctrl+Q ------------------

def _activate(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


def test_fit_rect_keeps_a_window_inside_the_available_area():
    area = QRect(0, 0, 1280, 720)
    assert fit_rect(QRect(0, 0, 1366, 768), area) == area                     # larger: takes the whole area
    assert fit_rect(QRect(900, 500, 800, 600), area) == QRect(480, 120, 800, 600)  # partly off: slides in
    assert fit_rect(QRect(-3000, -40, 800, 600), area) == QRect(0, 0, 800, 600)    # off-screen: brought back
    assert fit_rect(QRect(100, 50, 800, 600), area) == QRect(100, 50, 800, 600)    # inside: unchanged
    second = QRect(1920, 0, 1280, 690)                                         # a projector right of the laptop
    assert fit_rect(QRect(1800, 20, 1366, 768), second) == second


def test_a_window_remembered_on_a_larger_screen_opens_inside_the_projector(qtbot, temp_settings, monkeypatch):
    big = MainWindow(settings=temp_settings)
    qtbot.addWidget(big)
    big.setGeometry(QRect(40, 30, 1366, 768))  # as it was on the laptop's 1366x768 screen
    big.close()
    temp_settings.setValue(START_DISMISSED_KEY, True)
    projector = QRect(0, 0, 1280, 720)
    monkeypatch.setattr(QScreen, "availableGeometry", lambda _screen: QRect(projector))
    window = MainWindow(settings=temp_settings)
    qtbot.addWidget(window)
    # offscreen, restoreGeometry already clips to the platform's own 800x800 screen: put back what a
    # 1366x768 laptop remembered, as a real projector session restores it
    window.setGeometry(QRect(40, 30, 1366, 768))
    window.open_as_app()           # the interactive start: fitted to the (patched) screen
    qtbot.waitExposed(window)
    # fitted before showing, and again after the first paint, once the frame (title bar, borders) is known
    qtbot.waitUntil(lambda: projector.contains(window.frameGeometry()), timeout=3000)
    assert window.minimumWidth() <= 1280 and window.minimumHeight() <= 720
    bar = window.statusBar()
    assert bar.isVisible() and projector.contains(QRect(bar.mapToGlobal(QPoint(0, 0)), bar.size()))
    window.close()


def test_ctrl_0_restores_the_default_layout_and_it_survives_a_restart(qtbot, temp_settings):
    window = MainWindow(settings=temp_settings)
    qtbot.addWidget(window)
    _activate(qtbot, window)
    splitter = window.explorer.splitter
    window.zoom_in_action.trigger()
    window.zoom_in_action.trigger()
    splitter.setSizes([700, 380, 286])  # dragged, and widened by the zoom
    qtbot.wait(100)
    dragged = splitter.sizes()
    window.save_settings()
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(200)  # the second reset, after the fonts shrank the columns' minimum widths
    assert window.scale.factor == 1.0
    assert temp_settings.value("explorer/splitter") is None  # forgotten at once, not only at exit
    reset = splitter.sizes()
    assert reset != dragged
    # the default layout, whatever came before: the same as a fresh window's after Ctrl+0
    fresh = MainWindow(settings=None)
    qtbot.addWidget(fresh)
    fresh.resize(window.size())
    fresh.show()
    qtbot.waitExposed(fresh)
    fresh.reset_layout()
    qtbot.wait(200)
    assert fresh.explorer.splitter.sizes() == reset
    fresh.close()
    window.close()
    again = MainWindow(settings=temp_settings)
    qtbot.addWidget(again)
    again.resize(window.size())
    again.show()
    qtbot.waitExposed(again)
    qtbot.wait(100)
    assert again.scale.factor == 1.0
    # the dragged widths did not come back: the reset ones did (give or take the few pixels a column's
    # minimum width differs before the first paint)
    after = again.explorer.splitter.sizes()
    assert after == pytest.approx(reset, abs=15)
    assert max(abs(a - d) for a, d in zip(after, dragged)) > 60
    again.close()


def test_splitter_handles_are_wide_with_a_visible_grip(qtbot, main_window):
    splitter = main_window.explorer.splitter
    assert splitter.handleWidth() >= 6
    handle = splitter.handle(1)
    assert handle.width() >= 6
    picture = handle.grab().toImage()

    def near_grid_line(c):
        return max(abs(c.red() - GRID_LINE.red()), abs(c.green() - GRID_LINE.green()),
                   abs(c.blue() - GRID_LINE.blue())) < 24

    dots = sum(near_grid_line(picture.pixelColor(x, y)) for x in range(picture.width()) for y in range(picture.height()))
    assert dots >= 5 * 4  # five dots of at least 2x2 pixels, drawn in the theme's grid colour
    main_window.zoom_in_action.trigger()
    assert splitter.handleWidth() > HANDLE_WIDTH  # grows with the presenter scale
    main_window.zoom_reset_action.trigger()
    assert splitter.handleWidth() == HANDLE_WIDTH


def test_an_action_with_a_key_twice_is_ambiguous_so_each_key_is_kept_once(qtbot):
    # QKeySequence.Quit is Ctrl+Q on desktops (empty offscreen), so Quit held Ctrl+Q twice there
    assert [k.toString() for k in unique_shortcuts([QKeySequence("Ctrl+Q"), "Ctrl+Q", "", "Ctrl+W"])] == [
        "Ctrl+Q", "Ctrl+W"]
    window = QMainWindow()
    qtbot.addWidget(window)
    hits = []
    twice, once = QAction("twice", window), QAction("once", window)
    twice.setShortcuts([QKeySequence("Ctrl+E"), QKeySequence("Ctrl+E")])
    once.setShortcuts(unique_shortcuts(["Ctrl+R", "Ctrl+R"]))
    for act in (twice, once):
        act.triggered.connect(lambda _=False, a=act: hits.append(a.text()))
        window.addAction(act)
    _activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert hits == ["once"]  # the doubled key fired nothing ("Ambiguous shortcut overload")
    window.close()


def test_no_window_action_holds_a_key_twice(qtbot, main_window):
    for act in main_window.actions():
        keys = [k.toString() for k in act.shortcuts()]
        assert len(keys) == len(set(keys)), act.text()


def test_ctrl_q_quits(qtbot, temp_settings):
    window = MainWindow(settings=temp_settings)
    qtbot.addWidget(window)
    _activate(qtbot, window)
    keys = [k.toString() for k in window.quit_action.shortcuts()]
    assert keys.count("Ctrl+Q") == 1  # twice made Qt report "Ambiguous shortcut overload" and do nothing
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)


def test_a_long_status_message_never_runs_under_the_scale_label(qtbot, main_window):
    main_window.resize(1000, 700)
    main_window.scale.set_factor(2.0)
    text = "A very long message " * 12
    main_window.show_message(text)
    bar = main_window.statusBar()
    shown = bar.currentMessage()
    assert shown.endswith("…") and len(shown) < len(text.strip())
    assert main_window.messages.text() == " ".join(text.split()) == bar.toolTip()
    room = bar.width() - main_window.scale_label.sizeHint().width()
    assert bar.fontMetrics().horizontalAdvance(shown) < room
