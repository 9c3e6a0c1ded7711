"""Worksheets: what a printed exercise and its answer key say, computed here; the PDF layout is the window's.

``build_worksheet`` turns an input grid, one kernel and the layer's settings into a
:class:`Worksheet`: the grids to print, the questions, every answer and the arithmetic of
each output cell (or of chosen cells when a map is large). ``random_inputs`` makes small
integer grids and kernels from a seed, so each student gets a different sheet and the
same seed always gives the same one. Numbers are written as the window writes a step's
arithmetic (``core.format``, style ``operand``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnn_explorer.core.conv.convolution import (
    ConvSettings,
    PoolSettings,
    conv_step,
    output_shape,
    output_size_formula,
    pad_image,
    pool_step,
    resolve_padding,
)
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number

#: the most cells a worksheet grid has along a side (the padded input included): larger grids get
#: numbers too small to write in by hand
MAX_GRID_SIDE = 12
#: the most cells whose arithmetic the key writes out per map; larger maps list chosen cells
MAX_KEY_CELLS = 16
#: what ``random_inputs`` may draw
RANDOM_SIZES = range(2, MAX_GRID_SIDE + 1)
ACTIVATION_NAMES = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}


def number(value: float) -> str:
    """A worksheet number: as a step's arithmetic writes it (at most 4 decimals, Unicode minus)."""
    return format_number(float(value), "operand")


@dataclass(frozen=True, eq=False)
class SheetGrid:
    """One grid to print: ``values`` (rows, cols), its cells' ``texts``, ``padding`` marks (or None)."""

    title: str
    values: np.ndarray
    texts: tuple[tuple[str, ...], ...]
    padding: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.values.shape[0]), int(self.values.shape[1])


@dataclass(frozen=True, eq=False)
class SheetStage:
    """A map the student fills in: the question, the answers, and the key's arithmetic.

    ``arithmetic``: ((i, j), "18×1 + … = 429") for every cell, or for chosen cells when
    ``chosen`` (the map itself still holds every answer).
    """

    name: str
    question: str
    answers: SheetGrid
    arithmetic: tuple[tuple[tuple[int, int], str], ...]
    chosen: bool


@dataclass(frozen=True, eq=False)
class Worksheet:
    """Everything a worksheet and its key print, in order."""

    title: str
    source: str
    instructions: tuple[str, ...]
    input: SheetGrid
    kernel: SheetGrid
    size_question: str
    size_answer: str
    stages: tuple[SheetStage, ...]

    def answers(self) -> list[str]:
        """Every answer the key gives: the output size, then each map's cells in row-major order."""
        out = [self.size_answer]
        for stage in self.stages:
            out += [t for row in stage.answers.texts for t in row]
        return out


def _grid(title: str, values, padding=None) -> SheetGrid:
    arr = np.asarray(values, dtype=np.float64)
    texts = tuple(tuple(number(v) for v in row) for row in arr.tolist())
    return SheetGrid(title, arr, texts, padding)


def _check_side(what: str, shape) -> None:
    h, w = int(shape[0]), int(shape[1])
    if h > MAX_GRID_SIDE or w > MAX_GRID_SIDE:
        raise CnnExplorerError(
            f"worksheet: the {what} is {h}×{w}, too large for a page: a worksheet grid has at most "
            f"{MAX_GRID_SIDE}×{MAX_GRID_SIDE} cells (use a smaller grid)")


def chosen_cells(shape, limit: int = MAX_KEY_CELLS) -> list[tuple[int, int]]:
    """Every cell of a map (row-major) when it has at most ``limit``, else ``limit`` cells spread evenly,
    the first and the last among them."""
    h, w = int(shape[0]), int(shape[1])
    n = h * w
    picks = range(n) if n <= limit else sorted(set(np.linspace(0, n - 1, limit).round().astype(int).tolist()))
    return [divmod(int(p), w) for p in picks]


def settings_text(conv: ConvSettings, image_hw, kernel_hw) -> str:
    """The settings in words: "stride 1, no padding", "stride 2, padding 1 (zeros), dilation 2", …"""
    s = conv.stride
    parts = [f"stride {s[0]}" if s[0] == s[1] else f"stride {s[0]} down, {s[1]} across"]
    top, bottom, left, right = resolve_padding(image_hw, kernel_hw, conv)
    if not any((top, bottom, left, right)):
        parts.append("no padding")
    else:
        how = {"zeros": "zeros", "edge": "copies of the edge", "reflect": "the edge reflected"}[conv.padding_mode]
        amount = str(top) if len({top, bottom, left, right}) == 1 else f"top {top}, bottom {bottom}, left {left}, right {right}"
        parts.append(f"padding {amount} ({how})")
    if conv.dilation != (1, 1):
        d = conv.dilation
        parts.append(f"dilation {d[0]}" if d[0] == d[1] else f"dilation {d[0]},{d[1]}")
    return ", ".join(parts)


def _instructions(conv: ConvSettings, kernel_hw) -> tuple[str, ...]:
    lines = ["Slide the kernel over the input, left to right and top to bottom. At each position multiply "
             "the overlapping numbers and add the products: that sum is one cell of the feature map."]
    if conv.flip:
        lines.append("True convolution: rotate the kernel by 180° before sliding it.")
    if conv.normalize:
        lines.append(f"Divide each sum by {kernel_hw[0] * kernel_hw[1]}, the number of kernel cells.")
    if conv.bias:
        lines.append(f"Then add the bias {number(conv.bias)} to every cell.")
    return tuple(lines)


def _pool_words(pool: PoolSettings) -> str:
    kind = "Max-pool" if pool.mode == "max" else "Average-pool"
    size = f"{pool.size[0]}×{pool.size[1]}"
    stride = pool.stride[0] if pool.stride[0] == pool.stride[1] else f"{pool.stride[0]},{pool.stride[1]}"
    extra = "; a window that overhangs the edge keeps the cells it covers (ceil mode)" if pool.ceil_mode else ""
    pad = f", padding {pool.padding[0]}" if any(pool.padding) else ""
    return f"{kind} the {{what}} with a {size} window and stride {stride}{pad}{extra}"


def build_worksheet(image, kernel, conv: ConvSettings = ConvSettings(), activation: str = "none",
                    pool: PoolSettings | None = None, *, title: str = "Convolution by hand", source: str = "",
                    max_key_cells: int = MAX_KEY_CELLS) -> Worksheet:
    """The worksheet of one grey grid (H, W), one kernel (kh, kw) and these settings.

    Raises CnnExplorerError naming the limit when a grid is larger than ``MAX_GRID_SIDE``, and for a
    colour input or a stack of kernels (a worksheet holds one grey grid and one kernel).
    """
    x = np.asarray(image, dtype=np.float64)
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[:, :, 0]
    if x.ndim != 2:
        raise CnnExplorerError(f"worksheet: needs a grey grid (rows, cols); this input is {'×'.join(map(str, x.shape))} "
                               "(convert it to grey)")
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim == 3 and k.shape[2] == 1:
        k = k[:, :, 0]
    if k.ndim != 2:
        raise CnnExplorerError(f"worksheet: needs one 2-D kernel, got shape {'×'.join(map(str, k.shape))}")
    if not (np.isfinite(x).all() and np.isfinite(k).all()):
        raise CnnExplorerError("worksheet: the grid and the kernel must hold finite numbers")
    out_hw = output_shape(x.shape, k.shape, conv)          # raises on impossible settings
    pads = resolve_padding(x.shape, k.shape, conv)
    padded = pad_image(x, pads, conv.padding_mode) if any(pads) else x
    _check_side("input" + (" with its padding" if any(pads) else ""), padded.shape)
    _check_side("kernel", k.shape)
    _check_side("feature map", out_hw)
    mask = None
    if any(pads):
        mask = np.ones(padded.shape, dtype=bool)
        mask[pads[0]:pads[0] + x.shape[0], pads[2]:pads[2] + x.shape[1]] = False
    result = run_pipeline(x, [k], conv, activation, pool, precision="exact")
    feature = np.asarray(result.feature)[0]
    in_title = f"Input {x.shape[0]}×{x.shape[1]}" + (" (padding shaded)" if any(pads) else "")
    stages = [SheetStage(
        "feature map", f"Fill in the {out_hw[0]}×{out_hw[1]} feature map.",
        _grid(f"Feature map {out_hw[0]}×{out_hw[1]}", feature),
        tuple(((i, j), conv_step(x, k, conv, i, j).arithmetic()) for i, j in chosen_cells(out_hw, max_key_cells)),
        out_hw[0] * out_hw[1] > max_key_cells)]
    pooled_from = "feature map"
    if result.activation != "none":
        name = ACTIVATION_NAMES.get(result.activation, result.activation)
        activated = np.asarray(result.activated)[0]
        cells = chosen_cells(out_hw, max_key_cells)
        stages.append(SheetStage(
            f"{name} map", f"Apply {name} to every cell of the feature map.",
            _grid(f"{name} map {out_hw[0]}×{out_hw[1]}", activated),
            tuple(((i, j), f"{name}({number(feature[i, j])}) = {number(activated[i, j])}") for i, j in cells),
            out_hw[0] * out_hw[1] > max_key_cells))
        pooled_from = f"{name} map"
    if result.pooled is not None:
        values = np.asarray(result.pooled.values)[0]
        ph, pw = values.shape
        source_map = np.asarray(result.activated)[0]
        cells = chosen_cells((ph, pw), max_key_cells)
        stages.append(SheetStage(
            "pooled map", _pool_words(pool).format(what=pooled_from) + f": fill in the {ph}×{pw} pooled map.",
            _grid(f"{'Max' if pool.mode == 'max' else 'Average'}-pooled map {ph}×{pw}", values),
            tuple(((i, j), pool_step(source_map, pool, i, j).arithmetic(style="operand")) for i, j in cells),
            ph * pw > max_key_cells))
    oh, ow = out_hw
    return Worksheet(
        title=title,
        source=(f"{source} · " if source else "") + settings_text(conv, x.shape, k.shape),
        instructions=_instructions(conv, k.shape),
        input=_grid(in_title, padded, mask),
        kernel=_grid(f"Kernel {k.shape[0]}×{k.shape[1]}", k),
        size_question="What size is the feature map? ____ × ____",
        size_answer=f"{oh}×{ow}: {output_size_formula(x.shape, k.shape, conv)}",
        stages=tuple(stages),
    )


def random_inputs(seed: int, size: int = 5, kernel_size: int = 3, *, low: int = 0, high: int = 9,
                  kernel_low: int = -1, kernel_high: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """A size×size grid of whole numbers in low..high and a kernel_size² kernel in kernel_low..kernel_high,
    the same for the same seed (numpy's PCG64). The kernel never is all zeros."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2 ** 63:
        raise CnnExplorerError(f"--seed: must be a whole number from 0, got {seed!r}")
    if size not in RANDOM_SIZES:
        raise CnnExplorerError(f"--size: a random worksheet grid is 2..{MAX_GRID_SIDE} cells a side, got {size}")
    if not 1 <= kernel_size <= size:
        raise CnnExplorerError(f"--kernel-size: must be 1..{size} (the grid's size), got {kernel_size}")
    if low > high or kernel_low > kernel_high:
        raise CnnExplorerError("random worksheet: each range needs its low end at most its high end")
    rng = np.random.default_rng(int(seed))
    image = rng.integers(low, high, size=(size, size), endpoint=True).astype(np.float64)
    kernel = rng.integers(kernel_low, kernel_high, size=(kernel_size, kernel_size), endpoint=True).astype(np.float64)
    if not kernel.any():
        kernel[kernel_size // 2, kernel_size // 2] = max(1, kernel_high)
    return image, kernel
