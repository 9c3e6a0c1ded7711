"""Training benchmark: time to 99.0% on the real MNIST test set, and engine vs plain-loop throughput.

1. Trains the fixed recipe below (chosen on the bundled sample's validation
   split, never on test accuracy) on the 4,000-image train split of the bundled
   5,000-digit MNIST sample, evaluates the real MNIST test set
   (``../shared/data/mnist-test``, evaluation only) after each epoch with that
   time left out of the training clock, and reports the training time at which
   test accuracy first reaches 99.0% (target: 45 s on 2 CPU threads).
2. Measures samples per second of the engine (``TrainingRun.steps``) against
   a plain hand-written PyTorch loop for the same model, data, augmentation and
   optimiser, the two advancing step by step in turn in the same process, so
   that a busy machine slows both alike (target: engine >= 0.95x the plain loop).

    python benchmarks/bench_training.py [--device cpu|cuda] [--threads 2] [--rounds 3] [--full]

Prints a table and exits.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MNIST_TEST = REPO.parent / "shared" / "data" / "mnist-test"
TARGET_ACCURACY = 0.99
TARGET_SECONDS = 45.0

#: the benchmark recipe (TrainConfig fields); chosen on the validation split of the bundled sample
RECIPE = dict(epochs=12, batch_size=128, lr=0.004, optimizer="adamw", weight_decay=0.01, schedule="onecycle",
              augment=True, augment_shift=2.0, augment_rotate=10.0, augment_scale=0.1, label_smoothing=0.1,
              seed=0, snapshot_every=0, channels_last=True)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def time_to_accuracy(spec, sample, test, config, full: bool) -> tuple[list[tuple], float | None]:
    """Train with the engine; after each epoch (clock paused) measure test accuracy. Rows: epoch, s, val, test."""
    from cnn_explorer.core.train.engine import EpochRecord, TrainingRun, evaluate

    run = TrainingRun(spec, sample, config)
    rows, reached = [], None
    for record in run.steps():
        if not isinstance(record, EpochRecord):
            continue
        # The generator is suspended here: the engine's clock (elapsed_s) does not count this evaluation.
        result = evaluate(run.model, (test.test_x, test.test_y), normalization=(run.mean, run.std))
        rows.append((record.epoch, record.elapsed_s, record.val_accuracy, result.accuracy))
        if reached is None and result.accuracy >= TARGET_ACCURACY:
            reached = record.elapsed_s
            if not full:
                break
    return rows, reached


def plain_loop_steps(spec, sample, config, device):
    """A plain hand-written PyTorch training loop over one epoch, as a generator that yields after each step."""
    import torch
    import torch.nn.functional as F

    from cnn_explorer.core.datasets import augment_batch
    from cnn_explorer.core.model.build import build_model

    torch.manual_seed(config.seed)
    model = build_model(spec).to(device)
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    model.to(memory_format=memory_format)
    images = torch.from_numpy(sample.train_x).permute(0, 3, 1, 2).float().div(255).to(device)  # (N, 1, 28, 28)
    labels = torch.from_numpy(sample.train_y).to(device)
    mean = torch.tensor(sample.mean, device=device).view(1, -1, 1, 1)
    std = torch.tensor(sample.std, device=device).view(1, -1, 1, 1)
    batch = config.batch_size
    steps = len(labels) // batch
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=steps)
    generator = torch.Generator().manual_seed(config.seed)
    order = torch.randperm(len(labels), generator=generator).to(device)
    model.train()
    running = 0.0
    for i in range(steps):
        idx = order[i * batch:(i + 1) * batch]
        x = augment_batch(images[idx], shift=config.augment_shift, rotate=config.augment_rotate,
                          scale=config.augment_scale, generator=generator)
        x = ((x - mean) / std).contiguous(memory_format=memory_format)
        loss = F.cross_entropy(model(x), labels[idx], label_smoothing=config.label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        running += loss.item()
        yield running


def engine_steps(spec, sample, config):
    """The engine over one epoch, yielding after each training step (the epoch's validation is never reached)."""
    from dataclasses import replace

    from cnn_explorer.core.train.engine import BatchRecord, TrainingRun

    run = TrainingRun(spec, sample, replace(config, epochs=1))
    for record in run.steps():
        if not isinstance(record, BatchRecord):
            return
        yield record


def throughput(spec, sample, config, device, rounds: int) -> tuple[list[float], list[float]]:
    """Per-step seconds of the plain loop and of the engine, interleaved step by step.

    The two advance in turn (the order swapping every step) in the same
    process, so a busy machine slows both alike; the first two steps of each
    epoch are warm-up and left out.
    """
    plain_times, engine_times = [], []
    for _ in range(rounds):
        plain, engine = plain_loop_steps(spec, sample, config, device), engine_steps(spec, sample, config)
        for i in range(len(sample.train_y) // config.batch_size):
            pair = [(plain, plain_times), (engine, engine_times)]
            for gen, times in (pair if i % 2 == 0 else pair[::-1]):
                began = time.perf_counter()
                next(gen)
                if i >= 2:
                    times.append(time.perf_counter() - began)
        plain.close()
        engine.close()
    return plain_times, engine_times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Training benchmark (see the module docstring).")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, mps or auto")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="throughput epochs, engine and plain loop (default 3)")
    parser.add_argument("--mnist-test", default=str(MNIST_TEST), help="folder with the t10k IDX files")
    parser.add_argument("--full", action="store_true", help="train every epoch of the recipe, not only until 99%%")
    parser.add_argument("--skip-accuracy", action="store_true", help="only measure throughput")
    parser.add_argument("--skip-throughput", action="store_true", help="only measure time to 99%%")
    args = parser.parse_args(argv)

    import torch

    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.model.presets import preset
    from cnn_explorer.core.model.spec import total_params
    from cnn_explorer.core.train.engine import TrainConfig, describe_device, pick_device

    config = TrainConfig(**RECIPE, device=args.device, threads=args.threads)
    device = pick_device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
    sample = load_dataset("mnist-sample")
    spec = preset("mnist-fast", sample.input_shape, sample.class_names)
    print(f"CNN Explorer training benchmark: torch {torch.__version__}, {describe_device(device)}, {_cpu_name()}")
    print(f"recipe: mnist-fast ({total_params(spec):,} parameters), {len(sample.train_y)} training images of the "
          "bundled sample, " + ", ".join(f"{k}={v}" for k, v in RECIPE.items()))
    print()

    if not args.skip_accuracy:
        test_dir = Path(args.mnist_test)
        if not (test_dir / "t10k-images-idx3-ubyte.gz").is_file():
            print(f"time to {TARGET_ACCURACY:.1%}: skipped, the MNIST test set is not at {test_dir}")
        else:
            test = load_dataset(str(test_dir))
            rows, reached = time_to_accuracy(spec, sample, test, config, args.full)
            print(f"{'epoch':>5}  {'train s':>8}  {'val acc':>8}  {'test acc':>8}")
            for epoch, seconds, val, acc in rows:
                print(f"{epoch:>5}  {seconds:8.1f}  {val:8.2%}  {acc:8.2%}")
            if reached is None:
                print(f"time to {TARGET_ACCURACY:.1%} on the real MNIST test set: not reached in "
                      f"{config.epochs} epochs (best {max(r[3] for r in rows):.2%})   "
                      f"target <= {TARGET_SECONDS:.0f} s: FAIL")
            else:
                verdict = "PASS" if reached <= TARGET_SECONDS else "FAIL"
                print(f"time to {TARGET_ACCURACY:.1%} on the real MNIST test set ({len(test.test_y)} images): "
                      f"{reached:.1f} s of training   target <= {TARGET_SECONDS:.0f} s: {verdict}")
            print()

    if not args.skip_throughput:
        plain, engine = throughput(spec, sample, config, device, args.rounds)
        batch = config.batch_size
        p, e = batch / statistics.median(plain), batch / statistics.median(engine)
        p_mean, e_mean = batch * len(plain) / sum(plain), batch * len(engine) / sum(engine)
        print(f"throughput, samples/s: {args.rounds} epoch(s) of {len(sample.train_y) // batch} steps x {batch}, "
              "engine and plain loop interleaved step by step")
        print(f"  {'':20}{'median step':>12}{'mean':>10}")
        print(f"  {'plain PyTorch loop':20}{p:12.0f}{p_mean:10.0f}")
        print(f"  {'engine':20}{e:12.0f}{e_mean:10.0f}")
        print(f"  {'engine / plain':20}{e / p:12.3f}{e_mean / p_mean:10.3f}   target >= 0.95 (median): "
              f"{'PASS' if e / p >= 0.95 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
