"""Lessons: Next -> the next step fully shown (state applied, result computed, window repainted).

The main window at 1366x768 (offscreen). For each shipped lesson, every step is entered
with ``LessonPlayer.next()`` (what PageDown does) from the step before it, then the events
it posted are processed and the whole window is repainted synchronously; median and 95th
percentile over all steps of both lessons and --rounds passes, in the normal view and in
the presenter view at 150 %. Reference in the same run: a full repaint of the unchanged
window. Target: p95 ≤ 150 ms.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_lessons.py [--rounds 5] [--cpu]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_MS = 150.0
#: the clock: wall time, or this thread's CPU time with --cpu (steadier on a loaded machine)
_CLOCK = [time.perf_counter]


def _stats(samples: list[float]) -> tuple[float, float, float]:
    ms = sorted(s * 1000.0 for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))], ms[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes through both lessons per view (default 5)")
    parser.add_argument("--cpu", action="store_true",
                        help="time with this thread's CPU time instead of the wall clock (a loaded machine)")
    args = parser.parse_args(argv)
    if args.cpu:
        _CLOCK[0] = time.thread_time
    from PySide6.QtCore import QCoreApplication, QEvent

    from cnn_explorer.core.lessons.library import shipped_lesson_paths
    from cnn_explorer.ui.app import create_application
    from cnn_explorer.ui.main_window import MainWindow

    app = create_application()
    window = MainWindow(settings=None)
    window.resize(1366, 768)
    window.show()
    window.finish_start_up()
    player = window.lesson_player()

    def settle() -> None:
        for _ in range(3):
            app.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def timed(change) -> float:
        clock = _CLOCK[0]
        t0 = clock()
        change()
        app.processEvents()            # the recomputation the step scheduled, layout requests, polish
        window.repaint()               # and every pixel of the window, synchronously
        return clock() - t0

    rows = []
    slowest: tuple[float, str] = (0.0, "")
    for presenter, scale, name in ((False, 1.0, "normal view, 100%"), (True, 1.5, "presenter view, 150%")):
        window.set_presenter(presenter)
        window.scale.set_factor(scale)
        settle()
        times, reference = [], []
        for round_ in range(args.rounds + 1):               # the first pass warms fonts and caches
            for path in shipped_lesson_paths():
                player.open_file(path)
                settle()
                for i in range(1, len(player.lesson.steps)):
                    reference.append(timed(lambda: None))
                    settle()
                    took = timed(player.next)
                    settle()
                    if round_:
                        times.append(took)
                        if took > slowest[0]:
                            slowest = (took, f"{path.stem} step {i + 1} ({name})")
            if not round_:
                times.clear()
                reference.clear()
        rows.append((name, "repaint, nothing changed (reference)", _stats(reference), len(reference)))
        rows.append((name, "Next -> step fully shown", _stats(times), len(times)))
    player.close()
    window.close()
    settle()

    clock = "CPU time of the GUI thread" if args.cpu else "wall clock"
    print(f"Lessons at 1366x768, Next -> step shown and repainted, ms, {clock} "
          f"(over every step of both lessons x {args.rounds} rounds; target p95 ≤ {TARGET_MS:.0f} ms)")
    header = f"{'view':<22} {'change':<38} {'n':>4} {'median':>8} {'p95':>8} {'max':>8}  target"
    print(header)
    print("-" * len(header))
    for view, label, (median, p95, worst), n in rows:
        verdict = "" if label.endswith("(reference)") else ("ok" if p95 <= TARGET_MS else "OVER")
        print(f"{view:<22} {label:<38} {n:4d} {median:8.1f} {p95:8.1f} {worst:8.1f}  {verdict}")
    print(f"slowest step: {slowest[1]} ({slowest[0] * 1000:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
