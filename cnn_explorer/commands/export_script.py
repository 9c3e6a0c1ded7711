"""``cnn-explorer export-script``: write a standalone PyTorch training script for a model and a dataset.

The script needs no CNN Explorer: it holds the model, the data loading, the
recipe given here (every setting stays a flag of the script), evaluation,
torchrun support, and saves MODEL.safetensors + MODEL.json, which the app opens.
"""

from __future__ import annotations

import argparse

from cnn_explorer.commands.options import (
    BATCH,
    EPOCHS,
    LABEL_SMOOTHING,
    LR,
    MOMENTUM,
    WEIGHT_DECAY,
    seed,
)
from cnn_explorer.commands.train import resolve
from cnn_explorer.core.errors import CnnExplorerError, excerpt


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "export-script",
        help="write a standalone PyTorch training script (torchrun-ready) for a model and dataset",
        description="Write one readable PyTorch script that trains the model (a preset or a spec file, adapted "
        "to the dataset's input and classes) on the dataset, evaluates it, runs under torchrun, and saves "
        "MODEL.safetensors + MODEL.json for CNN Explorer. It imports no cnn_explorer: take it to a cluster or "
        "a notebook. The built-in sets (mnist-sample, xo, slashes, shapes) are written beside it as an .npz.",
    )
    model = p.add_mutually_exclusive_group(required=True)
    model.add_argument("--preset", metavar="NAME",
                       help="a preset model: keras-slides, lenet5, tiny-vgg, mnist-fast, xo-tiny")
    model.add_argument("--spec", metavar="FILE", help="a model spec JSON file")
    p.add_argument("--dataset", required=True, metavar="NAME|PATH",
                   help="a dataset name (see `cnn-explorer datasets`) or path: IDX folder, CIFAR-10 folder, "
                   "image folder or .npz")
    p.add_argument("-o", "--output", required=True, metavar="FILE.py", help="where to write the script")
    # unset, the training settings come from the model's recipe, as with `cnn-explorer train`
    p.add_argument("--epochs", type=EPOCHS, default=None, metavar="N", help="passes over the training split")
    p.add_argument("--batch-size", type=BATCH, default=None, metavar="N", help="images per step")
    p.add_argument("--lr", type=LR, default=None, metavar="X", help="learning rate, the peak with onecycle")
    p.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default=None,
                   help="another optimiser than the recipe's also gets its usual rate unless --lr is given")
    p.add_argument("--momentum", type=MOMENTUM, default=None, metavar="X", help="SGD momentum")
    p.add_argument("--nesterov", action=argparse.BooleanOptionalAction, default=None,
                   help="Nesterov momentum (sgd only)")
    p.add_argument("--weight-decay", type=WEIGHT_DECAY, default=None, metavar="X", help="weight decay")
    p.add_argument("--schedule", choices=("constant", "onecycle"), default=None, help="learning-rate schedule")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="random shifts, rotations and scaling of training images")
    p.add_argument("--label-smoothing", type=LABEL_SMOOTHING, default=None, metavar="X", help="label smoothing")
    p.add_argument("--split", default="0.8,0.1,0.1", metavar="TRAIN,VAL,TEST",
                   help="fractions for training, validation and test (default 0.8,0.1,0.1)")
    p.add_argument("--seed", type=seed, default=0, metavar="N", help="default 0")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"), help="default auto")
    return p


def _split(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise CnnExplorerError(f"split: expected three fractions TRAIN,VAL,TEST such as 0.8,0.1,0.1, "
                               f"got {excerpt(text)}") from None


def run(args) -> int:
    # numpy-backed core modules load here, not at the top, so that `cnn-explorer --help` stays fast
    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.datasets.split import parse_split
    from cnn_explorer.core.model.presets import preset
    from cnn_explorer.core.model.spec import load_spec
    from cnn_explorer.core.train.engine import TrainConfig
    from cnn_explorer.core.train.script_export import export_training_script

    split = parse_split(_split(args.split))
    spec = None if args.preset else load_spec(args.spec)  # a bad spec file fails before the data loads
    if args.preset:
        preset(args.preset)  # an unknown name fails before the data loads
    dataset = load_dataset(args.dataset, split=split, seed=args.seed)
    if args.preset:
        spec = preset(args.preset, input_shape=tuple(dataset.input_shape), class_names=tuple(dataset.class_names))
    resolved = resolve(args, spec, dataset)  # the model's recipe with the user's flags, as train resolves it
    config = TrainConfig(**resolved.settings(), seed=args.seed, device=args.device, snapshot_every=0)
    written = export_training_script(args.output, spec, dataset, args.dataset, config, split=split)
    print(f"wrote {written[0]}" + (f" and its data {written[1].name}" if len(written) > 1 else ""))
    print(f"run it: python {written[0].name} (or torchrun --nproc_per_node N {written[0].name}); "
          f"--help lists the options")
    return 0
