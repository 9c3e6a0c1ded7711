"""``cnn-explorer convolve``: one convolution layer on an image or grid, in slide order.

Convolution, then the activation if asked, then pooling if asked; the output
is the last stage asked for. The numpy-backed core is imported inside the functions that
use it, so that `cnn-explorer --help` stays fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from cnn_explorer.commands.options import int_tuple, whole
from cnn_explorer.core.errors import CnnExplorerError, excerpt
from cnn_explorer.core.format import format_number

# Mirrors cnn_explorer.core.conv.convolution.ACTIVATIONS (kept here so --help needs no numpy; a test checks they agree).
ACTIVATION_CHOICES = ("relu", "leaky_relu", "sigmoid", "tanh", "none")
PADDING_MODE_CHOICES = ("zeros", "edge", "reflect")
OUTPUT_SUFFIXES = (".npy", ".csv", ".png")
#: larger results are summarised on stdout instead of printed cell by cell
PRINT_MAX_COLS = 40
PRINT_MAX_ROWS = 100
#: the largest stride, dilation or pooling window an option may give, and the largest padding
MAX_STEP = 10_000
MAX_PADDING = 1_000

DESCRIPTION = """\
Convolve INPUT with one or more kernels, then (if asked) apply an activation and pooling,
in the slides' order. The result is the last stage asked for: the feature maps, the
activated maps or the pooled maps. Cross-correlation (kernel not flipped), as in the slides.
"""

EPILOG = """\
INPUT   a picture (PNG, JPEG, BMP, GIF, TIFF, WebP), a .csv/.txt/.npy grid of numbers,
        or sample:NAME for a built-in sample (`cnn-explorer kernels --samples`); a sample
        brings its slide's kernels and settings, which any option given here overrides.
K       a preset name (`cnn-explorer kernels`), a .csv/.json kernel file, or inline rows
        "1,0,1;0,1,0;1,0,1" (rows split by ';', cells by ',' or spaces; fractions like 1/9;
        '|' separates the channels of a 3-D filter). Repeat --kernel for a stack of maps.
        A kernel whose first value is negative must be attached with '=':
            --kernel=-1,0,1;-2,0,2;-1,0,1      (quote it in the shell: --kernel='-1,0,1;...')
OUT     .npy: (K, oh, ow), or (oh, ow) for one kernel; .csv: plain numbers, one row a line,
        the maps of a stack as blocks separated by a blank line; .png: colour-mapped, zero
        white at the centre of a blue (negative) / red (positive) map, a stack side by side.
        Without -o the result is printed (small grids) or summarised (large ones).

examples:
  cnn-explorer convolve grid.csv --kernel slide-corners --pool max --explain 0,0
  cnn-explorer convolve sample:001-5 --explain 0,2
  cnn-explorer convolve photo.jpg --kernel sobel-left --kernel sobel-top --padding same -o edges.png
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "convolve", help="convolve an image or grid with kernels (then activation, pooling)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="INPUT", help="picture file, .csv/.txt/.npy grid, or sample:NAME")
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
    p.add_argument("--explain", metavar="I,J", action="append", default=[],
                   help="print the arithmetic of convolution output cell (I, J), 0-based; may be repeated")
    p.add_argument("--explain-pool", metavar="I,J", action="append", default=[],
                   help="print the pooling window of pooled cell (I, J), e.g. max(429, 505, 261, 792) = 792")
    p.add_argument("--precision", metavar="N", type=whole(0, 15), default=4,
                   help="decimals when printing results (default 4)")
    p.add_argument("-o", "--output", metavar="OUT", help="write the result to OUT (.npy, .csv or .png)")
    return p


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


# --- the command ---------------------------------------------------------------------------------

def _load(args):
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
    _check_picture_memory(args.input, args.colour)
    loaded = load_input(args.input, mode=args.colour or "auto")
    if loaded.note:
        print(f"note: {args.input}: {loaded.note}", file=sys.stderr)
    return loaded.array, None, args.input


def _check_picture_memory(path: str, colour: str | None) -> None:
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


def _check_memory(image, kernels, conv, activation: str) -> None:
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


def _kernels(args, sample):
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


def _settings(args, sample):
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


def _check_output(path: str | None) -> None:
    """Refuse a bad OUT before any work: its type, a missing or protected folder (a test write), a folder."""
    from cnn_explorer.core.io.atomic import check_writable

    if path is None:
        return
    out = Path(path)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise CnnExplorerError(f"-o: unsupported type {excerpt(out.suffix or '(none)')} in {excerpt(path)}; "
                               "use .npy, .csv or .png")
    if out.parent != Path("") and not out.parent.is_dir():
        raise CnnExplorerError(f"-o: folder {excerpt(str(out.parent))} does not exist")
    if out.is_dir():
        raise CnnExplorerError(f"-o: {excerpt(path)} is a folder")
    check_writable(out, "-o")


def grid_lines(grid, precision: int) -> list[str]:
    """Right-aligned rows of a 2-D grid."""
    cells = [[format_number(v, "plain", decimals=precision) for v in row] for row in grid]
    width = max(len(c) for row in cells for c in row)
    return [" ".join(c.rjust(width) for c in row) for row in cells]


def _stage(result, activation: str) -> tuple[str, object]:
    if result.pooled is not None:
        pool = result.pool
        stride = pool.stride[0] if pool.stride[0] == pool.stride[1] else f"{pool.stride[0]},{pool.stride[1]}"
        how = f"{pool.mode}-pooled {pool.size[0]}×{pool.size[1]} stride {stride}"
        return how + (" ceil" if pool.ceil_mode else ""), result.pooled.values
    if activation != "none":
        return f"{activation} maps", result.activated
    return "feature maps", result.feature


def _explain(args, image, kernels, names, conv, result) -> None:
    from cnn_explorer.core.conv.convolution import conv_step, output_size_formula

    if args.explain:
        print(f"output size: {output_size_formula(image.shape[:2], kernels[0].shape[:2], conv)}")
    for text in args.explain:
        i, j = parse_cell(text)
        for k, kernel in enumerate(kernels):
            step = conv_step(image, kernel, conv, i, j)
            prefix = f"kernel {k + 1} ({names[k]}) " if len(kernels) > 1 else ""
            print(f"{prefix}cell ({i}, {j}): {step.arithmetic()}")


def _check_cells(args, result) -> None:
    """Every --explain / --explain-pool cell lies inside its map (checked before anything is printed)."""

    checks = [("--explain", "feature map", result.feature.shape[1:], args.explain)]
    if args.explain_pool:
        if result.pooled is None:
            raise CnnExplorerError("--explain-pool: needs --pool (or a sample with pooling)")
        checks.append(("--explain-pool", "pooled map", result.pooled.values.shape[-2:], args.explain_pool))
    for option, what, (h, w), cells in checks:
        for text in cells:
            i, j = parse_cell(text, option)
            if not (0 <= i < h and 0 <= j < w):
                raise CnnExplorerError(
                    f"{option}: cell ({i}, {j}) is outside the {h}×{w} {what} (rows 0..{h - 1}, cols 0..{w - 1})"
                )


def _explain_pool(args, names, result) -> None:
    from cnn_explorer.core.conv.convolution import pool_step

    for text in args.explain_pool:
        i, j = parse_cell(text, "--explain-pool")
        for k in range(result.activated.shape[0]):
            step = pool_step(result.activated, result.pool, i, j, k)
            prefix = f"kernel {k + 1} ({names[k]}) " if len(names) > 1 else ""
            where = f" (winner at row {step.winner[0]}, col {step.winner[1]})" if step.mode == "max" else ""
            print(f"{prefix}pooled ({i}, {j}): {step.arithmetic()}{where}")


def _write(path: str, name: str, values) -> None:
    """Write the result atomically: a full disk or a kill leaves a previous OUT as it was, and no temporary file."""
    import numpy as np

    from cnn_explorer.core.io.atomic import atomic_write_bytes, atomic_write_text
    from cnn_explorer.core.io.image_save import grid_text, npy_bytes, save_map_png

    arr = values[0] if values.shape[0] == 1 else values
    suffix = path.lower().rsplit(".", 1)[-1]
    if suffix == "npy":
        atomic_write_bytes(path, npy_bytes(arr))
    elif suffix == "csv":
        atomic_write_text(path, grid_text(np.moveaxis(values, 0, -1) if values.shape[0] > 1 else arr))
    else:
        save_map_png(path, values)
    shape = "×".join(str(s) for s in np.shape(arr))
    print(f"wrote {path}: {name}, {shape}")


def _print(values, names, name: str, precision: int) -> None:
    k, h, w = values.shape
    if h > PRINT_MAX_ROWS or w > PRINT_MAX_COLS:
        print(f"# {name}: {k} map(s) of {h}×{w}, too large to print; use -o OUT.npy, .csv or .png")
        for n in range(k):
            m = values[n]
            lo, hi, mean = (format_number(v, "plain", decimals=precision) for v in (m.min(), m.max(), m.mean()))
            print(f"# map {n + 1} ({names[n]}): min {lo}, max {hi}, mean {mean}")
        return
    for n in range(k):
        if k > 1:
            if n:
                print()
            print(f"# map {n + 1} ({names[n]})")
        print("\n".join(grid_lines(values[n], precision)))


def run(args) -> int:
    from cnn_explorer.core.conv.pipeline import run_pipeline

    _check_output(args.output)
    for text in args.explain:
        parse_cell(text)
    for text in args.explain_pool:
        parse_cell(text, "--explain-pool")
    image, sample, _ = _load(args)
    kernels, names = _kernels(args, sample)
    conv, activation, pool = _settings(args, sample)
    _check_memory(image, kernels, conv, activation)
    result = run_pipeline(image, kernels, conv, activation, pool, precision="exact")
    _check_cells(args, result)
    _explain(args, image, kernels, names, conv, result)
    _explain_pool(args, names, result)
    name, values = _stage(result, result.activation)
    if args.output:
        _write(args.output, name, values)
    else:
        _print(values, names, name, args.precision)
    return 0
