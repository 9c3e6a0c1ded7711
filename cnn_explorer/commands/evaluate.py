"""``cnn-explorer evaluate``: a saved model's accuracy, per-class accuracy and confusion matrix on a dataset."""

from __future__ import annotations

import argparse
import sys

from cnn_explorer.commands.options import BATCH
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train.checkpoints import load_model, resolve_model_path


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "evaluate",
        help="accuracy, per-class accuracy, confusion matrix and calibration (ECE) of a saved model",
        description="Evaluate a saved model (a path, or 'mnist' for the bundled digit model) on a dataset's "
        "test split (a test-only dataset such as an MNIST t10k folder is all test). The calibration line "
        "gives the expected calibration error (ECE: images in 15 equal-width bins of top probability, the "
        "gap between each bin's accuracy and its mean confidence, weighted by its images) of the model's "
        "probabilities at its stored temperature.",
    )
    p.add_argument("model", metavar="MODEL", help="a saved model (MODEL.json + MODEL.safetensors) or 'mnist'")
    p.add_argument("--dataset", required=True, metavar="NAME|PATH", help="a dataset name or path")
    p.add_argument("--split", choices=("test", "val", "train"), default="test", help="which split (default test)")
    p.add_argument("--device", default="auto", metavar="auto|cpu|cuda|mps", help="default auto")
    p.add_argument("--batch-size", type=BATCH, default=500, metavar="N", help="images per forward pass (default 500)")
    return p


def format_confusion(confusion, class_names) -> str:
    """The confusion matrix as aligned text: rows are the true class, columns the predicted one."""
    labels = [str(c) for c in class_names]
    width = max([len(f"{int(v)}") for v in confusion.ravel()] + [len(s) for s in labels] + [4])
    head_width = max(len(s) for s in labels + ["true\\pred"])
    lines = ["true\\pred".ljust(head_width) + " " + " ".join(s.rjust(width) for s in labels)]
    for name, row in zip(labels, confusion):
        lines.append(name.ljust(head_width) + " " + " ".join(f"{int(v)}".rjust(width) for v in row))
    return "\n".join(lines)


def calibration_text(result, labels, temperature: float) -> str:
    """The calibration line: ECE, mean confidence and the median confidence on the images the model gets right."""
    import numpy as np

    from cnn_explorer.core.train.calibration import softmax

    probs = softmax(result.logits, temperature)
    top = probs.max(axis=1)
    right = probs.argmax(axis=1) == np.asarray(labels).reshape(-1)
    median = f"{float(np.median(top[right])):.2%}" if right.any() else "n/a"
    note = "" if temperature != 1.0 else " (none stored: saved before calibration, or trained without validation)"
    return (f"calibration: ECE {result.ece:.2%} (15 bins), mean confidence {float(top.mean()):.2%}, "
            f"median confidence when right {median}, temperature {temperature:.3f}{note}")


def run(args) -> int:
    # numpy-backed core modules load here, not at the top, so that `cnn-explorer --help` stays fast
    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.train.engine import describe_device, evaluate, pick_device

    if args.batch_size < 1:
        raise CnnExplorerError(f"batch size: must be at least 1, got {args.batch_size}")
    device = pick_device(args.device)
    loaded = load_model(args.model)
    dataset = load_dataset(args.dataset)
    model_shape, data_shape = tuple(loaded.spec.input_shape), tuple(dataset.input_shape)
    if model_shape != data_shape:
        raise CnnExplorerError(
            f"dataset {dataset.name}: images are {'x'.join(map(str, data_shape))} (HxWxC) but the model "
            f"expects {'x'.join(map(str, model_shape))}")
    if len(dataset.class_names) != len(loaded.class_names):
        raise CnnExplorerError(
            f"dataset {dataset.name}: has {len(dataset.class_names)} classes but the model knows "
            f"{len(loaded.class_names)} ({', '.join(loaded.class_names)})")
    x, y = getattr(dataset, f"{args.split}_x"), getattr(dataset, f"{args.split}_y")
    if len(y) == 0:
        raise CnnExplorerError(f"dataset {dataset.name}: its {args.split} split is empty")
    result = evaluate(loaded.model, (x, y), normalization=loaded.normalization, device=device,
                      batch_size=args.batch_size, temperature=loaded.temperature)
    out = sys.stdout
    where = str(resolve_model_path(args.model))
    shown = args.model if where == args.model else f"{args.model} ({where})"
    print(f"model: {shown}, {loaded.spec.name or 'custom spec'}, {len(loaded.class_names)} classes", file=out)
    print(f"dataset: {dataset.name}, {args.split} split, {result.count} images, {describe_device(device)}", file=out)
    if tuple(dataset.class_names) != tuple(loaded.class_names):
        print(f"note: the dataset's class names ({', '.join(dataset.class_names)}) differ from the model's; "
              "classes are matched by position", file=out)
    correct = int(result.confusion.trace())
    print(f"accuracy: {result.accuracy:.2%} ({correct}/{result.count})", file=out)
    print(calibration_text(result, y, loaded.temperature), file=out)
    print("per-class accuracy:", file=out)
    name_width = max(len("class"), *(len(c) for c in loaded.class_names))
    print(f"  {'class'.ljust(name_width)}  images  correct  accuracy", file=out)
    for i, (name, row, acc) in enumerate(zip(loaded.class_names, result.confusion, result.per_class)):
        total = int(row.sum())
        text = "n/a" if total == 0 else f"{acc:.2%}"
        print(f"  {name.ljust(name_width)}  {total:6d}  {int(row[i]):7d}  {text:>8}", file=out)
    print("confusion matrix (rows: true class, columns: predicted):", file=out)
    print(format_confusion(result.confusion, loaded.class_names), file=out)
    return 0
