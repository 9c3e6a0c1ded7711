"""Lessons: Next -> the next step fully shown (state applied, result computed, window repainted).

The main window at 1366x768 (offscreen). For every shipped lesson, every step is entered
with ``LessonPlayer.next()`` (what PageDown does) from the step before it, then the events
it posted are processed and the whole window is repainted synchronously; median and 95th
percentile per lesson and over all of them, --rounds passes, in the normal view and in the
presenter view at 150 %. A step that trains a model (none yet) is timed apart: the target
is for the others. Work a step starts on a worker (the Train page loading a step's dataset)
is not timed; the next step waits until it is done. Reference in the same run: a full
repaint of the unchanged window. Target: p95 ≤ 150 ms.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_lessons.py [--rounds 5] [--cpu]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# lesson 003 writes its "8" / "not 8" folders into the cache: a scratch one, not the user's
os.environ.setdefault("CNN_EXPLORER_CACHE", tempfile.mkdtemp(prefix="bench-lessons-cache-"))

from window_timing import WindowTimer, stats  # noqa: E402 - benchmarks/, on the path when run as a script

TARGET_MS = 150.0


def trains(step) -> bool:
    """Whether entering ``step`` trains a model (a lesson's in-step training, timed apart from the target)."""
    return bool(getattr(step.state, "train", None))


def wait_for_workers(bench, timeout_s: float = 60.0) -> None:
    """Let the work a step started on a worker thread (a dataset loading) finish, so the next timing starts at rest."""
    from cnn_explorer.ui import lifecycle

    deadline = time.monotonic() + timeout_s
    while any(t.isRunning() for t in lifecycle.live_qthreads()) and time.monotonic() < deadline:
        bench.app.processEvents()
        time.sleep(0.005)
    bench.settle()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes through every lesson per view (default 5)")
    parser.add_argument("--cpu", action="store_true",
                        help="time with this thread's CPU time instead of the wall clock (a loaded machine)")
    args = parser.parse_args(argv)
    from cnn_explorer.core.lessons.library import shipped_lesson_paths

    bench = WindowTimer(cpu=args.cpu)
    window, timed = bench.window, bench.timed
    player = window.lesson_player()
    paths = shipped_lesson_paths()

    rows = []
    slowest: tuple[float, str] = (0.0, "")
    for presenter, scale, name in ((False, 1.0, "normal view, 100%"), (True, 1.5, "presenter view, 150%")):
        window.set_presenter(presenter)
        window.scale.set_factor(scale)
        wait_for_workers(bench)
        per_lesson: dict[str, list[float]] = {p.stem: [] for p in paths}
        worst: dict[str, tuple[float, int]] = {p.stem: (0.0, 0) for p in paths}
        training: list[float] = []
        reference: list[float] = []
        for round_ in range(args.rounds + 1):               # the first pass warms fonts, caches and the pages
            for path in paths:
                player.open_file(path)
                wait_for_workers(bench)
                for i in range(1, len(player.lesson.steps)):
                    before = timed(lambda: None)
                    wait_for_workers(bench)
                    took = timed(player.next)
                    wait_for_workers(bench)
                    if not round_:
                        continue
                    reference.append(before)
                    if trains(player.lesson.steps[i]):
                        training.append(took)
                        continue
                    per_lesson[path.stem].append(took)
                    worst[path.stem] = max(worst[path.stem], (took, i + 1))
                    if took > slowest[0]:
                        slowest = (took, f"{path.stem} step {i + 1} ({name})")
        rows.append((name, "repaint, nothing changed (reference)", stats(reference), len(reference), False))
        for stem, times in per_lesson.items():
            if times:
                rows.append((name, f"{stem} (slowest: step {worst[stem][1]})", stats(times), len(times), True))
        every = [t for times in per_lesson.values() for t in times]
        rows.append((name, "every lesson, steps that do not train", stats(every), len(every), True))
        if training:
            rows.append((name, "steps that train (no target)", stats(training), len(training), False))
    player.close()
    bench.close()

    clock = bench.clock_name
    print(f"Lessons at 1366x768, Next -> step shown and repainted, ms, {clock} "
          f"({len(paths)} lessons x {args.rounds} rounds; target p95 ≤ {TARGET_MS:.0f} ms for steps that do not train)")
    header = f"{'view':<22} {'Next -> step, lesson':<44} {'n':>4} {'median':>8} {'p95':>8} {'max':>8}  target"
    print(header)
    print("-" * len(header))
    for view, label, (median, p95, worst), n, judged in rows:
        verdict = ("ok" if p95 <= TARGET_MS else "OVER") if judged else ""
        print(f"{view:<22} {label:<44} {n:4d} {median:8.1f} {p95:8.1f} {worst:8.1f}  {verdict}")
    print(f"slowest step: {slowest[1]} ({slowest[0] * 1000:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
