"""Bookkeeping of QThreads and QTimers, so closing the window (and the tests) can
check that nothing is left running.

Create worker threads and repeating timers through :func:`new_thread` and
:func:`new_timer`; they are tracked weakly and forgotten when deleted.
"""

from __future__ import annotations

import os
import sys
import time
import weakref

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, QTimer

_threads: "weakref.WeakSet[QThread]" = weakref.WeakSet()
_timers: "weakref.WeakSet[QTimer]" = weakref.WeakSet()


def new_thread(parent: QObject | None = None, name: str = "") -> QThread:
    thread = QThread(parent)
    if name:
        thread.setObjectName(name)
    _threads.add(thread)
    return thread


def new_timer(parent: QObject | None = None, name: str = "", *, single_shot: bool = False, interval_ms: int = 0) -> QTimer:
    timer = QTimer(parent)
    if name:
        timer.setObjectName(name)
    timer.setSingleShot(single_shot)
    timer.setInterval(interval_ms)
    _timers.add(timer)
    return timer


def is_alive(obj) -> bool:
    """False once Qt has deleted the C++ object behind ``obj``."""
    return shiboken6.isValid(obj)


def live_qthreads() -> list[QThread]:
    return [t for t in list(_threads) if is_alive(t)]


def live_timers() -> list[QTimer]:
    return [t for t in list(_timers) if is_alive(t)]


#: single-shot timers this short are part of settling (a deferred layout, a loader's start); longer ones are not
SETTLE_TIMER_MS = 250


def settle(app, *, rounds: int = 6, loaders_s: float = 60.0, wait_timers: bool = True) -> None:
    """Let a window settle without an event loop (``--screenshot``, the layout tests): the running loaders (the
    Classify model, the Train data) finish within ``loaders_s`` and their results arrive, short single-shot
    timers fire (``wait_timers``; tests fire them at once instead), then layouts, polish and deferred deletes
    run ``rounds`` times (a layout that changes a size hint asks for another)."""
    deadline = time.monotonic() + loaders_s
    while time.monotonic() < deadline:
        busy = any(t.isRunning() for t in live_qthreads()) or wait_timers and any(
            t.isActive() and t.isSingleShot() and t.interval() <= SETTLE_TIMER_MS for t in live_timers())
        if not busy:
            break
        app.processEvents()
        time.sleep(0.01)
    for _ in range(rounds):
        app.processEvents()
        # no event loop runs here, so widgets replaced by deleteLater() must be deleted by hand
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def wait_for_threads(timeout_ms: int = 1000) -> list[QThread]:
    """Wait, ``timeout_ms`` in all, for every tracked thread still running (its work was cancelled); returns
    those that never ended.

    Cancelled work stops at its next check (within 0.5 s), but a thread inside one long call (a blocking
    read, importing torch) only returns after it: destroying its QThread before then aborts the process
    ("QThread: Destroyed while thread is still running"); see :func:`exit_code_after_threads`.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    stuck = []
    for thread in live_qthreads():
        if thread.isRunning():
            thread.quit()
            left = max(0, int((deadline - time.monotonic()) * 1000))
            if not thread.wait(left):
                stuck.append(thread)
    return stuck


def exit_code_after_threads(code: int, timeout_ms: int = 1000) -> int:
    """After the window closed: wait up to ``timeout_ms`` for the worker threads, and return ``code``.

    A thread still inside an uninterruptible call then (a read that never returns) must not be destroyed, and
    the interpreter's clean-up would destroy it: the process ends here instead (``os._exit``, output flushed),
    so quitting never hangs and never aborts.
    """
    if wait_for_threads(timeout_ms):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(code)
    return code
