"""Make the bundled pretrained digit model, resources/models/mnist.{safetensors,json}.

Runs the training engine through the CLI on the bundled 5,000-digit MNIST
sample only (90% train, 10% validation; the real MNIST test set is never
touched here). Repeatable: same seed, 2 CPU threads. The recipe is the
mnist-fast preset's own (AdamW, weight decay 0.01, one-cycle learning rate,
augmentation on the device; `--show-recipe` prints it), with smaller batches,
40 epochs, a lower peak rate, stronger augmentation and label smoothing 0.1
(the preset's own recipe no longer smooths; the bundled model keeps it), all
chosen on the validation split; validation accuracy is printed after every
epoch (99.6% at the end). Training ends, as every run does, by fitting the
model's temperature on the validation split (label smoothing leaves the raw
model under-confident: 91.8% median confidence on digits it gets right), so
the probabilities the app shows mean what they say. Takes 20-30 minutes on a
2-core CPU.

    python scripts/make_pretrained_mnist.py [--output resources/models/mnist]

Check that a shipped model is what this recipe makes, without the full run:
``--check N`` trains the same run (same recipe, seed, threads and one-cycle
schedule over all 40 epochs) for its first N epochs only, saves nothing, and
compares their losses and accuracies with the history stored in the model's
JSON (default the bundled one):

    python scripts/make_pretrained_mnist.py --check 2 [--against resources/models/mnist.json]

Measure it afterwards (evaluation only): accuracy, ECE and median confidence with

    python benchmarks/bench_bundled_model.py
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: the flags beside the preset's recipe (the optimiser, weight decay and schedule are the recipe's)
RECIPE = [
    "--preset", "mnist-fast", "--dataset", "mnist-sample", "--split", "0.9,0.1,0",
    "--epochs", "40", "--batch-size", "64", "--lr", "0.003", "--label-smoothing", "0.1",
    "--augment-shift", "3", "--augment-rotate", "15", "--augment-scale", "0.15",
    "--device", "cpu", "--threads", "2", "--seed", "0",
]
#: the history fields compared by --check, and how far apart they may be
COMPARED = {"train_loss": 1e-5, "val_loss": 1e-5, "train_accuracy": 1e-9, "val_accuracy": 1e-9}


def first_epochs(epochs: int, output: str) -> list[dict]:
    """The history of the first ``epochs`` epochs of the run ``train RECIPE -o output`` makes (nothing is saved)."""
    from cnn_explorer.cli import build_parser
    from cnn_explorer.commands.train import resolve
    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.model.presets import preset
    from cnn_explorer.core.train.engine import EpochRecord, TrainConfig, TrainingRun

    # the same steps as `cnn-explorer train` (commands/train.py), up to the training loop
    args = build_parser().parse_args(["train", *RECIPE, "-o", output])
    dataset = load_dataset(args.dataset, split=tuple(float(v) for v in args.split.split(",")))
    spec = preset(args.preset, input_shape=tuple(dataset.input_shape), class_names=tuple(dataset.class_names))
    resolved = resolve(args, spec, dataset)
    config = TrainConfig(**resolved.settings(), device=args.device, seed=args.seed, threads=args.threads,
                         channels_last=args.channels_last, amp=args.amp, snapshot_every=0)
    print("recipe: " + resolved.summary(), flush=True)
    history = []
    for rec in TrainingRun(spec, dataset, config).steps():
        if isinstance(rec, EpochRecord):
            history.append({k: float(getattr(rec, k)) for k in COMPARED})
            print(f"epoch {rec.epoch}: " + ", ".join(f"{k} {v:.8f}" for k, v in history[-1].items()), flush=True)
            if len(history) == epochs:
                break  # the engine is a generator: not asking for the next step stops it
    return history


def check(epochs: int, against: Path) -> int:
    """Train the first ``epochs`` epochs and compare them with ``against``'s history; 0 when they agree."""
    stored = json.loads(against.read_text(encoding="utf-8"))["history"][:epochs]
    made = first_epochs(epochs, str(against.with_suffix("")))
    worst = 0.0
    print(f"{'epoch':>5} {'field':15} {'stored':>14} {'this run':>14} {'difference':>11}")
    for old, new in zip(stored, made):
        for key, tolerance in COMPARED.items():
            diff = abs(old[key] - new[key])
            worst = max(worst, diff / tolerance)
            print(f"{old['epoch']:5d} {key:15} {old[key]:14.8f} {new[key]:14.8f} {diff:11.2e}"
                  f"{'' if diff <= tolerance else '  DIFFERS'}")
    same = worst <= 1.0 and len(made) == len(stored) == epochs
    print(f"{against}: the first {epochs} epochs {'match' if same else 'DO NOT match'} this recipe")
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=str(REPO / "resources" / "models" / "mnist"), metavar="MODEL")
    parser.add_argument("--check", type=int, metavar="N",
                        help="train only the first N epochs and compare them with --against's history")
    parser.add_argument("--against", default=str(REPO / "resources" / "models" / "mnist.json"), metavar="JSON")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    if args.check is not None:
        if args.check < 1:
            parser.error("--check: the number of epochs must be at least 1")
        return check(args.check, Path(args.against))
    from cnn_explorer.cli import main as cli_main

    argv = ["train", *RECIPE, "-o", args.output]
    print("cnn-explorer " + shlex.join(argv), flush=True)
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
