"""Feature visualisation on the Classify page: time from Start to the first frame shown, and frames a second.

Usage: python benchmarks/bench_featurevis.py [--runs N] [--steps N] [--model MODEL]

The real ClassifyPage (offscreen) with the bundled model (``--model``) and a
drawn digit, so the page's own work (forward passes, layer stacks) runs as it
does in use. Each run presses Start on the activation-maximization panel and
the clock stops at each ``frame_shown``: the first run includes the worker's
one-time costs (its torch threads, the model's first backward pass); the
later ones show a warm start. Targets (issue 12): first frame <= 0.5 s after
Start, >= 10 frames/s while it runs. Reference in the same run: the core
generator alone (``maximize_activation``) on this thread, per 100 steps.
Prints a table and exits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Start presses to time (default 3)")
    parser.add_argument("--steps", type=int, default=200, help="optimisation steps a run (default 200)")
    parser.add_argument("--model", default="mnist", help="model name or path (default: the bundled mnist)")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from cnn_explorer.core.interpret import maximize_activation
    from cnn_explorer.core.train.checkpoints import load_model
    from cnn_explorer.ui.classify.page import ClassifyPage

    app = QApplication.instance() or QApplication([])
    loaded = load_model(args.model)
    page = ClassifyPage()
    page.resize(1366, 768)
    page.show()
    page.set_model(loaded)
    img = __import__("numpy").zeros((28, 28), "uint8")
    img[6:22, 12:16] = 255
    page.controller.set_source(img)
    app.processEvents()
    panel = page.featurevis_panel
    page.tabs.setCurrentWidget(panel)
    panel.steps.setValue(args.steps)
    app.processEvents()

    rows = []
    for run in range(args.runs):
        shown: list[float] = []
        panel.frame_shown.connect(lambda f, s=shown: s.append(time.perf_counter()))
        began = time.perf_counter()
        panel.start.click()
        while panel.is_running() and time.perf_counter() - began < 120:
            app.processEvents()
            time.sleep(0.002)
        panel.frame_shown.disconnect()
        first = shown[0] - began if shown else float("nan")
        span = shown[-1] - shown[0] if len(shown) > 1 else float("nan")
        rate = (len(shown) - 1) / span if len(shown) > 1 and span > 0 else float("nan")
        gaps = [b - a for a, b in zip(shown, shown[1:])]
        rows.append((run + 1, first, len(shown), rate, max(gaps) if gaps else float("nan"),
                     shown[-1] - began if shown else float("nan")))

    # reference: the core generator alone on this thread
    shape = tuple(int(v) for v in loaded.spec.input_shape)
    t0 = time.perf_counter()
    for _ in maximize_activation(loaded.model, shape, index=3, steps=100, every=5, mean=loaded.mean, std=loaded.std):
        pass
    core_100 = time.perf_counter() - t0
    page.shutdown()
    page.close()

    print(f"feature visualisation, {args.steps} steps, model {args.model!r}")
    print(f"{'run':>4} {'first frame s':>14} {'frames':>7} {'frames/s':>9} {'longest gap s':>14} {'total s':>8}")
    for run, first, n, rate, gap, total in rows:
        print(f"{run:>4} {first:>14.3f} {n:>7} {rate:>9.1f} {gap:>14.3f} {total:>8.2f}")
    print(f"median first frame: {statistics.median(r[1] for r in rows):.3f} s (target <= 0.5 s); "
          f"median rate: {statistics.median(r[3] for r in rows):.1f} frames/s (target >= 10)")
    print(f"reference: core maximize_activation alone, 100 steps: {core_100:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
