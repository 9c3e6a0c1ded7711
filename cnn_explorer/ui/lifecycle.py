"""Bookkeeping of QThreads and QTimers, so closing the window (and the tests) can
check that nothing is left running.

Create worker threads and repeating timers through :func:`new_thread` and
:func:`new_timer`; they are tracked weakly and forgotten when deleted.
"""

from __future__ import annotations

import weakref

import shiboken6
from PySide6.QtCore import QObject, QThread, QTimer

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


def wait_for_threads(timeout_ms: int = 30_000) -> list[QThread]:
    """Wait for every tracked thread still running (after its work was cancelled); returns those that never ended.

    Cancelled work stops at its next check, but a thread inside one long call (importing torch
    takes seconds) only returns after it: destroying its QThread before then aborts the process
    ("QThread: Destroyed while thread is still running"). Call it after the window closed.
    """
    stuck = []
    for thread in live_qthreads():
        if thread.isRunning():
            thread.quit()
            if not thread.wait(timeout_ms):
                stuck.append(thread)
    return stuck

