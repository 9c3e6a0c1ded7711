"""``cnn-explorer train``: train a model from a preset or spec file on a dataset and save it.

Epoch lines and the result go to stdout; on a terminal a progress bar on
stderr shows the steps within an epoch. Ctrl+C stops cleanly: nothing is
written until training has finished, and the save itself is atomic.

Under torchrun (``torchrun --nproc_per_node N -m cnn_explorer train ...``) every
process trains its share of each batch (core/train/distributed.py); the
processes first agree that they hold the same dataset, rank 0 alone prints
and saves, and ``--log-dir`` gives every rank a log of its own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from cnn_explorer.commands.options import (
    BATCH,
    EPOCHS,
    LABEL_SMOOTHING,
    LR,
    MOMENTUM,
    THREADS,
    WEIGHT_DECAY,
    real,
    seed,
)
from cnn_explorer.commands.progress import ProgressLine, bar
from cnn_explorer.commands.signals import exit_code, stopped_by
from cnn_explorer.core.errors import CnnExplorerError, excerpt
from cnn_explorer.core.io.atomic import check_writable
from cnn_explorer.core.model.onnx_export import (
    export_message,
    export_onnx,
    missing_onnx_packages,
    model_temperature,
)
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.model.spec import load_spec, total_params
from cnn_explorer.core.train.checkpoints import model_files, save_model


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="train a CNN on a dataset and save it",
        description="Train a model (a preset or a spec file, adapted to the dataset's input and classes) "
        "and save it as MODEL.safetensors + MODEL.json. Every preset carries a training recipe (epochs, "
        "batch size, optimiser, learning rate and schedule, weight decay, augmentation, label smoothing) "
        "chosen for its kind of data; a spec file may carry one under \"recipe\", else it gets a default for "
        "its size. Flags override single settings; --show-recipe prints the result. After training the "
        "model's confidence is calibrated on the validation split (a temperature, stored with it).",
    )
    model = p.add_mutually_exclusive_group(required=True)
    model.add_argument("--preset", metavar="NAME",
                       help="a preset model: keras-slides, lenet5, tiny-vgg, mnist-fast, xo-tiny")
    model.add_argument("--spec", metavar="FILE", help="a model spec JSON file")
    p.add_argument("--dataset", required=True, metavar="NAME|PATH",
                   help="a dataset name (see `cnn-explorer datasets`) or path")
    # The training settings default to None: unset, they come from the model's recipe (core/model/recipes.py),
    # so that the recipe is their one source; --show-recipe prints what a run would use.
    p.add_argument("--epochs", type=EPOCHS, default=None, metavar="N", help="passes over the training split")
    p.add_argument("--batch-size", type=BATCH, default=None, metavar="N", help="images per step")
    p.add_argument("--lr", type=LR, default=None, metavar="X", help="learning rate, the peak with onecycle")
    p.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default=None,
                   help="another optimiser than the recipe's also gets its usual rate (sgd 0.05, adam/adamw 0.001) "
                   "unless --lr is given")
    p.add_argument("--momentum", type=MOMENTUM, default=None, metavar="X", help="SGD momentum")
    p.add_argument("--nesterov", action=argparse.BooleanOptionalAction, default=None,
                   help="Nesterov momentum (sgd only)")
    p.add_argument("--weight-decay", type=WEIGHT_DECAY, default=None, metavar="X", help="weight decay")
    p.add_argument("--schedule", choices=("constant", "onecycle"), default=None, help="learning-rate schedule")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="random shifts, rotations and scaling of training images")
    p.add_argument("--augment-shift", type=real(0, 100), default=None, metavar="PX",
                   help="largest random shift in pixels (implies --augment when set)")
    p.add_argument("--augment-rotate", type=real(0, 180), default=None, metavar="DEG", help="largest random rotation")
    p.add_argument("--augment-scale", type=real(0, 1, hi_open=True), default=None, metavar="F", help="random zoom in 1-F..1+F")
    p.add_argument("--augment-elastic", type=real(0, 100), default=None, metavar="PX",
                   help="elastic distortion: the scale (alpha, pixels) of a random smooth displacement field, "
                   "as Simard et al. 2003 (34 on 28-pixel digits moves a pixel about 1.4 px; 0 off)")
    p.add_argument("--label-smoothing", type=LABEL_SMOOTHING, default=None, metavar="X", help="label smoothing")
    p.add_argument("--fresh-data", action=argparse.BooleanOptionalAction, default=None,
                   help="train every epoch after the first on training images drawn afresh (synthetic datasets: "
                   "xo, slashes, shapes; the validation and test splits stay as they are; others ignore it)")
    p.add_argument("--show-recipe", action="store_true",
                   help="print the settings a run would use (the recipe, adapted to the dataset, with your flags) "
                   "and exit")
    p.add_argument("--split", default="0.8,0.1,0.1", metavar="TRAIN,VAL,TEST",
                   help="fractions of the dataset for training, validation and test (default 0.8,0.1,0.1; "
                   "a dataset with its own test set keeps it)")
    p.add_argument("--device", default="auto", metavar="auto|cpu|cuda|mps",
                   help="default auto: CUDA, else MPS, else CPU")
    p.add_argument("--threads", type=THREADS, default=None, metavar="N",
                   help="CPU threads (default: one per physical core)")
    p.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                   help="NHWC memory layout for activations (default: on for a CUDA GPU, off elsewhere; "
                   "often faster on a CPU too)")
    p.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                   help="bfloat16 mixed precision (default: on for a CUDA GPU that supports it, off elsewhere)")
    p.add_argument("--backend", default="auto", metavar="auto|gloo|nccl",
                   help="under torchrun: how the processes talk (default auto: nccl on CUDA GPUs, else gloo)")
    p.add_argument("--log-dir", metavar="DIR",
                   help="also write this process's output to DIR/rank-N.log (under torchrun, every rank writes one)")
    p.add_argument("--seed", type=seed, default=0, metavar="N",
                   help="seed for weights, shuffling and augmentation (default 0)")
    p.add_argument("--target-accuracy", type=real(0, 100, lo_open=True), default=None, metavar="X",
                   help="stop once validation accuracy reaches X (0.99 or 99 for 99%%)")
    p.add_argument("-o", "--output", metavar="MODEL",
                   help="where to save: MODEL.safetensors + MODEL.json")
    p.add_argument("--onnx", metavar="FILE",
                   help="also export the trained model as ONNX (needs onnx and onnxscript); it outputs logits: "
                   "divide them by the model's temperature (in MODEL.json) before the softmax")
    return p


def _split(text: str) -> tuple[float, ...]:
    try:
        parts = tuple(float(v) for v in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3:
        raise CnnExplorerError(f"split: expected three fractions TRAIN,VAL,TEST such as 0.8,0.1,0.1, got {excerpt(text)}")
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


class _Output:
    """Where the run's lines go: stdout on rank 0 (or a single process), and DIR/rank-N.log with --log-dir."""

    def __init__(self, echo: bool) -> None:
        self.streams = [sys.stdout] if echo else []
        self.file = None

    def open_log(self, folder: str, rank: int) -> None:
        path = Path(folder).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        self.file = open(path / f"rank-{rank}.log", "w", encoding="utf-8")  # a log, streamed: not an atomic write
        self.streams.append(self.file)

    def line(self, text: str) -> None:
        for stream in self.streams:
            print(text, file=stream, flush=True)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _calibration_line(finished) -> str:
    """The calibration a run ended with: the temperature fitted on validation and the test split's ECE."""
    if not finished.history or finished.history[-1].val_accuracy != finished.history[-1].val_accuracy:
        return "calibration: none (no validation split to fit a temperature on)"
    text = f"calibration: temperature {finished.temperature:.3f} (fitted on the validation split)"
    if finished.calibration is not None:
        text += f", test ECE {finished.calibration.ece:.2%}"
    return text


def _problem(exc: BaseException) -> str:
    """An error as the one line rank 0 reports for the rank that met it."""
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"file not found: {exc.filename}"
    return " ".join((str(exc).strip() or exc.__class__.__name__).split())


#: how long a rank other than 0 waits before it exits on an error rank 0 reports (torchrun ends it sooner)
QUIET_RANK_GRACE_S = 5.0


def run(args) -> int:
    """Train in this process, or as one rank of a torchrun job when torchrun started it."""
    from cnn_explorer.core.train.distributed import (
        CollectiveError,
        ProcessGroup,
        check_backend,
        launch_from_env,
    )

    launch = launch_from_env()
    group = None
    try:
        check_backend(args.backend)  # an unknown one is an error with or without torchrun
        if launch is None:
            return _train(args, None)
        group = ProcessGroup.start(launch, args.backend, args.device)
        code = _train(args, group)
        if code == 0:
            group.finish()      # every rank waits for rank 0's save; rank 0 closes last
        return code
    except CnnExplorerError as exc:
        if launch is None or launch.is_main:
            raise
        # once the group exists every error is met by all ranks alike (the ranks agree on their data first)
        if group is not None or isinstance(exc, CollectiveError):
            # rank 0 says it; torchrun stops every rank as soon as one exits, so this one waits a little
            # (rank 0 may be slower on a busy machine) and torchrun ends it once rank 0 has reported
            time.sleep(QUIET_RANK_GRACE_S)
            return 2
        raise CnnExplorerError(f"rank {launch.rank}: {exc}") from None
    finally:
        if group is not None:
            group.close()


#: recipe setting -> its flag
FLAGS = {"epochs": "--epochs", "batch_size": "--batch-size", "optimizer": "--optimizer", "lr": "--lr",
         "schedule": "--schedule", "weight_decay": "--weight-decay", "momentum": "--momentum",
         "nesterov": "--nesterov", "augment": "--augment", "augment_shift": "--augment-shift",
         "augment_rotate": "--augment-rotate", "augment_scale": "--augment-scale",
         "augment_elastic": "--augment-elastic", "label_smoothing": "--label-smoothing",
         "fresh_data": "--fresh-data"}


def overrides(args) -> dict:
    """The recipe settings given on the command line: setting -> (value, flag)."""
    # a command without some of the flags (export-script has no augmentation strengths) leaves them to the recipe
    out = {name: (getattr(args, name, None), flag) for name, flag in FLAGS.items()
           if getattr(args, name, None) is not None}
    for name in ("augment", "nesterov", "fresh_data"):
        if out.get(name, (True,))[0] is False:
            out[name] = (False, FLAGS[name].replace("--", "--no-"))
    if args.augment is None:
        # (--augment-elastic 0 says "no elastic distortion", not "augment")
        strength = [FLAGS[k] for k in ("augment_shift", "augment_rotate", "augment_scale", "augment_elastic")
                    if k in out and (k != "augment_elastic" or out[k][0] > 0)]
        if strength:  # a strength implies --augment
            out["augment"] = (True, strength[0])
    return out


def resolve(args, spec, dataset):
    """The recipe this run uses: the preset's (or the spec file's, or the default for the model's size),
    with the user's flags, fitted to the dataset."""
    from cnn_explorer.core.model.recipes import (
        default_recipe,
        recipe_for,
        resolve_recipe,
        spec_file_recipe,
    )

    if args.preset:
        base, origin = recipe_for(args.preset), f"the {args.preset} preset's recipe"
    else:
        base = spec_file_recipe(_spec_json(args.spec), args.spec)
        origin = f"the recipe in {Path(args.spec).name}"
        if base is None:
            params = total_params(spec.with_io(tuple(dataset.input_shape), tuple(dataset.class_names)))
            base, origin = default_recipe(params), f"the default recipe for a model of {params:,} parameters"
    return resolve_recipe(base, origin, tuple(dataset.input_shape), len(dataset.train_y), overrides(args),
                          can_redraw=dataset.can_redraw)


def _spec_json(path) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # load_spec has already read it: this cannot fail unless the file changed since


def _train(args, group) -> int:
    # numpy-backed core modules load here, not at the top, so that `cnn-explorer --help` stays fast
    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.train.distributed import fingerprint
    from cnn_explorer.core.train.engine import TrainConfig

    if not args.output and not args.show_recipe:
        raise CnnExplorerError("train: -o/--output MODEL is required (where to save the model)")
    main = group is None or group.is_main
    out = _Output(echo=main)
    dataset = spec = problem = config = summary = None
    try:
        if main and args.output:  # only rank 0 writes the model
            if args.onnx:
                missing = missing_onnx_packages()
                if missing:  # before training, not after
                    raise CnnExplorerError(f"--onnx: ONNX export needs the package(s) {', '.join(missing)}: "
                                           f"pip install {' '.join(missing)}")
            weights_path, json_path = model_files(args.output, bundled=False)
            if json_path.parent.exists() and not json_path.parent.is_dir():
                raise CnnExplorerError(f"output: {json_path.parent} is not a folder")
            for path in (weights_path, json_path):  # a missing or protected folder is refused before training
                check_writable(path, "-o", create_folders=True)
        if args.log_dir:
            out.open_log(args.log_dir, group.rank if group is not None else 0)
        dataset = load_dataset(args.dataset, split=_split(args.split))
        if args.preset:
            spec = preset(args.preset, input_shape=tuple(dataset.input_shape), class_names=tuple(dataset.class_names))
        else:
            spec = load_spec(args.spec)
        resolved = resolve(args, spec, dataset)
        if args.show_recipe:
            if main:
                print("\n".join(resolved.lines()))
            out.close()
            return 0
        config = TrainConfig(**resolved.settings(), device=args.device, seed=args.seed,
                             target_accuracy=_target(args.target_accuracy), threads=args.threads,
                             channels_last=args.channels_last, amp=args.amp, snapshot_every=0)
        summary = "recipe: " + resolved.summary()
    except (CnnExplorerError, OSError) as exc:
        if group is None:
            out.close()
            raise
        problem = _problem(exc)
    try:
        if group is not None:  # every rank stops here, with one message, when any rank failed or differs
            group.agree(problem, fingerprint(dataset) if dataset is not None else None)
        return _run_training(args, config, dataset, spec, group, out, summary)
    finally:
        out.close()


def _run_training(args, config, dataset, spec, group, out: _Output, summary: str | None = None) -> int:
    from cnn_explorer.core.train.engine import (
        BatchRecord,
        EpochRecord,
        TrainingRun,
        describe_device,
    )

    weights_path, json_path = model_files(args.output, bundled=False)
    main = group is None or group.is_main
    training = TrainingRun(spec, dataset, config, group=group)
    spec = training.spec
    where = describe_device(training.device)
    if training.amp_dtype is not None:
        where += ", bf16 mixed precision"
    if training.channels_last:
        where += ", channels-last"
    if group is not None:
        where += f", {group.world_size} processes ({group.backend})"
    out.line(f"training {spec.name or args.spec or 'model'} ({total_params(spec):,} parameters) on {dataset.name}: "
             f"{len(dataset.train_y)} train / {len(dataset.val_y)} val / {len(dataset.test_y)} test images, {where}")
    if summary:
        out.line(summary)
    progress = ProgressLine(plain=False, min_interval_s=0.1)  # a terminal only, at most 10 redraws a second
    finished = None
    last_step = (0, 0)
    try:
        for rec in training.steps():
            if isinstance(rec, BatchRecord):
                last_step = (rec.epoch, rec.step)
                if main:
                    progress.show(_progress_text(rec, config.epochs), force=rec.step == rec.total_steps)
            elif isinstance(rec, EpochRecord):
                progress.clear()
                drawn = f" ({rec.images:,} fresh images)" if rec.fresh else ""
                out.line(f"epoch {rec.epoch}/{config.epochs}: loss {rec.train_loss:.4f}, "
                         f"train accuracy {_pct(rec.train_accuracy)}{drawn}, val loss {rec.val_loss:.4f}, "
                         f"val accuracy {_pct(rec.val_accuracy)}, {rec.elapsed_s:.1f} s")
            else:
                finished = rec
    except KeyboardInterrupt as exc:  # Ctrl+C, or SIGTERM (commands/signals.py): nothing is written
        progress.clear()
        if main:
            print(f"cnn-explorer train: {stopped_by(exc)} at epoch {last_step[0]}, step {last_step[1]}; "
                  "nothing was saved", file=sys.stderr)
        return exit_code(exc)
    finally:
        progress.clear()
    if finished is not None and finished.reason == "cancelled":  # pragma: no cover - the CLI never sets cancel
        return 130
    if finished is not None and finished.stopped_early:
        out.line(f"stopped early: {finished.reason}")
    fresh = sum(r.images for r in training.history if r.fresh)
    if fresh:
        out.line(f"trained on {fresh + len(dataset.train_y):,} different images: the {len(dataset.train_y):,} of "
                 f"the training split and {fresh:,} drawn afresh")
    if finished is not None and finished.test_accuracy == finished.test_accuracy:
        n = int(finished.confusion.sum())
        out.line(f"test accuracy: {_pct(finished.test_accuracy)} ({int(finished.confusion.trace())}/{n})")
    if finished is not None and finished.reason != "cancelled":
        out.line(_calibration_line(finished))
    if not main:
        return 0
    try:
        save_model(args.output, training.model, spec, class_names=training.class_names, mean=training.mean,
                   std=training.std, history=training.history, temperature=training.temperature)
    except KeyboardInterrupt as exc:  # the atomic write removed its temporary files
        print(f"cnn-explorer train: {stopped_by(exc)} while saving; the previous files (if any) are unchanged",
              file=sys.stderr)
        return exit_code(exc)
    out.line(f"saved {weights_path} and {json_path}")
    if args.onnx:
        exported = export_onnx(training.model, args.onnx, tuple(spec.input_shape))
        out.line(export_message(exported, model_temperature(json_path)))
    return 0
