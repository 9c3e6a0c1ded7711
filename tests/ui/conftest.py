"""Fixtures for the window tests: a main window whose QSettings live in a temporary file."""

from __future__ import annotations

import pytest


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
