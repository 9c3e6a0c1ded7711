"""The layout matrix: every projector screen x presenter scale 100-300 % x view, offscreen.

A view fails when a visible label, button, check box, radio button, group-box title or tab has
text wider (or taller) than the widget, when two visible siblings overlap, when a layout squashed
a widget under its minimum size (instead of scrolling), when a widget of the step view lies
outside the window, or when the step grids' numbers get smaller as the scale grows.

Screens: 1280x720, 1366x768 and 1920x1080 at device pixel ratio 1 are laid out here, one window
per size whose scale changes test by test. The 4K panel at 200 % runs in a subprocess on a
3840x2160 offscreen screen with QT_SCALE_FACTOR=2: Qt then really works at device pixel ratio 2
(1920x1080 logical, fonts and pixmaps at twice the pixels), which is what such a panel gives the
app; laying out at 1920x1080 with ratio 1 would only repeat the 1920x1080 row.

Every case is a strict pass: a problem anywhere, the Maps and Step-by-step views included, fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import layout_check as lc  # tests/ui/layout_check.py (pytest puts this folder on the path)
import pytest

pytestmark = pytest.mark.slow

NORMAL_SCREENS = [(name, size) for name, size, ratio in lc.SCREENS if ratio == 1]
FOUR_K = next((name, size) for name, size, ratio in lc.SCREENS if ratio == 2)
NO_PRESENTER = "MainWindow.set_presenter(on) is not in this tree yet (the presenter helper adds it)"


# --- the checker itself catches what it claims to ----------------------------------------------------
def test_checker_finds_clipped_text_and_overlap(qtbot):
    from PySide6.QtWidgets import (
        QCheckBox,
        QGroupBox,
        QLabel,
        QPushButton,
        QTabBar,
        QWidget,
    )

    root = QWidget()
    qtbot.addWidget(root)
    root.resize(400, 300)
    long_label = QLabel("a label far too long for its forty pixels", root)
    long_label.setGeometry(0, 0, 40, 30)
    button = QPushButton("A long button text", root)
    button.setGeometry(0, 40, 30, 30)
    check = QCheckBox("a check box with long text", root)
    check.setGeometry(0, 80, 50, 30)
    box = QGroupBox("A long group box title", root)
    box.setGeometry(0, 120, 40, 40)
    bar = QTabBar(root)
    bar.addTab("first tab with a long name")
    bar.setElideMode(bar.elideMode().ElideRight)
    bar.setUsesScrollButtons(False)
    bar.setGeometry(0, 170, 60, 30)
    fits = QLabel("ok", root)
    fits.setGeometry(200, 0, 190, 120)  # room for "ok" at any presenter font
    root.show()
    found = "\n".join(text for _w, text in lc.text_problems(root))
    for text in ("a label far too long", "A long button text", "a check box with long text", "A long group box title",
                 "first tab with a long name"):
        assert text in found
    assert "'ok'" not in found

    from PySide6.QtWidgets import QHBoxLayout

    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QHBoxLayout(holder)
    a, b = QLabel("a", holder), QLabel("b", holder)
    layout.addWidget(a)
    layout.addWidget(b)
    holder.resize(200, 40)
    holder.show()
    assert not lc.overlap_problems(holder)
    b.setGeometry(a.geometry().adjusted(5, 0, 5, 0))  # what an over-full splitter or layout does
    assert any("overlap" in text for _w, text in lc.overlap_problems(holder))


def test_checker_finds_widgets_squashed_under_their_minimum_size(qtbot):
    from PySide6.QtWidgets import QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

    root = QWidget()
    qtbot.addWidget(root)
    root.resize(400, 500)
    column = QWidget(root)                     # placed by hand, as a column that does not scroll
    layout = QVBoxLayout(column)
    button, spin = QPushButton("Open…", column), QSpinBox(column)
    note = QLabel("a long note that wraps onto several lines in a narrow column", column)
    note.setWordWrap(True)
    for w in (button, spin, note):
        layout.addWidget(w)
    column.setGeometry(0, 0, 300, 400)
    root.show()
    layout.activate()
    assert not lc.squash_problems(root)
    column.setGeometry(0, 0, 300, 40)          # far below what its layout needs (a big scale)
    layout.activate()
    found = "\n".join(text for _w, text in lc.squash_problems(root))
    assert "QPushButton 'Open…'" in found and "QSpinBox" in found and "px high, needs" in found
    spin.setMinimumHeight(5)                   # an explicit minimum replaces the hint, as in Qt's layouts
    layout.activate()
    assert "QSpinBox" not in "\n".join(text for _w, text in lc.squash_problems(root))


def test_checker_finds_a_shrinking_number_font():
    before = {"output grid": 14, "input grid 1": 12}
    assert not lc.font_shrink_problems(before, {"output grid": 16, "input grid 1": 12}, 1.0, 1.25)
    found = lc.font_shrink_problems(before, {"output grid": 0, "input grid 1": 12}, 1.0, 1.25)
    assert found == ["number font shrinks: output grid 14 px at 100% -> 0 px at 125%"]


def test_checker_finds_a_step_grid_cut_by_the_scroll_area(qtbot):
    import numpy as np
    from PySide6.QtWidgets import QApplication, QScrollArea, QVBoxLayout, QWidget

    from cnn_explorer.ui.explorer.animation_grid import NumberGridView

    panel = QWidget()
    qtbot.addWidget(panel)
    panel.body = QScrollArea(panel)                  # what the step view's body is: grids in a scroll area
    content = QWidget()
    grid = NumberGridView(content, show_indices=False)
    grid.set_values(np.arange(9.0).reshape(3, 3))
    layout = QVBoxLayout(content)
    layout.addWidget(grid)
    content.setMinimumHeight(300)
    panel.body.setWidget(content)
    panel.body.setWidgetResizable(True)
    panel.body.setGeometry(0, 0, 200, 400)
    panel.resize(200, 400)
    panel.show()
    lc.settle(QApplication.instance())
    assert not lc.cut_grid_problems(panel)             # all in sight
    panel.body.resize(200, 120)                       # a strip of it: its bottom rows out of sight
    lc.settle(QApplication.instance())
    found = "\n".join(text for _w, text in lc.cut_grid_problems(panel))
    assert "cut: NumberGridView" in found and "in the step view's" in found


def _cases():
    # scale before view: changing the scale restyles the whole application (about a second), a view is cheap
    for name, _size in NORMAL_SCREENS:
        for scale in lc.SCALES:
            for view in lc.VIEWS:
                yield pytest.param(name, view, scale, id=f"{name}-{view}-{round(scale * 100)}%")


class _Windows:
    """One window per screen size, built on first use and kept for the module."""

    def __init__(self, app) -> None:
        self.app = app
        self.windows: dict[str, object] = {}
        self.fonts: dict[tuple[str, str, float], dict[str, int]] = {}
        self.sums: dict[tuple[str, str, float], int] = {}   # the written-out sum's pixel size
        self.probe = lc.NumberFontProbe().__enter__()

    def get(self, name: str):
        if name not in self.windows:
            # one window at a time: the presenter scale sets the application's font, and a window
            # built while another is zoomed would take the zoomed font for its 100 %
            self.close_windows()
            size = dict(NORMAL_SCREENS)[name]
            self.windows[name] = lc.build_window(self.app, size)
        return self.windows[name]

    def close_windows(self) -> None:
        for window in self.windows.values():
            window.scale.reset()
            window.close()
        self.windows.clear()
        lc.settle(self.app)

    def close(self) -> None:
        self.probe.__exit__(None, None, None)
        self.close_windows()


@pytest.fixture(scope="module")
def windows(qapp):
    from cnn_explorer.ui.app import create_application

    create_application()  # the app's theme and style sheet, as the real window has them
    cache = _Windows(qapp)
    yield cache
    cache.close()


def _show(windows: _Windows, window, view: str, scale: float) -> None:
    lc.show_view(windows.app, window, view)
    window.scale.set_factor(scale)
    lc.settle(windows.app)


def _step_fonts(windows: _Windows, name: str, window, view: str, scale: float) -> dict[str, int]:
    key = (name, view, scale)
    if key not in windows.fonts:
        _show(windows, window, view, scale)
        windows.fonts[key] = windows.probe.measure(lc.step_grids(window.explorer.animation_panel))
    return windows.fonts[key]


def _sum_px(windows: _Windows, name: str, window, view: str, scale: float) -> int:
    key = (name, view, scale)
    if key not in windows.sums:
        _show(windows, window, view, scale)
        windows.sums[key] = window.explorer.animation_panel.arithmetic.sum_label.font().pixelSize()
    return windows.sums[key]


def _judge(where: str, mine: list[str], theirs: list[str], view: str) -> None:
    found = mine + theirs
    assert not found, f"{where}: {len(found)} layout problem(s):\n  " + "\n  ".join(found)


@pytest.mark.parametrize(("screen", "view", "scale"), list(_cases()))
def test_view_fits(windows, screen, view, scale):
    window = windows.get(screen)
    if view == "presenter" and not lc.has_presenter(window):
        pytest.skip(NO_PRESENTER)
    theirs: list[str] = []
    if view in ("step", "presenter") and scale > lc.SCALES[0]:
        before = _step_fonts(windows, screen, window, view, scale - 0.25)
        after = _step_fonts(windows, screen, window, view, scale)
        theirs += lc.font_shrink_problems(before, after, scale - 0.25, scale)
        # the written-out sum shares its room with the grids and the growing window chrome: it may stop
        # growing, but a presenter scale never makes it smaller than at 100 %
        at_100, now = _sum_px(windows, screen, window, view, 1.0), _sum_px(windows, screen, window, view, scale)
        if now < at_100:
            theirs.append(f"the written-out sum shrinks: {at_100} px at 100% -> {now} px at {scale:.0%}")
    _show(windows, window, view, scale)
    mine, found = lc.view_problems(window, view)
    _judge(f"{screen} at {scale:.0%}, {view} view", mine, theirs + found, view)


# --- the 4K panel at 200 %, in a subprocess at device pixel ratio 2 -----------------------------------
@pytest.fixture(scope="module")
def four_k(tmp_path_factory):
    config = tmp_path_factory.mktemp("screen") / "4k.json"
    config.write_text(json.dumps({"screens": [{"name": "4K", "x": 0, "y": 0, "width": 3840, "height": 2160,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    width, height = FOUR_K[1]
    done = subprocess.run([sys.executable, str(Path(lc.__file__)), f"{width}x{height}"], env=env, cwd=root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the 4K layout run failed:\n{done.stderr[-4000:]}"
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found.pop("_device_pixel_ratio") == 2.0, "the 4K run did not get device pixel ratio 2"
    return found


@pytest.mark.parametrize("view", lc.VIEWS)
@pytest.mark.parametrize("scale", lc.SCALES, ids=lambda s: f"{round(s * 100)}%")
def test_4k_view_fits(four_k, view, scale):
    key = f"{view}@{scale:g}"
    if view == "presenter" and key not in four_k:
        pytest.skip(NO_PRESENTER)
    found = four_k[key]
    _judge(f"{FOUR_K[0]} at {scale:.0%}, {view} view", found["mine"], found["theirs"], view)
