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
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from window_timing import WindowTimer, stats  # noqa: E402 - benchmarks/, on the path when run as a script

TARGET_MS = 150.0



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes through both lessons per view (default 5)")
    parser.add_argument("--cpu", action="store_true",
                        help="time with this thread's CPU time instead of the wall clock (a loaded machine)")
    args = parser.parse_args(argv)
    from cnn_explorer.core.lessons.library import shipped_lesson_paths

    bench = WindowTimer(cpu=args.cpu)
    window, settle, timed = bench.window, bench.settle, bench.timed
    player = window.lesson_player()

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
        rows.append((name, "repaint, nothing changed (reference)", stats(reference), len(reference)))
        rows.append((name, "Next -> step fully shown", stats(times), len(times)))
    player.close()
    bench.close()

    clock = bench.clock_name
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
