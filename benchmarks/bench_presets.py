"""Preset recipes benchmark: every preset trained with no flags but --preset, --dataset and -o, as a newcomer would.

For each case the settings are resolved exactly as ``cnn-explorer train`` resolves
them (the preset's recipe fitted to the dataset, core/model/recipes.py) and the
model is trained with the engine on N CPU threads (default 2). Reported per case:
the accuracy on the test images (for ``mnist-sample`` the real MNIST test set,
``../shared/data/mnist-test``, used for evaluation only; else the dataset's own
test split), the engine's training time (the clock the CLI prints), the process's
CPU time divided by the threads (a steadier figure on a busy machine), the
calibration (temperature, test ECE), the last epoch's validation accuracy (the
split recipes are chosen on), for ``shapes`` also the accuracy on 2,000 shapes
drawn with another seed (a steadier figure than the 80 test images; column
"fresh"), the images trained on (more than the split for a recipe with fresh
data, xo-tiny on shapes) and the target with pass/fail:

    mnist-fast   on mnist-sample  >= 99.0% within 45 s
    lenet5, keras-slides, tiny-vgg on mnist-sample  >= 98.5%
    xo-tiny      on xo            100% within 10 s
    every preset on shapes        >= 95%

    python benchmarks/bench_presets.py [--threads 2] [--only mnist-fast:mnist-sample ...] [--reference]

``--reference`` also trains, just before each case that has one, the recipe it
replaced (:data:`REFERENCES`) in the same process, and prints the new/old time
ratios: on a busy machine a fair comparison where absolute seconds are not.
``--only lenet5:mnist-sample --reference`` measures lenet5's recipe against the
one before elastic distortion.

Prints a table and exits; writes nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MNIST_TEST = REPO.parent / "shared" / "data" / "mnist-test"
#: the shapes every shapes row is also measured on: drawn with a seed no split or fresh draw uses
FRESH_SHAPES, FRESH_SEED = 2000, 12345

#: (preset, dataset) -> (target accuracy, target seconds or None)
CASES = {
    ("mnist-fast", "mnist-sample"): (0.990, 45.0),
    ("lenet5", "mnist-sample"): (0.985, None),
    ("keras-slides", "mnist-sample"): (0.985, None),
    ("tiny-vgg", "mnist-sample"): (0.985, None),
    ("xo-tiny", "xo"): (1.0, 10.0),
    **{(name, "shapes"): (0.95, None) for name in ("xo-tiny", "mnist-fast", "lenet5", "keras-slides", "tiny-vgg")},
    # no target: the slides' three-filter net on digits, measured so that its recipe is known to train
    ("xo-tiny", "mnist-sample"): (None, None),
}


#: (preset, dataset) -> (what, the recipe the preset had before): the reference of ``--reference``
REFERENCES = {
    ("mnist-fast", "mnist-sample"): ("the recipe before 8 epochs without label smoothing",
                                     dict(epochs=12, batch_size=128, optimizer="adamw", lr=0.004, schedule="onecycle",
                                          weight_decay=0.01, augment=True, label_smoothing=0.1)),
    ("lenet5", "mnist-sample"): ("the recipe before elastic distortion",
                                 dict(epochs=50, batch_size=64, optimizer="adamw", lr=0.003, schedule="onecycle",
                                      weight_decay=0.01, augment=True, min_steps=900)),
    ("xo-tiny", "shapes"): ("the recipe before fresh data (640 images, augmented)",
                            dict(epochs=10, batch_size=32, optimizer="adam", lr=0.05, schedule="constant",
                                 weight_decay=0.0, augment=False, min_steps=150,
                                 on_pictures={"lr": 0.01, "schedule": "onecycle", "augment": True,
                                              "min_steps": 4000})),
}


def run_case(name: str, dataset_name: str, threads: int, recipe: dict | None = None) -> dict:
    """Train one case with its resolved recipe (or ``recipe``'s settings on the preset's); the figures of one row."""
    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.model.presets import preset
    from cnn_explorer.core.model.recipes import Recipe, recipe_for, resolve_recipe
    from cnn_explorer.core.train.engine import (
        EpochRecord,
        FinishedRecord,
        TrainConfig,
        TrainingRun,
        evaluate,
    )

    dataset = load_dataset(dataset_name)  # the CLI's default split
    spec = preset(name, tuple(dataset.input_shape), tuple(dataset.class_names))
    base = Recipe(**recipe) if recipe is not None else recipe_for(name)
    resolved = resolve_recipe(base, f"the {name} preset's recipe", tuple(dataset.input_shape), len(dataset.train_y),
                              can_redraw=dataset.can_redraw)
    config = TrainConfig(**resolved.settings(), device="cpu", threads=threads, snapshot_every=0)
    run = TrainingRun(spec, dataset, config)
    cpu0 = time.process_time()
    last = finished = None
    for record in run.steps():
        if isinstance(record, EpochRecord):
            last = record
        elif isinstance(record, FinishedRecord):
            finished = record
    cpu = (time.process_time() - cpu0) / threads
    accuracy, where = finished.test_accuracy, f"{len(dataset.test_y)} test images"
    ece = finished.calibration.ece if finished.calibration is not None else math.nan
    if dataset_name == "mnist-sample" and MNIST_TEST.exists():
        test = load_dataset(str(MNIST_TEST))
        result = evaluate(run.model, (test.test_x, test.test_y), normalization=(run.mean, run.std),
                          temperature=run.temperature)
        accuracy, ece, where = result.accuracy, result.ece, "real MNIST test set"
    fresh = math.nan
    if dataset_name == "shapes":
        from cnn_explorer.core.datasets import synthetic

        held = synthetic.make_shapes(n=FRESH_SHAPES, seed=FRESH_SEED)
        fresh = evaluate(run.model, held, normalization=(run.mean, run.std)).accuracy
    images = len(dataset.train_y) + sum(r.images for r in run.history if r.fresh)
    return dict(recipe=resolved.summary().split(": ", 1)[1], accuracy=accuracy, where=where,
                engine_s=last.elapsed_s if last else math.nan, cpu_s=cpu, temperature=run.temperature, ece=ece,
                val=last.val_accuracy if last else math.nan, fresh=fresh, images=images)


def _pct(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.2%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, metavar="N", help="CPU threads (default 2)")
    parser.add_argument("--only", nargs="*", metavar="PRESET:DATASET", help="run these cases only")
    parser.add_argument("--reference", action="store_true",
                        help="also train the recipe each case replaced, in the same run, and compare times")
    args = parser.parse_args(argv)
    cases = dict(CASES)
    if args.only:
        wanted = {tuple(item.split(":", 1)) for item in args.only}
        unknown = wanted - set(cases)
        if unknown:
            parser.error(f"unknown case(s): {', '.join(':'.join(u) for u in sorted(unknown))}")
        cases = {k: v for k, v in cases.items() if k in wanted}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    print(f"# preset recipes, no flags, CPU {args.threads} threads; load average {load:.1f} at start "
          "(the engine's clock counts waiting for a busy CPU; CPU s/thread does not)")
    head = f"{'preset':13} {'dataset':13} {'val':>7} {'accuracy':>9} {'fresh':>7} {'target':>7} {'train s':>8} " \
           f"{'CPU s/thr':>9} {'limit s':>7} {'T':>6} {'ECE':>6} {'images':>8}  result  measured on"
    print(head)
    print("-" * len(head))
    failed = 0
    for (name, dataset_name), (target, seconds) in cases.items():
        reference = None
        if args.reference and (name, dataset_name) in REFERENCES:
            what, recipe = REFERENCES[(name, dataset_name)]
            reference = run_case(name, dataset_name, args.threads, recipe)
            print(f"{name:13} {dataset_name:13} {reference['val']:7.2%} {reference['accuracy']:9.2%} "
                  f"{_pct(reference['fresh']):>7} {'':7} {reference['engine_s']:8.1f} {reference['cpu_s']:9.1f} "
                  f"{'':>7} {reference['temperature']:6.3f} {reference['ece']:6.2%} {reference['images']:8,}  ref     "
                  f"{reference['where']}", flush=True)
            print(f"  reference recipe: {what}: {reference['recipe']}", flush=True)
        row = run_case(name, dataset_name, args.threads)
        ok = (target is None or row["accuracy"] >= target - 1e-9) and (
            seconds is None or min(row["engine_s"], row["cpu_s"]) <= seconds)
        failed += not ok
        limit = f"{seconds:.0f}" if seconds else "-"
        print(f"{name:13} {dataset_name:13} {row['val']:7.2%} {row['accuracy']:9.2%} {_pct(row['fresh']):>7} "
              f"{_pct(target):>7} {row['engine_s']:8.1f} {row['cpu_s']:9.1f} {limit:>7} {row['temperature']:6.3f} "
              f"{row['ece']:6.2%} {row['images']:8,}  {'pass' if ok else 'FAIL':6}  {row['where']}", flush=True)
        print(f"  recipe: {row['recipe']}", flush=True)
        if reference is not None:
            print(f"  time against the reference in this run: train s x{row['engine_s'] / reference['engine_s']:.2f}, "
                  f"CPU s x{row['cpu_s'] / reference['cpu_s']:.2f}", flush=True)
    targets = sum(target is not None for target, _seconds in cases.values())
    print(f"{targets - failed}/{targets} cases meet their target" if targets else "(no case here has a target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
