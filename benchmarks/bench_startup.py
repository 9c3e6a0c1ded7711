"""Start-up time: process start to the main window's first paint (offscreen), median of several runs.

Run: ``python benchmarks/bench_startup.py [--runs N]``. Each run is a fresh
``python`` process that opens the window with QT_QPA_PLATFORM=offscreen and
prints when the first paint event happened; the time is taken in this (parent)
process from just before spawning the child, so it includes the interpreter's
own start-up and every import. Target: median ≤ 1.0 s.

Two rows: "bytecode cached" is what an installed app does (pip compiles the
.pyc files; a checkout writes them on its first run), measured with a private
``PYTHONPYCACHEPREFIX`` so the repository is not touched; "compiled each start"
is a process started with PYTHONDONTWRITEBYTECODE=1 and no cache, which pays
for compiling every module of the app on every start. The child also reports
its own CPU time (less disturbed by other processes on a loaded machine) and
whether torch or pyqtgraph were imported before the first paint (neither should be).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
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
    import time
    sys.stdout.write("painted torch=%s pyqtgraph=%s cpu=%.4f\n" % (
        "torch" in sys.modules, "pyqtgraph" in sys.modules, time.process_time()))
    sys.stdout.flush()
    window.close()
    app.quit()
window.first_painted.connect(painted)
window.show()
app.exec()
"""


def one_run(cache_dir: str | None) -> tuple[float, float, str]:
    """(seconds to first paint, child CPU seconds, 'torch=… pyqtgraph=…'); ``cache_dir``: bytecode cache or None."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if cache_dir is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache_dir
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.wait(timeout=60)
    if not line.startswith("painted"):
        raise SystemExit(f"the child did not paint (exit {proc.returncode})")
    fields = dict(part.split("=") for part in line.split()[1:])
    return elapsed, float(fields.pop("cpu")), " ".join(f"{k}={v}" for k, v in fields.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"{'process start -> first paint':32s} {'median':>9s} {'min':>9s} {'max':>9s} {'cpu med':>9s}  runs")
    flags = set()
    medians = {}
    with tempfile.TemporaryDirectory(prefix="cnn-explorer-pycache-") as cache:
        for label, cache_dir in (("bytecode cached", cache), ("compiled each start", None)):
            one_run(cache_dir)  # warm the file-system cache (and fill the bytecode cache)
            times, cpus = [], []
            for _ in range(args.runs):
                t, cpu, flag = one_run(cache_dir)
                times.append(t)
                cpus.append(cpu)
                flags.add(flag)
            medians[label] = statistics.median(times)
            print(f"{label:32s} {medians[label] * 1000:7.0f}ms {min(times) * 1000:7.0f}ms {max(times) * 1000:7.0f}ms"
                  f" {statistics.median(cpus) * 1000:7.0f}ms  {args.runs}")
    print(f"imported before first paint: {', '.join(sorted(flags))}")
    met = medians["bytecode cached"] <= 1.0
    print(f"target ≤ 1000 ms (bytecode cached): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
