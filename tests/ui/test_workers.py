"""GeneratorWorker: records arrive on the GUI thread, throttled; cancel and errors end it cleanly."""

from __future__ import annotations

import time

import shiboken6

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.ui.workers import GeneratorWorker


def _counter(n, delay=0.0):
    def factory(cancel):
        for i in range(n):
            if cancel.is_set():
                return
            if delay:
                time.sleep(delay)
            yield i
    return factory


def test_records_are_throttled_and_the_last_arrives(qtbot):
    got = []
    worker = GeneratorWorker(_counter(2000), max_rate_hz=20)
    worker.progressed.connect(got.append)
    with qtbot.waitSignal(worker.finished, timeout=10000) as blocker:
        worker.start()
    assert blocker.args == [True, ""]
    assert got[-1] == 1999
    assert len(got) < 2000  # throttled, not one signal per step
    assert got == sorted(got)
    assert worker.wait(1000)


def test_always_records_are_never_dropped(qtbot):
    got = []
    worker = GeneratorWorker(_counter(500), max_rate_hz=1, always=lambda r: r % 100 == 0)
    worker.progressed.connect(got.append)
    with qtbot.waitSignal(worker.finished, timeout=10000):
        worker.start()
    assert {0, 100, 200, 300, 400} <= set(got)
    assert got[-1] == 499


def test_cancel_stops_within_half_a_second(qtbot):
    worker = GeneratorWorker(_counter(10_000, delay=0.01))
    with qtbot.waitSignal(worker.progressed, timeout=5000):
        worker.start()
    t0 = time.perf_counter()
    with qtbot.waitSignal(worker.finished, timeout=2000) as blocker:
        worker.cancel()
    assert time.perf_counter() - t0 < 0.5
    assert blocker.args == [True, "cancelled"]
    assert not worker.is_running()


def test_an_error_becomes_a_one_line_message(qtbot):
    def factory(cancel):
        yield 1
        raise CnnExplorerError("training diverged: lower the learning rate")

    worker = GeneratorWorker(factory)
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == [False, "training diverged: lower the learning rate"]


def test_wait_after_qt_deleted_the_thread_is_quiet(qtbot):
    """At application exit Qt may delete the QThread before a page's cleanup waits on it."""
    worker = GeneratorWorker(_counter(3))
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    shiboken6.delete(worker.worker_thread())
    assert worker.wait(100) is True


def test_even_a_base_exception_ends_the_worker_with_a_message(qtbot):
    def factory(cancel):
        yield 1
        raise SystemExit("stop")

    worker = GeneratorWorker(factory)
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == [False, "SystemExit: stop"]
    assert not worker.is_running()


def test_wait_for_threads_lets_a_thread_inside_a_long_call_finish(qtbot):
    """Closing waits for a worker stuck in one long call (importing torch) instead of destroying its QThread."""
    import time

    from PySide6.QtCore import QObject, Slot

    from cnn_explorer.ui import lifecycle

    class Slow(QObject):
        @Slot()
        def run(self):
            time.sleep(0.5)  # one uninterruptible call, as an import is

    thread = lifecycle.new_thread(name="slow-test")
    worker = Slow()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    thread.start()
    qtbot.waitUntil(thread.isRunning, timeout=2000)
    assert lifecycle.wait_for_threads(timeout_ms=5000) == []
    assert not thread.isRunning()
    worker.deleteLater()
    thread.deleteLater()
