"""``cnn-explorer worksheet``: a printable exercise (page 1) with its answer key (page 2) as a PDF.

The content comes from ``core/conv/worksheet.py``; the PDF is laid out by the window's code,
which the command line passes in as ``renderer`` (``cli.py``: commands never import the ui
package). Everything is checked before any work; nothing is half-written.
"""

from __future__ import annotations

import argparse
import sys

from cnn_explorer.commands.layer_args import (
    add_layer_arguments,
    layer_kernels,
    layer_settings,
    load_layer_input,
)
from cnn_explorer.core.errors import CnnExplorerError

DESCRIPTION = """\
Write a worksheet as a PDF: page 1 the exercise (the input grid, the kernel, the output-size
question, an empty feature map to fill in, and the activation and pooling steps if asked),
page 2 the answer key (the filled maps and the arithmetic of each cell, or of chosen cells
when a map is large). Grids up to 12×12 cells fit on a page.
"""

EPILOG = """\
INPUT, K and the settings are those of `cnn-explorer convolve` (see its --help); sample:NAME
brings its slide's kernels and settings, which any option given here overrides. With
--random, the grid and the kernel are small whole numbers drawn from --seed: the same seed
always gives the same sheet, so each student can get another one and the teacher keeps every key.

examples:
  cnn-explorer worksheet sample:000-1 -o corners.pdf
  cnn-explorer worksheet --random --size 6 --kernel-size 3 --seed 7 --pool max -o sheet-7.pdf
  cnn-explorer worksheet grid.csv --kernel sharpen --padding 1 --paper letter -o sharpen.pdf
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "worksheet", help="write a printable exercise with its answer key (PDF)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="INPUT", nargs="?", help="picture file, .csv/.txt/.npy grid, or sample:NAME")
    p.add_argument("--random", action="store_true", help="a random grid and kernel of small whole numbers")
    p.add_argument("--size", metavar="N", type=int, default=5, help="--random: the grid's side, 2..12 (default 5)")
    p.add_argument("--kernel-size", metavar="K", type=int, default=3, help="--random: the kernel's side (default 3)")
    p.add_argument("--seed", metavar="S", type=int, help="--random: the seed (the same seed, the same sheet)")
    add_layer_arguments(p)
    p.add_argument("--which", metavar="N", type=int, default=1,
                   help="which kernel of a stack the sheet uses, 1-based (default 1)")
    p.add_argument("--paper", type=str.lower, choices=("a4", "letter"), default="a4", help="paper size (default a4)")
    p.add_argument("--title", metavar="TEXT", help="the sheet's title (default: Convolution by hand)")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="the .pdf to write")
    return p


def _random(args):
    from cnn_explorer.core.conv.worksheet import random_inputs

    if args.input is not None:
        raise CnnExplorerError("--random: give either INPUT or --random, not both")
    if args.seed is None:
        raise CnnExplorerError("--random: needs --seed S (the same seed gives the same sheet)")
    if args.kernels:
        raise CnnExplorerError("--random: draws its own kernel; leave out --kernel")
    image, kernel = random_inputs(args.seed, args.size, args.kernel_size)
    return image, None, [kernel], f"random sheet, seed {args.seed}"


def run(args, renderer) -> int:
    from pathlib import Path

    from cnn_explorer.core.conv.worksheet import build_worksheet
    from cnn_explorer.core.io.animation_save import check_writable

    if not args.output.lower().endswith(".pdf"):
        raise CnnExplorerError(f"-o: a worksheet is a .pdf file, got {args.output!r}")
    check_writable(Path(args.output), "-o")
    if args.random:
        image, sample, kernels, source = _random(args)
    else:
        if args.input is None:
            raise CnnExplorerError("INPUT: give a grid, a picture or sample:NAME, or --random --seed S")
        image, sample, source = load_layer_input(args)
        kernels, _ = layer_kernels(args, sample)
        if sample is not None:
            source = sample.label
    if not 1 <= args.which <= len(kernels):
        raise CnnExplorerError(f"--which: choose 1..{len(kernels)} (the kernels given), got {args.which}")
    if len(kernels) > 1 and args.which == 1:
        print(f"note: a worksheet uses one kernel: the first of {len(kernels)} (--which N picks another)",
              file=sys.stderr)
    conv, activation, pool = layer_settings(args, sample)
    sheet = build_worksheet(image, kernels[args.which - 1], conv, activation, pool, source=source,
                            **({"title": args.title} if args.title else {}))
    print(renderer.worksheet(sheet, args.output, args.paper))
    return 0
