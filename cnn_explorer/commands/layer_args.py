"""The options a convolution layer is given on the command line, shared by ``convolve``, ``animate`` and ``worksheet``.

INPUT (a picture, a grid file or ``sample:NAME``), ``--kernel``, the convolution settings,
``--activation``, ``--pool`` and the colour mode: how they are declared, parsed and
resolved against a sample (a sample brings its own kernels and settings; options given
override them). Parsing errors raise CnnExplorerError naming the option.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from cnn_explorer.commands.options import int_tuple
from cnn_explorer.core.errors import CnnExplorerError, excerpt

# Mirrors cnn_explorer.core.conv.convolution.ACTIVATIONS (kept here so --help needs no numpy; a test checks they agree).
ACTIVATION_CHOICES = ("relu", "leaky_relu", "sigmoid", "tanh", "none")
PADDING_MODE_CHOICES = ("zeros", "edge", "reflect")
#: the largest stride, dilation or cell index, and the largest padding, an option may give
MAX_STEP = 10_000
MAX_PADDING = 1_000


def add_layer_arguments(p) -> None:
    """--kernel, the convolution settings, --activation, --pool and --grey/--rgb on parser ``p``."""
    p.add_argument("-k", "--kernel", metavar="K", action="append", dest="kernels", default=[],
                   help="preset, .csv/.json file, or inline rows; repeat for a stack (negative first value: --kernel=-1,...)")
    p.add_argument("--stride", metavar="S|R,C", type=int_tuple((1, 2), MAX_STEP), help="stride, one number or rows,cols (default 1)")
    p.add_argument("--padding", metavar="P", type=int_tuple((1, 2, 4), MAX_PADDING, words=("valid", "same"),
                                                            example="1,1,0,0"), help="valid (default), same (TensorFlow rule), N, or T,B,L,R (also R,C)")
    p.add_argument("--padding-mode", choices=PADDING_MODE_CHOICES, help="what the padding holds (default zeros)")
    p.add_argument("--dilation", metavar="D|R,C", type=int_tuple((1, 2), MAX_STEP), help="dilation, one number or rows,cols (default 1)")
    p.add_argument("--bias", metavar="B", help="added to every output cell (after --normalize), e.g. 1, -0.5 or --bias=-1/9")
    p.add_argument("--normalize", action="store_true", default=None,
                   help="divide each sum of products by the number of kernel cells (the X/O slides)")
    p.add_argument("--flip", action="store_true", default=None, help="true convolution: rotate the kernel 180°")
    p.add_argument("--activation", type=str.lower, choices=ACTIVATION_CHOICES,
                   help="activation after the convolution (default none)")
    p.add_argument("--pool", metavar="SPEC",
                   help="max|avg[:SIZE[:STRIDE[:ceil]]], e.g. max, max:2:2:ceil, avg:3:1; SIZE/STRIDE may be R,C; "
                        "none turns a sample's pooling off")
    colour = p.add_mutually_exclusive_group()
    colour.add_argument("--grey", "--gray", dest="colour", action="store_const", const="grey",
                        help="convert the input to grey (ITU-R 601 luma)")
    colour.add_argument("--rgb", dest="colour", action="store_const", const="rgb",
                        help="use the input as RGB (a grey input gets three equal channels)")


# --- option parsing (raise CnnExplorerError naming the option) -----------------------------------

def _ints(text: str, option: str, counts: tuple[int, ...]) -> tuple[int, ...]:

    parts = [t.strip() for t in text.replace("x", ",").replace("×", ",").split(",")]
    try:
        if any(len(t) > 12 for t in parts):
            raise ValueError
        values = tuple(int(t) for t in parts)
    except ValueError:
        raise CnnExplorerError(f"{option}: expected whole numbers like {_example(counts)}, got {excerpt(text)}") from None
    if len(values) not in counts:
        raise CnnExplorerError(f"{option}: expected {' or '.join(map(str, counts))} numbers, got {len(values)} "
                               f"in {excerpt(text)}")
    if any(abs(v) > MAX_STEP for v in values):
        raise CnnExplorerError(f"{option}: each number must be at most {MAX_STEP:,}, got {max(values, key=abs):,}")
    return values


def _example(counts) -> str:
    return {1: "2", 2: "2,1", 4: "1,1,0,0"}[counts[-1]] if counts else "2"


def parse_pair(text: str, option: str) -> tuple[int, int]:
    """``"2"`` -> (2, 2); ``"2,1"`` -> (2, 1)."""
    values = _ints(text, option, (1, 2))
    return (values[0], values[0]) if len(values) == 1 else values  # type: ignore[return-value]


def parse_padding(text: str):
    """``valid`` | ``same`` | ``N`` | ``R,C`` | ``T,B,L,R`` -> a ConvSettings padding value."""
    t = text.strip().lower()
    if t in ("valid", "same"):
        return t
    values = _ints(t, "--padding", (1, 2, 4))
    return values[0] if len(values) == 1 else values


def parse_pool(text: str):
    """``max|avg[:SIZE[:STRIDE[:ceil]]]`` or ``none`` -> PoolSettings or None."""
    from cnn_explorer.core.conv.convolution import PoolSettings

    parts = [p.strip().lower() for p in text.split(":")]
    if parts == ["none"]:
        return None
    ceil = False
    if len(parts) > 1 and parts[-1] in ("ceil", "floor"):
        ceil = parts.pop() == "ceil"
    if len(parts) > 3 or parts[0] not in ("max", "avg", "average", "mean"):
        raise CnnExplorerError(f"--pool: expected max|avg[:SIZE[:STRIDE[:ceil]]] or none, got {excerpt(text)}")
    size = parse_pair(parts[1], "--pool size") if len(parts) > 1 and parts[1] else (2, 2)
    stride = parse_pair(parts[2], "--pool stride") if len(parts) > 2 and parts[2] else None
    return PoolSettings(parts[0], size, stride, ceil_mode=ceil)


def parse_cell(text: str, option: str = "--explain") -> tuple[int, int]:
    """``"I,J"`` -> (I, J)."""
    return _ints(text, option, (2,))  # type: ignore[return-value]


# --- resolving INPUT, kernels and settings ------------------------------------------------------

def load_layer_input(args):
    """(image array, sample or None, source label)."""
    from cnn_explorer.core.io.images import load_input, to_grey, to_rgb
    from cnn_explorer.core.kernels.samples import get_sample

    if args.input.lower().startswith("sample:"):
        sample = get_sample(args.input.split(":", 1)[1])
        image = sample.image
        if args.colour == "grey":
            image = to_grey(image)
        elif args.colour == "rgb":
            image = to_rgb(image)
        return image, sample, f"sample {sample.name}"
    check_picture_memory(args.input, args.colour)
    loaded = load_input(args.input, mode=args.colour or "auto")
    if loaded.note:
        print(f"note: {args.input}: {loaded.note}", file=sys.stderr)
    return loaded.array, None, args.input


def check_picture_memory(path: str, colour: str | None) -> None:
    """Refuse, from its header and before decoding, a picture whose float64 copy would not fit the memory budget."""
    from cnn_explorer.core.io.images import GRID_SUFFIXES, picture_header
    from cnn_explorer.core.io.limits import check_bytes

    if Path(path).suffix.lower() in GRID_SUFFIXES:
        return  # a grid's values are read from the file itself, which is capped
    header = picture_header(path)
    if header is not None:
        h, w, bands = header
        channels = 1 if colour == "grey" or (bands < 3 and colour != "rgb") else 3
        check_bytes(h * w * (channels * 8 + bands), path, f"loading this {w}×{h} picture")


def check_layer_memory(image, kernels, conv, activation: str) -> None:
    """Refuse a convolution whose image, padded copy and maps would not fit the memory budget, before computing."""
    from cnn_explorer.core.conv.settings import output_shape, resolve_padding
    from cnn_explorer.core.io.limits import check_bytes

    h, w = image.shape[:2]
    channels = image.shape[2] if image.ndim == 3 else 1
    kh, kw = kernels[0].shape[:2]
    top, bottom, left, right = resolve_padding((h, w), (kh, kw), conv)
    oh, ow = output_shape((h, w), (kh, kw), conv)
    padded = (h + top + bottom) * (w + left + right) * channels * 8 if (channels > 1 or top + bottom + left + right) else 0
    maps = oh * ow * 8 * len(kernels) * (1 if activation == "none" else 2)
    check_bytes(image.nbytes + padded + maps, "convolve", f"a {oh}×{ow} result from {len(kernels)} kernel(s)")


def layer_kernels(args, sample):
    """(list of kernel arrays, list of labels)."""
    from cnn_explorer.core.kernels.library import describe_kernel, resolve_kernels

    if not args.kernels:
        if sample is None:
            raise CnnExplorerError(
                "--kernel: required: a preset name, a .csv/.json file or rows like \"1,0,1;0,1,0;1,0,1\""
            )
        return sample.kernel_arrays(), sample.kernel_names()
    arrays, names = [], []
    for spec in args.kernels:
        found = resolve_kernels(spec)
        label = describe_kernel(spec)
        arrays += found
        names += [label] if len(found) == 1 else [f"{label}[{i}]" for i in range(1, len(found) + 1)]
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        listed = ", ".join("×".join(map(str, s)) for s in sorted(shapes))
        raise CnnExplorerError(f"--kernel: the kernels of a stack must have one shape; got {listed}")
    return arrays, names


def layer_settings(args, sample):
    from cnn_explorer.core.conv.convolution import ConvSettings
    from cnn_explorer.core.io.grid_text import parse_number

    conv = sample.conv if sample is not None else ConvSettings()
    changes = {}
    if args.stride is not None:
        changes["stride"] = parse_pair(args.stride, "--stride")
    if args.padding is not None:
        changes["padding"] = parse_padding(args.padding)
    if args.padding_mode is not None:
        changes["padding_mode"] = args.padding_mode
    if args.dilation is not None:
        changes["dilation"] = parse_pair(args.dilation, "--dilation")
    if args.bias is not None:
        try:
            changes["bias"] = parse_number(args.bias)
        except ValueError as exc:
            raise CnnExplorerError(f"--bias: {exc}") from None
    if args.normalize:
        changes["normalize"] = True
    if args.flip:
        changes["flip"] = True
    conv = dataclasses.replace(conv, **changes)
    activation = args.activation or (sample.activation if sample is not None else "none")
    pool = parse_pool(args.pool) if args.pool is not None else (sample.pool if sample is not None else None)
    return conv, activation, pool
