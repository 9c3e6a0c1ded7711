"""Start-up time: process start to the main window's first paint (offscreen), median of several runs.

Run: ``python benchmarks/bench_startup.py [--runs N]``. Each run is a fresh
``python`` process that opens the window with QT_QPA_PLATFORM=offscreen and
prints when the first paint event happened; the time is taken in this (parent)
process from just before spawning the child, so it includes the interpreter's
own start-up and every import. Target: median ≤ 1.0 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys
from cnn_explorer.ui.app import create_application
app = create_application()
from cnn_explorer.ui.main_window import MainWindow
window = MainWindow(settings=None)
def painted():
    sys.stdout.write("painted torch=%s\n" % ("torch" in sys.modules))
    sys.stdout.flush()
    window.close()
    app.quit()
window.first_painted.connect(painted)
window.show()
app.exec()
"""


def one_run() -> tuple[float, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.wait(timeout=60)
    if not line.startswith("painted"):
        raise SystemExit(f"the child did not paint (exit {proc.returncode})")
    return elapsed, line.split()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    one_run()  # warm the file-system cache
    times = []
    torch_flags = set()
    for _ in range(args.runs):
        t, flag = one_run()
        times.append(t)
        torch_flags.add(flag)
    median = statistics.median(times)
    print(f"{'measure':32s} {'median':>9s} {'min':>9s} {'max':>9s}  runs")
    print(f"{'process start -> first paint':32s} {median * 1000:8.0f}ms {min(times) * 1000:8.0f}ms {max(times) * 1000:8.0f}ms  {args.runs}")
    print(f"torch imported before first paint: {', '.join(sorted(torch_flags))}")
    print(f"target ≤ 1000 ms: {'met' if median <= 1.0 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
