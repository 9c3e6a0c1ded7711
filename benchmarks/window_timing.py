"""What the window benchmarks share: the main window at a projector size, offscreen, and a timer for
"change -> every pixel repainted" (wall clock, or the GUI thread's CPU time on a loaded machine).

Used by bench_presenter.py and bench_lessons.py (run as scripts, so this folder is on sys.path).
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def stats(samples: list[float]) -> tuple[float, float, float]:
    """(median, p95, max) of ``samples`` seconds, in ms."""
    ms = sorted(s * 1000.0 for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))], ms[-1]


class WindowTimer:
    """The main window shown at ``size`` with its start-up finished; ``timed(change)`` runs ``change``, the events
    it posted and a synchronous repaint of the whole window, and returns the seconds taken."""

    def __init__(self, *, cpu: bool = False, size: tuple[int, int] = (1366, 768)) -> None:
        from cnn_explorer.ui.app import create_application
        from cnn_explorer.ui.main_window import MainWindow

        self.clock = time.thread_time if cpu else time.perf_counter
        self.clock_name = "CPU time of the GUI thread" if cpu else "wall clock"
        self.app = create_application()
        self.window = MainWindow(settings=None)
        self.window.resize(*size)
        self.window.show()
        self.window.finish_start_up()

    def settle(self) -> None:
        """Let posted events and deferred deletions run, so the next timing starts from rest."""
        from PySide6.QtCore import QCoreApplication, QEvent

        for _ in range(3):
            self.app.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def timed(self, change) -> float:
        t0 = self.clock()
        change()
        self.app.processEvents()       # what the change scheduled: recomputation, layout requests, polish
        self.window.repaint()          # and every pixel of the window, synchronously
        return self.clock() - t0

    def close(self) -> None:
        self.window.close()
        self.settle()
