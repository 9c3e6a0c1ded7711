"""Kernel edit -> all maps repainted, at 28², 512² and 1024², next to the core computation alone.

Run: ``python benchmarks/bench_explorer_edit.py [--repeats N]``. The real main
window is shown offscreen at 1366x768 with the Maps tab in front. One
measurement: change one kernel cell through ``ExplorerState.set_kernel`` (what
typing in the kernel grid does), then run the event loop until the maps panel
has emitted ``repainted`` and the paint events it caused are processed. "core"
is ``run_pipeline`` alone on the same input. Targets: p95 ≤ 16 ms at 512²,
≤ 33 ms at 1024².
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np

TARGETS_MS = {512: 16.0, 1024: 33.0}


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def measure(window, app, side: int, repeats: int, rng) -> tuple[list[float], list[float]]:
    from cnn_explorer.core.pipeline import run_pipeline

    state = window.explorer.state
    panel = window.explorer.maps_panel
    state.set_image(rng.integers(0, 256, size=(side, side)).astype(np.float64), source=f"noise {side}")
    state.set_kernels([np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])], ["sobel-top"])
    state.recompute_now()
    for _ in range(5):
        app.processEvents()
    done = []
    panel.repainted.connect(lambda: done.append(True))
    edit_ms, core_ms = [], []
    for n in range(repeats + 3):
        kernel = state.kernels[0].copy()
        kernel[1, 1] = float(n % 7) - 3.0
        done.clear()
        start = time.perf_counter()
        state.set_kernel(0, kernel, text="bench")
        while not done:
            app.processEvents()
        app.processEvents()  # the paint events the new maps posted
        elapsed = (time.perf_counter() - start) * 1000
        t0 = time.perf_counter()
        run_pipeline(state.image, state.effective_kernels(), state.conv, state.activation, state.pool)
        core = (time.perf_counter() - t0) * 1000
        if n >= 3:  # warm-up edits (first allocation of the map images) are not counted
            edit_ms.append(elapsed)
            core_ms.append(core)
    panel.repainted.disconnect()
    return edit_ms, core_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--sizes", default="28,512,1024")
    args = parser.parse_args()
    from cnn_explorer.ui.app import create_application

    app = create_application()
    from cnn_explorer.ui.main_window import MainWindow

    window = MainWindow(settings=None)
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    rng = np.random.default_rng(0)
    print(f"{'input':>10s} {'edit→repaint median':>20s} {'p95':>8s} {'core median':>12s} {'core p95':>9s}  target p95")
    ok = True
    for side in (int(s) for s in args.sizes.split(",")):
        edit_ms, core_ms = measure(window, app, side, args.repeats, rng)
        target = TARGETS_MS.get(side)
        verdict = ""
        if target is not None:
            met = _p95(edit_ms) <= target
            ok &= met
            verdict = f"≤ {target:.0f} ms {'met' if met else 'NOT met'}"
        print(
            f"{side:>5d}×{side:<4d} {statistics.median(edit_ms):17.1f} ms {_p95(edit_ms):5.1f} ms"
            f" {statistics.median(core_ms):9.1f} ms {_p95(core_ms):6.1f} ms  {verdict}"
        )
    print(f"torch imported: {'torch' in sys.modules}")
    window.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
