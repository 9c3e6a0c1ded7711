"""Training page benchmark: throughput with the live page on vs the headless engine, and GUI event-loop stalls.

The same run (model, data, settings, seed) is trained

* headless: ``for record in TrainingRun(...).steps(): pass``;
* on a shown ``TrainPage`` (offscreen): Train clicked, live curves, filters,
  probe activations and timeline updating, until ``run_finished``.

Two throughputs, over ``--rounds`` alternating rounds (the machine may be
shared), each reported as the best round of each side and as the median of
the rounds' paired ratios (each page run against the same round's headless
run; the two swap places every other round):

* whole run: training images processed / wall time of the whole run (build,
  dataset to tensors, training, validation, test; on the page also its
  misclassified gallery and results view);
* training phase: images trained between the first and the last batch record /
  the time between them, stamped on the thread that trains (what "training
  throughput" means; validation passes at epoch ends fall inside it, alike
  for both).

The reference is the headless engine on a plain worker thread of this
process (where the page trains too), one run per round like the page, so
both sides' "best round" and median are taken over the same number of noisy
samples (comparing the page with the faster of two headless runs a round
would favour the headless side by chance alone). The headless run on the main
thread of a fresh process (so that its OpenMP thread pool cannot throttle
this process's runs) is shown beside it, and the page against it, to show
that the thread and the process do not matter.

Stalls are measured in ``--stall-runs`` further page runs, with a QTimer
ticking every ``--tick-ms`` (5) ms on the GUI thread: the longest gap between
two ticks is the longest stall of the event loop. The timer's 200 wake-ups a
second cost training throughput themselves (each one takes the GIL and a core
from the training threads), so the throughput rounds run without it, as the
app does; the stall runs' throughput is printed for comparison.
Targets: page >= 0.90x headless; no stall over 50 ms.

    python benchmarks/bench_train_page.py [--dataset mnist-sample] [--preset lenet5] [--epochs 6]
                                          [--batch-size 64] [--rounds 8] [--device cpu] [--threads N]
                                          [--page-threads N] [--stall-runs 2] [--tick-ms 5]
                                          [--trace-stalls MS]

Prints a table and exits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_RATIO = 0.90
TARGET_STALL_MS = 50.0

def _config(args):
    from cnn_explorer.core.train.engine import TrainConfig

    return TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, optimizer="adam",
                       seed=0, device=args.device, snapshot_every=0, threads=args.threads)

def _images(dataset, config) -> int:
    n = len(dataset.train_y)
    batch = min(config.batch_size, n)
    return (n // batch) * batch * config.epochs

class BatchClock:
    """Stamps the first and the last batch record of a run: (time, step) pairs, on the thread that trains."""

    def __init__(self) -> None:
        self.first: tuple[float, int] | None = None
        self.last: tuple[float, int] | None = None

    def mark(self, step: int) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first = (now, step)
        self.last = (now, step)

    def images_per_s(self, batch: int) -> float:
        """Training-phase throughput: images of the steps after the first one / seconds since the first one."""
        if self.first is None or self.last is None or self.last[1] <= self.first[1]:
            return float("nan")
        return (self.last[1] - self.first[1]) * batch / (self.last[0] - self.first[0])

def headless(spec, dataset, config) -> tuple[float, float]:
    """(seconds for the whole headless run, training-phase images/s)."""
    from cnn_explorer.core.train.engine import BatchRecord, TrainingRun

    clock = BatchClock()
    start = time.perf_counter()
    run = TrainingRun(spec, dataset, config)
    for record in run.steps():
        if isinstance(record, BatchRecord):
            clock.mark(record.step)
    return time.perf_counter() - start, clock.images_per_s(min(config.batch_size, len(dataset.train_y)))

def headless_in_thread(spec, dataset, config) -> tuple[float, float]:
    """The same on a plain worker thread (where the page trains too)."""
    import threading

    out: list[tuple[float, float]] = []
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

_PAGE_CLOCK: list[BatchClock] = []

def _time_page_batches() -> None:
    """Let the page's sessions stamp their batch records on the worker thread (one perf_counter call a step)."""
    from cnn_explorer.core.train.session import TrainSession
    from cnn_explorer.ui.train import controller

    class StampedSession(TrainSession):
        def steps(self, cancel):
            clock = BatchClock()
            _PAGE_CLOCK[:] = [clock]
            for update in super().steps(cancel):
                if update.kind == "batch":
                    clock.mark(update.record.step)
                yield update

    controller.TrainSession = StampedSession

def on_page(app, page, config, threads: int | None = None, tick_ms: float = 0.0) -> tuple[float, float, float]:
    """(seconds, training-phase images/s, longest gap between two ticks of a ``tick_ms`` timer in ms (NaN
    without one)) for one run on the shown page.

    ``threads``: the page's CPU-threads field (0 = auto); None: the config's.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    form = page.settings_form
    form.set_values(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, optimizer=config.optimizer,
                    seed=config.seed, threads=(config.threads or 0) if threads is None else threads)
    index = form.device.findData(config.device)
    form.device.setCurrentIndex(max(index, 0))
    # the Live tab in front (the page shows it on Train; after a run it shows Results): the live views draw
    page.right_tabs.setCurrentWidget(page.live)
    app.processEvents()
    gaps = {"last": None, "max": 0.0, "done": False, "ok": None}

    def tick():
        now = time.perf_counter()
        if gaps["last"] is not None:
            gaps["max"] = max(gaps["max"], now - gaps["last"])
        gaps["last"] = _LAST_TICK[0] = now

    def finished(ok, message):
        gaps["done"], gaps["ok"] = True, (ok, message)

    timer = QTimer()
    if tick_ms:
        timer.setInterval(int(tick_ms))
        timer.timeout.connect(tick)
        timer.start()
    page.run_finished.connect(finished)
    loop = QEventLoop()  # a real event loop: it sleeps between events, as the app's does
    page.run_finished.connect(loop.quit)
    start = time.perf_counter()
    page.train()
    if not gaps["done"]:
        loop.exec()
    elapsed = time.perf_counter() - start
    _LAST_TICK[0] = 0.0
    page.run_finished.disconnect(loop.quit)
    timer.stop()
    page.run_finished.disconnect(finished)
    if not gaps["ok"][0]:
        raise SystemExit(f"the page's run failed: {gaps['ok'][1]}")
    batch = min(config.batch_size, len(page.data_panel.dataset.train_y))
    rate = _PAGE_CLOCK[0].images_per_s(batch) if _PAGE_CLOCK else float("nan")
    return elapsed, rate, gaps["max"] * 1000.0 if tick_ms else float("nan")

def _headless_main_process(args) -> int:
    """--headless-main-only: a warm-up and one headless run on the main thread; prints 'seconds images_per_s'."""
    from dataclasses import replace

    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.model.presets import preset

    dataset = load_dataset(args.dataset)
    spec = preset(args.preset, dataset.input_shape, dataset.class_names)
    config = _config(args)
    headless(spec, dataset, replace(config, epochs=1))
    row = headless(spec, dataset, config)
    print(f"{row[0]!r} {row[1]!r}")
    return 0

def _headless_main_in_own_process(argv) -> tuple[float, float]:
    """The main-thread headless run in a fresh process, so its OpenMP pool cannot slow this process's runs."""
    import subprocess

    args = list(sys.argv[1:] if argv is None else argv) + ["--headless-main-only"]
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True,
                         check=True)
    seconds, rate = out.stdout.split()[-2:]
    return float(seconds), float(rate)

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist-sample")
    parser.add_argument("--preset", default="lenet5")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: the engine's choice)")
    parser.add_argument("--page-threads", type=int, default=None, metavar="N",
                        help="CPU threads for the page's run only (0: the page's own choice; default: as --threads)")
    parser.add_argument("--trace-stalls", type=float, default=0.0, metavar="MS",
                        help="in the stall runs, print the GUI thread's stack whenever it has not ticked for MS "
                             "milliseconds")
    parser.add_argument("--stall-runs", type=int, default=2, help="page runs with the tick timer, for the stalls")
    parser.add_argument("--tick-ms", type=float, default=5.0, help="the stall runs' timer interval (ms)")
    parser.add_argument("--headless-main-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.headless_main_only:
        return _headless_main_process(args)

    import pyqtgraph as pg
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.model.presets import preset
    from cnn_explorer.core.train.engine import describe_device, pick_device
    from cnn_explorer.ui.theme import apply_theme
    from cnn_explorer.ui.train.page import TrainPage

    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    pg.setConfigOptions(imageAxisOrder="row-major")
    dataset = load_dataset(args.dataset)
    spec = preset(args.preset, dataset.input_shape, dataset.class_names)
    config = _config(args)
    images = _images(dataset, config)

    device = describe_device(pick_device(args.device))  # before the page sets this thread's torch threads
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

    # on a worker thread: a multi-threaded torch op on this (GUI) thread would give it an OpenMP pool of its own,
    # and two pools on 2 cores make libgomp throttle (training ~12% slower), which the app itself avoids
    headless_in_thread(spec, dataset, replace(config, epochs=1))

    if args.trace_stalls:
        _start_stall_tracer(args.trace_stalls / 1000.0)
    _time_page_batches()
    rows_main, rows_headless, rows_page = [], [], []
    for i in range(args.rounds):
        rows_main.append(_headless_main_in_own_process(argv))
        if i % 2:  # every other round the page goes first, so neither side always follows the other
            rows_page.append(on_page(app, page, config, args.page_threads))
            rows_headless.append(headless_in_thread(spec, dataset, config))
        else:
            rows_headless.append(headless_in_thread(spec, dataset, config))
            rows_page.append(on_page(app, page, config, args.page_threads))
    rows_stall = [on_page(app, page, config, args.page_threads, args.tick_ms) for _ in range(args.stall_runs)]
    page.shutdown()

    # whole run: seconds (lower is better); training phase: images/s (higher is better)
    best_main, best_worker = min(r[0] for r in rows_main), min(r[0] for r in rows_headless)
    rate_main, rate_worker = max(r[1] for r in rows_main), max(r[1] for r in rows_headless)
    best_p = min(r[0] for r in rows_page)
    rate_p = max(r[1] for r in rows_page)
    worst_stall = max((r[2] for r in rows_stall), default=float("nan"))
    ratio, train_ratio = best_worker / best_p, rate_p / rate_worker
    # paired: each round's page run against the same round's headless run (slow drifts of a shared machine hit
    # both alike); the median over the rounds
    paired_whole = statistics.median(w[0] / p[0] for w, p in zip(rows_headless, rows_page))
    paired_train = statistics.median(p[1] / w[1] for w, p in zip(rows_headless, rows_page))
    main_whole = statistics.median(m[0] / p[0] for m, p in zip(rows_main, rows_page))
    main_train = statistics.median(p[1] / m[1] for m, p in zip(rows_main, rows_page))
    page_threads = "" if args.page_threads is None else f"; the page's threads field: {args.page_threads or 'auto'}"
    print(f"Training page benchmark: {args.preset} on {args.dataset} ({images:,} training images a run, "
          f"{args.epochs} epochs, batch {args.batch_size}), {device}{page_threads}, {args.rounds} alternating rounds")
    print()
    print(f"{'':<40}{'whole run':^35}{'training phase':^24}")
    print(f"{'best round of each':<40}{'seconds':>10}{'images/s':>12}{'vs headless':>13}{'images/s':>12}"
          f"{'vs headless':>12}")
    print("-" * 99)
    print(f"{'headless, worker thread (reference)':<40}{best_worker:>10.2f}{images / best_worker:>12,.0f}"
          f"{1:>12.2f}x{rate_worker:>12,.0f}{1:>11.2f}x")
    print(f"{'headless, main thread of a new process':<40}{best_main:>10.2f}{images / best_main:>12,.0f}"
          f"{best_worker / best_main:>12.2f}x{rate_main:>12,.0f}{rate_main / rate_worker:>11.2f}x")
    print(f"{'live page (curves, maps, probe)':<40}{best_p:>10.2f}{images / best_p:>12,.0f}{ratio:>12.2f}x"
          f"{rate_p:>12,.0f}{train_ratio:>11.2f}x")
    print(f"{'live page, median of paired rounds':<40}{'':>22}{paired_whole:>12.2f}x{'':>12}{paired_train:>11.2f}x")
    print(f"{'  the same against the new process':<40}{'':>22}{main_whole:>12.2f}x{'':>12}{main_train:>11.2f}x")
    print("-" * 99)
    print(f"all rounds, headless worker s: {', '.join(f'{r[0]:.2f}' for r in rows_headless)}; "
          f"headless main s: {', '.join(f'{r[0]:.2f}' for r in rows_main)}; "
          f"page s: {', '.join(f'{r[0]:.2f}' for r in rows_page)}")
    print(f"training-phase images/s, headless worker: {', '.join(f'{r[1]:,.0f}' for r in rows_headless)}; "
          f"headless main: {', '.join(f'{r[1]:,.0f}' for r in rows_main)}; "
          f"page: {', '.join(f'{r[1]:,.0f}' for r in rows_page)}")
    if rows_stall:
        print(f"stall runs ({args.tick_ms:g} ms ticks): longest gap ms: {', '.join(f'{r[2]:.1f}' for r in rows_stall)}; "
              f"seconds: {', '.join(f'{r[0]:.2f}' for r in rows_stall)}; training-phase images/s: "
              f"{', '.join(f'{r[1]:,.0f}' for r in rows_stall)}")
    for what, best, paired in (("whole run", ratio, paired_whole), ("training phase", train_ratio, paired_train)):
        verdict = "met" if min(best, paired) >= TARGET_RATIO else "NOT met"
        print(f"target ({what}): page >= {TARGET_RATIO:.2f}x headless (best and paired median): {verdict}")
    if rows_stall:
        print(f"target: longest stall <= {TARGET_STALL_MS:.0f} ms: "
              f"{'met' if worst_stall <= TARGET_STALL_MS else 'NOT met'}")
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
