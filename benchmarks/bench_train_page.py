"""Training page benchmark: throughput with the live page on vs the headless engine, and GUI event-loop stalls.

The same run (model, data, settings, seed) is trained

* headless: ``for record in TrainingRun(...).steps(): pass``;
* on a shown ``TrainPage`` (offscreen): Train clicked, live curves, filters,
  probe activations and timeline updating, until ``run_finished``.

Throughput = training images processed / wall time of the whole run (build,
training, validation, test), the best of ``--rounds`` alternating rounds (the
machine may be shared). The headless run is timed on the main thread and on a
plain worker thread (where the page trains); the page is compared with the
faster of the two. While the page trains, a QTimer ticks every 5 ms and
the longest gap between two ticks is the longest stall of the event loop.
Targets: page >= 0.90x headless; no stall over 50 ms.

    python benchmarks/bench_train_page.py [--dataset mnist-sample] [--preset lenet5] [--epochs 2]
                                          [--batch-size 64] [--rounds 2] [--device cpu] [--threads N]

Prints a table and exits.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_RATIO = 0.90
TARGET_STALL_MS = 50.0


def _config(args):
    from cnn_explorer.core.training import TrainConfig

    return TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, optimizer="adam",
                       seed=0, device=args.device, snapshot_every=0, threads=args.threads)


def _images(dataset, config) -> int:
    n = len(dataset.train_y)
    batch = min(config.batch_size, n)
    return (n // batch) * batch * config.epochs


def headless(spec, dataset, config) -> float:
    """Seconds for the whole headless run."""
    from cnn_explorer.core.training import TrainingRun

    start = time.perf_counter()
    run = TrainingRun(spec, dataset, config)
    for _record in run.steps():
        pass
    return time.perf_counter() - start


def headless_in_thread(spec, dataset, config) -> float:
    """Seconds for the whole headless run on a plain worker thread (where the page trains too)."""
    import threading

    out: list[float] = []
    thread = threading.Thread(target=lambda: out.append(headless(spec, dataset, config)), name="bench-headless")
    thread.start()
    thread.join()
    return out[0]


_LAST_TICK = [0.0]


def _start_stall_tracer(limit_s: float) -> None:
    """A daemon thread that prints the main thread's stack when the 5 ms timer is late by ``limit_s``."""
    import threading
    import traceback

    main_id = threading.main_thread().ident

    def watch():
        reported_for = None
        while True:
            time.sleep(limit_s / 4)
            last = _LAST_TICK[0]
            if last and time.perf_counter() - last > limit_s and reported_for != last:
                reported_for = last
                stack = "".join(traceback.format_stack(sys._current_frames()[main_id])[-12:])
                print(f"--- GUI thread late by {(time.perf_counter() - last) * 1000:.0f} ms:\n{stack}", flush=True)

    threading.Thread(target=watch, daemon=True, name="stall-tracer").start()


def on_page(app, page, config) -> tuple[float, float, int]:
    """(seconds, longest event-loop gap in ms, ticks) for one run on the shown page."""
    from PySide6.QtCore import QEventLoop, QTimer

    form = page.settings_form
    form.set_values(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, optimizer=config.optimizer,
                    seed=config.seed, threads=config.threads or 0)
    index = form.device.findData(config.device)
    form.device.setCurrentIndex(max(index, 0))
    gaps = {"last": None, "max": 0.0, "ticks": 0, "done": False, "ok": None}

    def tick():
        now = time.perf_counter()
        if gaps["last"] is not None:
            gaps["max"] = max(gaps["max"], now - gaps["last"])
        gaps["last"] = _LAST_TICK[0] = now
        gaps["ticks"] += 1

    def finished(ok, message):
        gaps["done"], gaps["ok"] = True, (ok, message)

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    page.run_finished.connect(finished)
    loop = QEventLoop()  # a real event loop: it sleeps between events, as the app's does
    page.run_finished.connect(loop.quit)
    timer.start()
    start = time.perf_counter()
    page.train()
    if not gaps["done"]:
        loop.exec()
    elapsed = time.perf_counter() - start
    page.run_finished.disconnect(loop.quit)
    timer.stop()
    _LAST_TICK[0] = 0.0
    page.run_finished.disconnect(finished)
    if not gaps["ok"][0]:
        raise SystemExit(f"the page's run failed: {gaps['ok'][1]}")
    return elapsed, gaps["max"] * 1000.0, gaps["ticks"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist-sample")
    parser.add_argument("--preset", default="lenet5")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: the engine's choice)")
    parser.add_argument("--trace-stalls", type=float, default=0.0, metavar="MS",
                        help="print the GUI thread's stack whenever it has not ticked for MS milliseconds")
    args = parser.parse_args(argv)

    from cnn_explorer.ui.app import guard_pyside_bool_refcount

    guard_pyside_bool_refcount()
    import pyqtgraph as pg
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.model_spec import preset
    from cnn_explorer.core.training import describe_device, pick_device
    from cnn_explorer.ui.theme import apply_theme
    from cnn_explorer.ui.train.page import TrainPage

    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    pg.setConfigOptions(imageAxisOrder="row-major")
    dataset = load_dataset(args.dataset)
    spec = preset(args.preset, dataset.input_shape, dataset.class_names)
    config = _config(args)
    images = _images(dataset, config)

    page = TrainPage()
    page.resize(1366, 740)
    page.show()
    while page.data_panel.dataset is None or page.data_panel.is_loading():  # the page's default dataset
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    page.load_dataset(args.dataset)
    while page.data_panel.is_loading() or page.data_panel.dataset.name != dataset.name:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    page.state.set_spec(spec)
    # warm up torch (first-call kernel set-up) outside the measurements
    from dataclasses import replace

    headless(spec, dataset, replace(config, epochs=1))

    if args.trace_stalls:
        _start_stall_tracer(args.trace_stalls / 1000.0)
    rows_main, rows_headless, rows_page = [], [], []
    for _ in range(args.rounds):
        rows_main.append(headless(spec, dataset, config))
        rows_headless.append(headless_in_thread(spec, dataset, config))
        rows_page.append(on_page(app, page, config))
    page.shutdown()

    best_main = min(rows_main)
    best_h = min(min(rows_headless), best_main)
    best_p = min(rows_page, key=lambda r: r[0])
    worst_stall = max(r[1] for r in rows_page)
    ratio = best_h / best_p[0]
    device = describe_device(pick_device(args.device))
    print(f"Training page benchmark: {args.preset} on {args.dataset} ({images:,} training images a run, "
          f"{args.epochs} epochs, batch {args.batch_size}), {device}, best of {args.rounds} alternating rounds")
    print()
    print(f"{'run':<34}{'seconds':>10}{'images/s':>12}{'vs headless':>13}{'longest stall':>16}")
    print("-" * 85)
    for label, seconds in (("headless, main thread", best_main), ("headless, worker thread", min(rows_headless))):
        print(f"{label:<34}{seconds:>10.2f}{images / seconds:>12,.0f}{best_h / seconds:>12.2f}x{'':>16}")
    print(f"{'live page (curves, maps, probe)':<34}{best_p[0]:>10.2f}{images / best_p[0]:>12,.0f}{ratio:>12.2f}x"
          f"{worst_stall:>13.1f} ms")
    print("-" * 85)
    print(f"all rounds, headless main s: {', '.join(f'{t:.2f}' for t in rows_main)}; "
          f"headless worker s: {', '.join(f'{t:.2f}' for t in rows_headless)}; "
          f"page s: {', '.join(f'{r[0]:.2f}' for r in rows_page)}; "
          f"stalls ms: {', '.join(f'{r[1]:.1f}' for r in rows_page)}")
    print(f"target: page >= {TARGET_RATIO:.2f}x headless: {'met' if ratio >= TARGET_RATIO else 'NOT met'}; "
          f"longest stall <= {TARGET_STALL_MS:.0f} ms: {'met' if worst_stall <= TARGET_STALL_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
