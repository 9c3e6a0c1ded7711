"""The command line of an exported training script: its options (defaults: the exported settings) and main."""

from __future__ import annotations

CLI = '''# --------------------------------------------------------------------------- command line
def fraction_triple(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(v) for v in text.split(","))
    except ValueError:
        parts = ()
    valid = len(parts) == 3 and all(math.isfinite(p) and p >= 0 for p in parts)
    if not valid or abs(sum(parts) - 1) > 1e-6:
        raise argparse.ArgumentTypeError(
            f"expected three fractions TRAIN,VAL,TEST adding up to 1, got {text!r}")
    return parts


def parse_args(argv=None) -> argparse.Namespace:
    here = Path(__file__).resolve().parent
    data = DATA if os.path.isabs(DATA) else str(here / DATA)
    p = argparse.ArgumentParser(description=__doc__.split("\\n\\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=data, metavar="PATH", help=DATA_HELP)
    p.add_argument("-o", "--output", default=OUTPUT, metavar="MODEL",
                   help="save MODEL.safetensors + MODEL.json (a folder: model.* inside it)")
    p.add_argument("--epochs", type=int, default=EPOCHS, metavar="N",
                   help="passes over the training split")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE, metavar="N",
                   help="images per step in each process")
    p.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default=OPTIMIZER)
    p.add_argument("--lr", type=float, default=LR, metavar="X",
                   help="learning rate (the peak with onecycle)")
    p.add_argument("--momentum", type=float, default=MOMENTUM, metavar="X", help="SGD momentum")
    p.add_argument("--nesterov", action=argparse.BooleanOptionalAction, default=NESTEROV,
                   help="Nesterov momentum (sgd only)")
    p.add_argument("--weight-decay", type=float, default=WEIGHT_DECAY, metavar="X")
    p.add_argument("--schedule", choices=("constant", "onecycle"), default=SCHEDULE,
                   help="learning-rate schedule")
    p.add_argument("--label-smoothing", type=float, default=LABEL_SMOOTHING, metavar="X")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=AUGMENT,
                   help="random shifts, rotations and zooms of the training images")
    p.add_argument("--augment-shift", type=float, default=AUGMENT_SHIFT, metavar="PX")
    p.add_argument("--augment-rotate", type=float, default=AUGMENT_ROTATE, metavar="DEG")
    p.add_argument("--augment-scale", type=float, default=AUGMENT_SCALE, metavar="F")
    p.add_argument("--augment-elastic", type=float, default=AUGMENT_ELASTIC, metavar="PX",
                   help="elastic distortion: alpha in pixels (0: off)")
    p.add_argument("--split", type=fraction_triple, default=SPLIT, metavar="TRAIN,VAL,TEST",
                   help="fractions for training, validation and test "
                   "(a set with its own test set keeps it)")
    p.add_argument("--seed", type=int, default=SEED, metavar="N",
                   help="seed of the split, weights and shuffling")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default=DEVICE,
                   help="auto: CUDA, else MPS, else the CPU")
    p.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=CHANNELS_LAST,
                   help="NHWC memory layout (often faster convolutions)")
    p.add_argument("--predictions", metavar="FILE.npz",
                   help="also save a few test images with the model's probabilities "
                   "and predictions")
    args = p.parse_args(argv)
    problems = [
        (args.epochs >= 1, "--epochs must be at least 1"),
        (args.batch_size >= 1, "--batch-size must be at least 1"),
        (math.isfinite(args.lr) and args.lr > 0, "--lr must be a positive number"),
        (0 <= args.momentum < 1, "--momentum must be in [0, 1)"),
        (args.weight_decay >= 0, "--weight-decay must be at least 0"),
        (0 <= args.label_smoothing < 1, "--label-smoothing must be in [0, 1)"),
        (not args.nesterov or (args.optimizer == "sgd" and args.momentum > 0),
         "--nesterov needs --optimizer sgd and a momentum above 0"),
        (args.augment_shift >= 0 and args.augment_rotate >= 0 and 0 <= args.augment_scale < 1
         and math.isfinite(args.augment_elastic) and args.augment_elastic >= 0,
         "augmentation: shift, rotate and elastic at least 0, scale in [0, 1)"),
        (args.seed >= 0, "--seed must be at least 0"),
    ]
    for ok, message in problems:
        if not ok:
            p.error(message)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        import safetensors  # noqa: F401 - checked now, not after training
    except ImportError:
        sys.exit(f"{Path(sys.argv[0]).name}: error: saving the model needs safetensors: "
                 "pip install safetensors")
    try:
        return train(args)
    except (ScriptError, OSError) as exc:
        print(f"{Path(sys.argv[0]).name}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{Path(sys.argv[0]).name}: interrupted; nothing was saved", file=sys.stderr)
        return 130


if __name__ == "__main__":
    code = main()
    if "LOCAL_RANK" in os.environ:  # started by torchrun
        # DistributedDataParallel keeps the process group's threads alive past
        # destroy_process_group; leaving without the interpreter's teardown
        # keeps them from aborting a rank that finished well
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
'''
