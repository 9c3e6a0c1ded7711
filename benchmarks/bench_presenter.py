"""Presenter view: entering and leaving it, and changing the presenter scale, until the window is repainted.

The main window at 1366x768 (offscreen), the Explorer's Step by step in front with a
sample loaded. Each row times (median and 95th percentile over --rounds rounds) the
change, the layout it triggers and one full synchronous repaint of the window:
  enter presenter view       MainWindow.set_presenter(True)
  leave presenter view       MainWindow.set_presenter(False)
  scale 100% -> 150% (presenter) and back, and 150% -> 200%
next to a reference in the same run: a full repaint of the unchanged window. Target: ≤ 100 ms.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_presenter.py [--rounds 20] [--cpu]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_MS = 100.0
#: the clock: wall time, or this thread's CPU time with --cpu (steadier on a loaded machine)
_CLOCK = [time.perf_counter]


def _stats(samples: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000.0 for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds timed per row (default 20)")
    parser.add_argument("--samples", default="000-1,004", help="samples to show, comma-separated (default 000-1,004)")
    parser.add_argument("--cpu", action="store_true",
                        help="time with this thread's CPU time instead of the wall clock (a loaded machine)")
    args = parser.parse_args(argv)
    if args.cpu:
        _CLOCK[0] = time.thread_time
    from PySide6.QtCore import QCoreApplication, QEvent

    from cnn_explorer.ui.app import create_application
    from cnn_explorer.ui.main_window import MainWindow

    app = create_application()
    window = MainWindow(settings=None)
    window.resize(1366, 768)
    window.show()
    window.finish_start_up()

    def settle() -> None:
        for _ in range(3):
            app.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def timed(change) -> float:
        clock = _CLOCK[0]
        t0 = clock()
        change()
        app.processEvents()            # layout requests, polish, posted updates
        window.repaint()               # and every pixel of the window, synchronously
        return clock() - t0

    rows = []
    for sample in [s for s in args.samples.split(",") if s]:
        window.explorer_actions.open_sample(sample)
        window.explorer.state.recompute_now()
        window.explorer.show_step_by_step()
        window.explorer.animation_panel.set_step(3)
        settle()
        for _ in range(2):                                   # warm up fonts and caches
            window.set_presenter(True)
            settle()
            window.scale.set_factor(1.5)
            settle()
            window.scale.set_factor(1.0)
            settle()
            window.set_presenter(False)
            settle()
        times: dict[str, list[float]] = {k: [] for k in ("reference", "enter", "leave", "up", "down", "up2")}
        for _ in range(args.rounds):
            times["reference"].append(timed(lambda: None))
            times["enter"].append(timed(lambda: window.set_presenter(True)))
            settle()
            times["up"].append(timed(lambda: window.scale.set_factor(1.5)))
            settle()
            times["up2"].append(timed(lambda: window.scale.set_factor(2.0)))
            settle()
            times["down"].append(timed(lambda: window.scale.set_factor(1.0)))
            settle()
            times["leave"].append(timed(lambda: window.set_presenter(False)))
            settle()
        labels = {"reference": "repaint, nothing changed (reference)", "enter": "enter presenter view",
                  "leave": "leave presenter view", "up": "scale 100% -> 150% (presenter)",
                  "up2": "scale 150% -> 200% (presenter)", "down": "scale 200% -> 100% (presenter)"}
        for key in ("reference", "enter", "leave", "up", "up2", "down"):
            rows.append((sample, labels[key], _stats(times[key])))
    window.close()
    settle()

    clock = "CPU time of the GUI thread" if args.cpu else "wall clock"
    print(f"Presenter view at 1366x768, change -> repainted, ms, {clock} "
          f"(median / p95 over {args.rounds} rounds; target ≤ {TARGET_MS:.0f} ms)")
    header = f"{'sample':<8} {'change':<40} {'median':>8} {'p95':>8}  target"
    print(header)
    print("-" * len(header))
    for sample, label, (median, p95) in rows:
        verdict = "" if label.endswith("(reference)") else ("ok" if p95 <= TARGET_MS else "OVER")
        print(f"{sample:<8} {label:<40} {median:8.1f} {p95:8.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
