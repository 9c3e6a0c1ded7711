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
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from window_timing import WindowTimer, stats  # noqa: E402 - benchmarks/, on the path when run as a script

TARGET_MS = 100.0



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds timed per row (default 20)")
    parser.add_argument("--samples", default="000-1,004", help="samples to show, comma-separated (default 000-1,004)")
    parser.add_argument("--cpu", action="store_true",
                        help="time with this thread's CPU time instead of the wall clock (a loaded machine)")
    args = parser.parse_args(argv)
    bench = WindowTimer(cpu=args.cpu)
    window, settle, timed = bench.window, bench.settle, bench.timed

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
            rows.append((sample, labels[key], stats(times[key])))
    bench.close()

    clock = bench.clock_name
    print(f"Presenter view at 1366x768, change -> repainted, ms, {clock} "
          f"(median / p95 over {args.rounds} rounds; target ≤ {TARGET_MS:.0f} ms)")
    header = f"{'sample':<8} {'change':<40} {'median':>8} {'p95':>8}  target"
    print(header)
    print("-" * len(header))
    for sample, label, (median, p95, _worst) in rows:
        verdict = "" if label.endswith("(reference)") else ("ok" if p95 <= TARGET_MS else "OVER")
        print(f"{sample:<8} {label:<40} {median:8.1f} {p95:8.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
