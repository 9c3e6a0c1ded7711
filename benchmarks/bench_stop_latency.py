"""Stop latency: from the cancel event to the end of a training run, inside long steps (issue 18).

Usage: python benchmarks/bench_stop_latency.py [--preset P] [--dataset D] [--batch N] [--stops N] [--threads N]

A run (default: lenet5 on mnist-sample at batch size 256) trains on a thread;
after a few steps the cancel event is set at a random moment within a step,
and the clock stops when the engine's generator has returned. Measured with
the engine's in-step cancel hooks (core/train/interrupt.py) and, as the
reference in the same run, with them turned off (the cancel event is then
only seen between steps, as before). Target: every stop <= 0.5 s. Also
prints the mean step time. Prints a table and exits.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


class _NoHooks:
    """The engine without in-step cancel hooks: cancel is seen between steps only."""

    def __init__(self, model, cancel) -> None:
        pass

    def armed(self):
        return contextlib.nullcontext()

    def remove(self) -> None:
        pass


def measure(spec, dataset, config, stops: int, seed: int) -> tuple[list[float], float]:
    from cnn_explorer.core.train.engine import TrainingRun

    rng = random.Random(seed)
    latencies, step_times = [], []
    for _ in range(stops):
        cancel = threading.Event()
        run = TrainingRun(spec, dataset, config, cancel=cancel)
        steps: list[float] = []
        ended: list[float] = []

        def drive():
            for record in run.steps():
                if type(record).__name__ == "BatchRecord":
                    steps.append(time.perf_counter())
            ended.append(time.perf_counter())

        worker = threading.Thread(target=drive)
        worker.start()
        while len(steps) < 3:
            time.sleep(0.001)
        per_step = (steps[-1] - steps[0]) / (len(steps) - 1)
        step_times.append(per_step)
        time.sleep(rng.uniform(0.1, 0.9) * per_step)  # somewhere inside a step
        asked = time.perf_counter()
        cancel.set()
        worker.join()
        latencies.append(ended[0] - asked)
    return latencies, statistics.median(step_times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="lenet5")
    parser.add_argument("--dataset", default="mnist-sample")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--stops", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: one per physical core)")
    args = parser.parse_args(argv)

    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.model.presets import preset
    from cnn_explorer.core.train import engine
    from cnn_explorer.core.train.engine import TrainConfig

    dataset = load_dataset(args.dataset)
    spec = preset(args.preset).with_io(tuple(dataset.input_shape), tuple(dataset.class_names))
    config = TrainConfig(epochs=100, batch_size=args.batch, threads=args.threads, lr=1e-3)
    measure(spec, dataset, config, 1, 0)  # warm-up: torch.optim's first import, the allocator
    rows = []
    with_hooks, step_s = measure(spec, dataset, config, args.stops, 1)
    rows.append(("in-step hooks (now)", with_hooks))
    hooks = engine.StepInterrupt
    engine.StepInterrupt = _NoHooks
    try:
        without, _ = measure(spec, dataset, config, args.stops, 1)
    finally:
        engine.StepInterrupt = hooks
    rows.append(("between steps only (reference)", without))
    print(f"stop latency, {args.preset} on {args.dataset}, batch {args.batch}, one step ~{step_s:.3f} s")
    print(f"{'cancel checked':<32} {'median s':>9} {'max s':>7} {'<= 0.5 s':>9}")
    for name, values in rows:
        ok = sum(v <= 0.5 for v in values)
        print(f"{name:<32} {statistics.median(values):>9.3f} {max(values):>7.3f} {ok:>5}/{len(values)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
