"""``cnn-explorer animate``: the step-by-step animation of a convolution or pooling as a GIF, PNG or WebP.

Everything is parsed and checked here (input, kernels, settings, output path) before any work;
the frames are drawn by the window's painting code, which the command line passes in as
``renderer`` (``cli.py``: commands never import the ui package).
"""

from __future__ import annotations

import argparse
import sys

from cnn_explorer.commands.layer_args import (
    add_layer_arguments,
    layer_kernels,
    layer_settings,
    load_layer_input,
    parse_pair,
)
from cnn_explorer.core.errors import CnnExplorerError

DESCRIPTION = """\
Export the step-by-step animation of INPUT: the window sliding over the input one output
cell (or one row) at a time, the arithmetic of each step, the output map filling in. Drawn
by the window's own painting code; written with Pillow (no external encoder).
"""

EPILOG = """\
INPUT, K and the settings are those of `cnn-explorer convolve` (see its --help); sample:NAME
brings its slide's kernels and settings, which any option given here overrides.
OUT     .gif (animated GIF), .png (animated PNG) or .webp (animated WebP)

examples:
  cnn-explorer animate sample:000-1 -o convolution.gif
  cnn-explorer animate sample:000-1 --stage pool --fps 1 -o pooling.webp
  cnn-explorer animate grid.csv --kernel sobel-top --padding same --pace row --size 1280x720 -o rows.png
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "animate", help="export the step-by-step animation as an animated GIF, PNG or WebP",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="INPUT", help="picture file, .csv/.txt/.npy grid, or sample:NAME")
    add_layer_arguments(p)
    p.add_argument("--stage", choices=("conv", "pool"), default="conv",
                   help="animate the convolution (default) or the pooling")
    p.add_argument("--which", metavar="N", type=int, default=1,
                   help="which kernel of a stack to animate, 1-based (default 1)")
    p.add_argument("--fps", metavar="N", type=int, default=4, help="frames per second, 1..60 (default 4)")
    p.add_argument("--pace", choices=("cell", "row"), default="cell",
                   help="one frame a cell (default) or a row at a time")
    p.add_argument("--size", metavar="WxH", default="800x600", help="frame size in pixels (default 800x600)")
    p.add_argument("--scale", metavar="F", type=float, default=1.0,
                   help="draw everything F times larger: 2 gives twice the pixels (default 1)")
    p.add_argument("--hold", metavar="S", type=float, default=2.0,
                   help="seconds the last frame stays before the animation loops (default 2)")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="the .gif, .png or .webp to write")
    return p


def run(args, renderer) -> int:
    from cnn_explorer.core.conv.pipeline import run_pipeline
    from cnn_explorer.core.io.animation_save import check_animation_path

    check_animation_path(args.output)
    if len(args.size.lower().replace("×", "x").split("x")) != 2:
        raise CnnExplorerError(f"--size: expected WIDTHxHEIGHT such as 800x600, got {args.size!r}")
    size = parse_pair(args.size, "--size")
    image, sample, _ = load_layer_input(args)
    kernels, names = layer_kernels(args, sample)
    conv, activation, pool = layer_settings(args, sample)
    if not 1 <= args.which <= len(kernels):
        raise CnnExplorerError(f"--which: choose 1..{len(kernels)} (the kernels given), got {args.which}")
    result = run_pipeline(image, kernels, conv, activation, pool, precision="exact")
    options = dict(stage=args.stage, k=args.which - 1, fps=args.fps, pace=args.pace, size=size,
                   scale=args.scale, hold_s=args.hold)
    message = renderer.animation(result, options, names, args.output)
    print(message, file=sys.stderr if message.startswith("note") else sys.stdout)
    return 0
