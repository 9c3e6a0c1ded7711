"""Animation step cost: the work one step of the sliding-filter animation does, at 28² and 1024².

For each input size, times (median and 95th percentile over random steps):
  core.conv_step alone            what the core computes for one output cell
  step work                       AnimationPanel.set_step: core step + marks + arithmetic + labels
  + repaint, playing               consecutive steps (as when playing), painted by the event loop
  + repaint, jumping               random steps (clicks, scrubbing): the neighbourhood shown moves
and the same for a pooling step. Painting is offscreen (QT_QPA_PLATFORM=offscreen). Target: a step ≤ 10 ms. Prints a table and exits.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_animation.py [--steps 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from window_timing import stats  # noqa: E402 - benchmarks/, on the path when run as a script

#: the clock: wall time, or this thread's CPU time with --cpu (steadier on a loaded machine)
_CLOCK = [time.perf_counter]

def _time(fn, args_list) -> tuple[float, float]:
    clock = _CLOCK[0]
    samples = []
    for args in args_list:
        t0 = clock()
        fn(*args)
        samples.append(clock() - t0)
    median, p95, _most = stats(samples)
    return median, p95

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="random steps timed per row (default 200)")
    parser.add_argument("--cpu", action="store_true",
                        help="time with this thread's CPU time instead of the wall clock (a loaded machine)")
    args = parser.parse_args(argv)
    if args.cpu:
        _CLOCK[0] = time.thread_time
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import pyqtgraph as pg

    pg.setConfigOptions(imageAxisOrder="row-major")
    from cnn_explorer.core.conv.convolution import (
        ConvSettings,
        PoolSettings,
        conv_step,
        pool_step,
    )
    from cnn_explorer.core.conv.pipeline import run_pipeline
    from cnn_explorer.ui.explorer.animation_panel import AnimationPanel
    from cnn_explorer.ui.explorer.state import ExplorerState

    rng = np.random.default_rng(0)
    kernel = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    settings = ConvSettings(padding=1)
    rows = []
    for side in (28, 1024):
        image = rng.integers(0, 256, (side, side)).astype(np.float64)
        result = run_pipeline(image, [kernel], settings, "relu", PoolSettings())
        panel = AnimationPanel(ExplorerState())
        panel.resize(1280, 560)
        panel.set_result(result)
        panel.show()
        app.processEvents()
        oh, ow = result.conv.maps.shape[1:]
        cells = [(int(rng.integers(0, oh)), int(rng.integers(0, ow))) for _ in range(args.steps)]
        steps = [(i * ow + j,) for i, j in cells]
        for n, in steps[:10]:                                    # warm up caches and fonts
            panel.set_step(n)
            app.processEvents()
        core = _time(lambda i, j: conv_step(image, kernel, settings, i, j), cells)
        work = _time(panel.set_step, steps)

        def work_and_paint(n):
            panel.set_step(n)
            app.processEvents()                                  # paints exactly what the step changed

        start = oh * ow // 2
        playing = _time(work_and_paint, [(n,) for n in range(start, start + len(steps))])
        jumping = _time(work_and_paint, steps)
        rows.append((f"{side}²", "convolution", core, work, playing, jumping))

        activated = result.activated[0]
        ph, pw = result.pooled.values.shape[1:]
        pcells = [(int(rng.integers(0, ph)), int(rng.integers(0, pw))) for _ in range(args.steps)]
        panel.set_stage("pool")
        psteps = [(i * pw + j,) for i, j in pcells]
        pcore = _time(lambda i, j: pool_step(activated, result.pool, i, j), pcells)
        pwork = _time(panel.set_step, psteps)
        pstart = ph * pw // 2
        pplaying = _time(work_and_paint, [(n,) for n in range(pstart, pstart + len(psteps))])
        pjumping = _time(work_and_paint, psteps)
        rows.append((f"{side}²", "max-pool", pcore, pwork, pplaying, pjumping))
        panel.close()
        panel.deleteLater()
        app.processEvents()

    clock = "CPU time of the GUI thread" if args.cpu else "wall clock"
    print(f"Animation step time, ms, {clock} (median / p95 over {args.steps} steps each; target ≤ 10 ms)")
    header = (f"{'input':>7}  {'stage':<12} {'core step alone':>17} {'step work':>15} {'+ repaint, playing':>19}"
              f" {'+ repaint, jumping':>19}")
    print(header)
    print("-" * len(header))
    for size, stage, core, work, playing, jumping in rows:
        print(f"{size:>7}  {stage:<12} {core[0]:7.3f} / {core[1]:6.3f}  {work[0]:6.2f} / {work[1]:5.2f}"
              f"   {playing[0]:6.2f} / {playing[1]:6.2f}    {jumping[0]:6.2f} / {jumping[1]:6.2f}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
