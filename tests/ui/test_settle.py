"""lifecycle.settle: a window rendered without an event loop (``--screenshot``) waits for its loaders and short
timers, then lays out; what it waits for is bounded."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from cnn_explorer.ui import lifecycle


class _Loader(QObject):
    done = Signal(str)

    def run(self) -> None:
        time.sleep(0.3)
        self.done.emit("loaded")


def test_settle_waits_for_a_loader_and_a_short_timer_then_stops(qapp):
    seen: list[str] = []
    thread = lifecycle.new_thread(name="settle-test-loader")
    loader = _Loader()
    loader.moveToThread(thread)
    loader.done.connect(seen.append)            # queued: arrives only through the GUI thread's events
    loader.done.connect(thread.quit)
    thread.started.connect(loader.run)
    timer = lifecycle.new_timer(name="settle-test-timer", single_shot=True, interval_ms=200)
    timer.timeout.connect(lambda: seen.append("timer"))
    thread.start()
    timer.start()
    began = time.monotonic()
    lifecycle.settle(qapp)
    assert sorted(seen) == ["loaded", "timer"]
    assert time.monotonic() - began < 5
    assert thread.wait(1000)


def test_settle_gives_up_on_a_loader_after_its_time(qapp):
    thread = lifecycle.new_thread(name="settle-test-slow")
    loader = _Loader()
    loader.moveToThread(thread)
    loader.done.connect(thread.quit)
    thread.started.connect(loader.run)
    thread.start()
    began = time.monotonic()
    lifecycle.settle(qapp, loaders_s=0.05)
    assert time.monotonic() - began < 0.25      # did not wait for the 0.3 s load
    deadline = time.monotonic() + 5
    while thread.isRunning() and time.monotonic() < deadline:
        qapp.processEvents()                    # the loader's quit() is queued to this thread
        time.sleep(0.01)
    assert thread.wait(1000)
