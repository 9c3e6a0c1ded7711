"""``cnn-explorer train``: train a model from a preset or spec file on a dataset and save it.

Epoch lines and the result go to stdout; on a terminal a progress bar on
stderr shows the steps within an epoch. Ctrl+C stops cleanly: nothing is
written until training has finished, and the save itself is atomic.
"""

from __future__ import annotations

import argparse
import sys

from cnn_explorer.commands.progress import ProgressLine, bar
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.onnx_export import export_onnx, missing_onnx_packages
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.model.spec import load_spec, total_params
from cnn_explorer.core.train.checkpoints import model_files, save_model


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="train a CNN on a dataset and save it",
        description="Train a model (a preset or a spec file, adapted to the dataset's input and classes) "
        "and save it as MODEL.safetensors + MODEL.json.",
    )
    model = p.add_mutually_exclusive_group(required=True)
    model.add_argument("--preset", metavar="NAME",
                       help="a preset model: keras-slides, lenet5, tiny-vgg, mnist-fast, xo-tiny")
    model.add_argument("--spec", metavar="FILE", help="a model spec JSON file")
    p.add_argument("--dataset", required=True, metavar="NAME|PATH",
                   help="a dataset name (see `cnn-explorer datasets`) or path")
    p.add_argument("--epochs", type=int, default=5, metavar="N", help="passes over the training split (default 5)")
    p.add_argument("--batch-size", type=int, default=64, metavar="N", help="images per step (default 64)")
    p.add_argument("--lr", type=float, default=None, metavar="X",
                   help="learning rate, the peak with onecycle (default 0.001 for adam/adamw, 0.05 for sgd)")
    p.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default="adam", help="default adam")
    p.add_argument("--momentum", type=float, default=0.9, metavar="X", help="SGD momentum (default 0.9)")
    p.add_argument("--nesterov", action="store_true", help="Nesterov momentum (sgd only)")
    p.add_argument("--weight-decay", type=float, default=0.0, metavar="X", help="default 0")
    p.add_argument("--schedule", choices=("constant", "onecycle"), default="constant",
                   help="learning-rate schedule (default constant)")
    p.add_argument("--augment", action="store_true", help="random shifts, rotations and scaling of training images")
    p.add_argument("--augment-shift", type=float, default=None, metavar="PX",
                   help="largest random shift in pixels (default 2; implies --augment when set)")
    p.add_argument("--augment-rotate", type=float, default=None, metavar="DEG",
                   help="largest random rotation in degrees (default 10)")
    p.add_argument("--augment-scale", type=float, default=None, metavar="F",
                   help="random zoom in 1-F..1+F (default 0.1)")
    p.add_argument("--label-smoothing", type=float, default=0.0, metavar="X", help="default 0")
    p.add_argument("--split", default="0.8,0.1,0.1", metavar="TRAIN,VAL,TEST",
                   help="fractions of the dataset for training, validation and test (default 0.8,0.1,0.1; "
                   "a dataset with its own test set keeps it)")
    p.add_argument("--device", default="auto", metavar="auto|cpu|cuda|mps",
                   help="default auto: CUDA, else MPS, else CPU")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="CPU threads (default: one per physical core)")
    p.add_argument("--channels-last", action="store_true",
                   help="NHWC memory layout for activations (often faster convolutions on a CPU)")
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help="seed for weights, shuffling and augmentation (default 0)")
    p.add_argument("--target-accuracy", type=float, default=None, metavar="X",
                   help="stop once validation accuracy reaches X (0.99 or 99 for 99%%)")
    p.add_argument("-o", "--output", required=True, metavar="MODEL",
                   help="where to save: MODEL.safetensors + MODEL.json")
    p.add_argument("--onnx", metavar="FILE", help="also export the trained model as ONNX (needs onnx and onnxscript)")
    return p


def _split(text: str) -> tuple[float, ...]:
    try:
        parts = tuple(float(v) for v in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3:
        raise CnnExplorerError(f"split: expected three fractions TRAIN,VAL,TEST such as 0.8,0.1,0.1, got {text!r}")
    return parts


def _target(value: float | None) -> float | None:
    if value is None:
        return None
    return value / 100.0 if 1.0 < value <= 100.0 else value


def _clock(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def _pct(value: float) -> str:
    return "n/a" if value != value else f"{value:.2%}"


def _progress_text(rec, epochs: int) -> str:
    """The progress line of a batch: the steps done within its epoch, loss, accuracy, speed and ETA."""
    per_epoch = max(1, rec.total_steps // epochs)
    done = rec.step - (rec.epoch - 1) * per_epoch
    return (f"epoch {rec.epoch}/{epochs} [{bar(done, per_epoch)}] {done}/{per_epoch} loss {rec.loss:.4f} "
            f"acc {rec.accuracy:.1%} {rec.samples_per_s:,.0f} img/s ETA {_clock(rec.eta_s)}")


def run(args) -> int:
    # numpy-backed core modules load here, not at the top, so that `cnn-explorer --help` stays fast
    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.train.engine import (
        BatchRecord,
        EpochRecord,
        TrainConfig,
        TrainingRun,
        describe_device,
    )

    strength = {k: getattr(args, f"augment_{k}") for k in ("shift", "rotate", "scale")}
    strength = {f"augment_{k}": v for k, v in strength.items() if v is not None}
    lr = args.lr if args.lr is not None else (0.05 if args.optimizer == "sgd" else 1e-3)
    config = TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, lr=lr, optimizer=args.optimizer, momentum=args.momentum,
        nesterov=args.nesterov, weight_decay=args.weight_decay, schedule=args.schedule, device=args.device,
        seed=args.seed, augment=args.augment or bool(strength), target_accuracy=_target(args.target_accuracy),
        threads=args.threads, channels_last=args.channels_last, snapshot_every=0, label_smoothing=args.label_smoothing, **strength,
    )
    if args.onnx:
        missing = missing_onnx_packages()
        if missing:  # before training, not after
            raise CnnExplorerError(f"--onnx: ONNX export needs the package(s) {', '.join(missing)}: "
                                   f"pip install {' '.join(missing)}")
    weights_path, json_path = model_files(args.output, bundled=False)
    if json_path.parent.exists() and not json_path.parent.is_dir():
        raise CnnExplorerError(f"output: {json_path.parent} is not a folder")
    dataset = load_dataset(args.dataset, split=_split(args.split))
    if args.preset:
        spec = preset(args.preset, input_shape=tuple(dataset.input_shape), class_names=tuple(dataset.class_names))
    else:
        spec = load_spec(args.spec)
    training = TrainingRun(spec, dataset, config)
    spec = training.spec
    out = sys.stdout
    print(f"training {spec.name or args.spec or 'model'} ({total_params(spec):,} parameters) on {dataset.name}: "
          f"{len(dataset.train_y)} train / {len(dataset.val_y)} val / {len(dataset.test_y)} test images, "
          f"{describe_device(training.device)}", file=out, flush=True)
    progress = ProgressLine(plain=False, min_interval_s=0.1)  # a terminal only, at most 10 redraws a second
    finished = None
    last_step = (0, 0)
    try:
        for rec in training.steps():
            if isinstance(rec, BatchRecord):
                last_step = (rec.epoch, rec.step)
                progress.show(_progress_text(rec, config.epochs), force=rec.step == rec.total_steps)
            elif isinstance(rec, EpochRecord):
                progress.clear()
                print(f"epoch {rec.epoch}/{config.epochs}: loss {rec.train_loss:.4f}, "
                      f"train accuracy {_pct(rec.train_accuracy)}, val loss {rec.val_loss:.4f}, "
                      f"val accuracy {_pct(rec.val_accuracy)}, {rec.elapsed_s:.1f} s", file=out, flush=True)
            else:
                finished = rec
    except KeyboardInterrupt:
        progress.clear()
        print(f"cnn-explorer train: interrupted at epoch {last_step[0]}, step {last_step[1]}; nothing was saved",
              file=sys.stderr)
        return 130
    finally:
        progress.clear()
    if finished is not None and finished.reason == "cancelled":  # pragma: no cover - the CLI never sets cancel
        return 130
    if finished is not None and finished.stopped_early:
        print(f"stopped early: {finished.reason}", file=out)
    if finished is not None and finished.test_accuracy == finished.test_accuracy:
        n = int(finished.confusion.sum())
        print(f"test accuracy: {_pct(finished.test_accuracy)} ({int(finished.confusion.trace())}/{n})", file=out)
    try:
        save_model(args.output, training.model, spec, class_names=training.class_names, mean=training.mean,
                   std=training.std, history=training.history)
    except KeyboardInterrupt:
        print("cnn-explorer train: interrupted while saving; the previous files (if any) are unchanged",
              file=sys.stderr)
        return 130
    print(f"saved {weights_path} and {json_path}", file=out)
    if args.onnx:
        print(f"exported {export_onnx(training.model, args.onnx, tuple(spec.input_shape))}", file=out)
    return 0
