"""Test set-up shared by core and ui tests."""

from __future__ import annotations

import os
import threading
from pathlib import Path

# Before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MNIST_TEST_DIR = SHARED / "data" / "mnist-test"


@pytest.fixture(scope="module")
def one_torch_thread():
    """Torch on one thread for a module (as the Classify page's workers run; tiny nets run fastest so on a shared
    2-core machine); the setting is put back after it."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def mnist_test_dir() -> Path:
    """The real MNIST test set beside the repo; skips when it is absent."""
    if not (MNIST_TEST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"the shared MNIST test set is not at {MNIST_TEST_DIR}")
    return MNIST_TEST_DIR


@pytest.fixture(autouse=True)
def _no_dangling_threads(request):
    """Fail a test that leaves a Python thread or a QThread running."""
    before = set(threading.enumerate())
    yield
    leaked = [
        t for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.daemon
    ]
    for t in leaked:
        t.join(timeout=2.0)
    leaked = [t for t in leaked if t.is_alive()]
    assert not leaked, f"test left threads running: {[t.name for t in leaked]}"
    if "qtbot" in request.fixturenames or "qapp" in request.fixturenames:
        from cnn_explorer.ui import lifecycle

        running = [t for t in lifecycle.live_qthreads() if t.isRunning()]
        for t in running:
            t.wait(2000)
        running = [t for t in running if t.isRunning()]
        assert not running, f"test left QThreads running: {running}"
        timers = [t for t in lifecycle.live_timers() if t.isActive()]
        assert not timers, f"test left QTimers running: {[t.objectName() or t for t in timers]}"


@pytest.fixture
def qtbot(qapp, request):
    """pytest-qt's bot, except that a widget given to ``addWidget`` stays referenced until the teardown
    has closed it and queued its deletion.

    pytest-qt keeps only a weak reference. A top-level widget the test made (and holds in a local) whose
    Python side is in a reference cycle (a lambda slot capturing ``self``, a child keeping its panel)
    then outlives the test function only through that cycle, still shown. The next garbage-collector
    pass frees it wherever it runs: from a paint event of that very window, in the events pytest-qt
    processes after the test, it deleted the C++ widgets being painted ("Internal C++ object
    (NumberGridView) already deleted", then a segfault in QWidgetPrivate::drawWidget)."""
    from pytestqt.qtbot import QtBot

    class KeepingQtBot(QtBot):
        def __init__(self, request) -> None:
            self.kept_widgets: list = []
            super().__init__(request)

        def addWidget(self, widget, *, before_close_func=None) -> None:  # noqa: N802 - pytest-qt's name
            super().addWidget(widget, before_close_func=before_close_func)
            self.kept_widgets.append(widget)

    # The bot (and so the widgets) is released with the fixtures, after pytest-qt's teardown hook has
    # called close() and deleteLater() on every widget added.
    return KeepingQtBot(request)
