"""``cnn-explorer convolve``: one convolution layer on an image or grid, in slide order.

Convolution, then the activation if asked, then pooling if asked; the output
is the last stage asked for. The numpy-backed core is imported inside the functions that
use it, so that `cnn-explorer --help` stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cnn_explorer.commands.layer_args import (  # noqa: F401 - ACTIVATION_CHOICES and the parsers stay reachable here
    ACTIVATION_CHOICES,
    MAX_PADDING,
    MAX_STEP,
    PADDING_MODE_CHOICES,
    add_layer_arguments,
    check_layer_memory,
    layer_kernels,
    layer_settings,
    load_layer_input,
    parse_cell,
    parse_padding,
    parse_pair,
    parse_pool,
)
from cnn_explorer.commands.options import whole
from cnn_explorer.core.errors import CnnExplorerError, excerpt
from cnn_explorer.core.format import format_number

OUTPUT_SUFFIXES = (".npy", ".csv", ".png")
#: larger results are summarised on stdout instead of printed cell by cell
PRINT_MAX_COLS = 40
PRINT_MAX_ROWS = 100

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
    add_layer_arguments(p)
    p.add_argument("--explain", metavar="I,J", action="append", default=[],
                   help="print the arithmetic of convolution output cell (I, J), 0-based; may be repeated")
    p.add_argument("--explain-pool", metavar="I,J", action="append", default=[],
                   help="print the pooling window of pooled cell (I, J), e.g. max(429, 505, 261, 792) = 792")
    p.add_argument("--precision", metavar="N", type=whole(0, 15), default=4,
                   help="decimals when printing results (default 4)")
    p.add_argument("-o", "--output", metavar="OUT", help="write the result to OUT (.npy, .csv or .png)")
    return p


# --- the command ---------------------------------------------------------------------------------

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
    image, sample, _ = load_layer_input(args)
    kernels, names = layer_kernels(args, sample)
    conv, activation, pool = layer_settings(args, sample)
    check_layer_memory(image, kernels, conv, activation)
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
