"""Fixtures for the window tests: a main window whose QSettings live in a temporary file."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def shared_window(qapp):
    """One shown MainWindow (1366x768, no settings) for all the tests of a module that asks for it; closed,
    its pages stopped, and freed right after them (not by a later garbage-collector pass, maybe mid-paint)."""
    from layout_check import settle

    from cnn_explorer.ui.main_window import MainWindow

    w = MainWindow(settings=None)
    w.finish_start_up()
    w.resize(1366, 768)
    w.show()
    settle(qapp)
    yield w
    w.close()
    w.deleteLater()
    settle(qapp)


@pytest.fixture
def temp_settings(tmp_path):
    """A QSettings in tmp_path (never the user's own settings)."""
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "cnn-explorer-test.ini"), QSettings.Format.IniFormat)
    yield settings
    settings.sync()


@pytest.fixture
def main_window(qtbot, temp_settings):
    """A shown MainWindow; closed (timers stopped) after the test."""
    from cnn_explorer.ui.main_window import MainWindow

    window = MainWindow(settings=temp_settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


@pytest.fixture
def explorer_page(qtbot):
    """An ExplorerPage on its own (with B's maps and animation panels), shown at 1366x768."""
    from cnn_explorer.ui.explorer.page import ExplorerPage

    page = ExplorerPage()
    qtbot.addWidget(page)
    page.resize(1366, 740)
    page.show()
    qtbot.waitExposed(page)
    page.state.recompute_now()
    yield page
    page.stop()


# --- the maps panel's tests (test_maps_panel.py, test_maps_contrast.py) ---------------------------------
def _sample_result(name: str, **changes):
    """The pipeline result of a named sample (settings overridable by keyword)."""
    from cnn_explorer.core.conv.pipeline import run_pipeline
    from cnn_explorer.core.kernels.samples import get_sample

    s = get_sample(name)
    settings = {"conv": s.conv, "activation": s.activation, "pool": s.pool, **changes}
    return run_pipeline(s.image, s.kernel_arrays(), settings["conv"], settings["activation"], settings["pool"])


@pytest.fixture
def sample_result():
    """``sample_result(name, **changes)``: the pipeline result of a named sample."""
    return _sample_result


@pytest.fixture
def slide_000_1():
    """``slide_000_1()``: the slides' 6x6 example (sample 000-1) with ReLU, through the pipeline."""
    return lambda: _sample_result("000-1", activation="relu")


@pytest.fixture
def maps_panel(qtbot):
    """A MapsPanel over a fresh ExplorerState, 1000x360 (not shown)."""
    from cnn_explorer.ui.explorer.maps_panel import MapsPanel
    from cnn_explorer.ui.explorer.state import ExplorerState

    panel = MapsPanel(ExplorerState())
    qtbot.addWidget(panel)
    panel.resize(1000, 360)
    return panel



@pytest.fixture
def show_classify_page(qtbot, temp_settings):
    """Makes a ClassifyPage with a given model set, shown at 1366x740 and exposed (the caller shuts it down)."""
    from cnn_explorer.ui.classify.page import ClassifyPage

    def show(model):
        page = ClassifyPage(settings=temp_settings)
        qtbot.addWidget(page)
        page.set_model(model)
        page.resize(1366, 740)
        page.show()
        qtbot.waitExposed(page)
        return page

    return show
