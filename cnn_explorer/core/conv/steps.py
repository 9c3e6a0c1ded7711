"""Step traces for the animation: one output cell of a convolution or a pooling at a time.

Computed on demand from the window alone (never all products of an image), always in float64
with the same summation order as the exact path of ``conv2d``, so ``ConvStep.value`` equals
the exact map's cell. Re-exported by ``cnn_explorer.core.conv.convolution``: import from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from cnn_explorer.core.conv.engine import as_image, numeric_array, single_kernel
from cnn_explorer.core.conv.settings import (
    ConvSettings,
    PoolSettings,
    output_shape,
    pool_output_shape,
    resolve_padding,
)
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import MINUS, format_number


def _operand(value: float, style: str = "operand") -> str:
    text = format_number(value, style)
    return f"({text})" if text.startswith(MINUS) else text


def _join_terms(terms: list[str], max_terms: int | None) -> str:
    if max_terms is not None and max_terms > 0 and len(terms) > max_terms:
        head = (max_terms + 1) // 2
        tail = max_terms - head
        terms = terms[:head] + ["…"] + (terms[-tail:] if tail else [])
    return " + ".join(terms)


def _check_cell(i: int, j: int, out_hw) -> None:
    for name, v, n in (("i", i, out_hw[0]), ("j", j, out_hw[1])):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not 0 <= v < n:
            raise CnnExplorerError(f"{name}: output cell index must be in 0..{n - 1}, got {v!r}")


def _source_index(idx: np.ndarray, n: int, mode: str) -> np.ndarray:
    """Input index that a padded coordinate reads under ``mode`` (−1: zero padding)."""
    if mode == "edge":
        return np.clip(idx, 0, n - 1)
    if mode == "reflect":
        if n == 1:
            return np.zeros_like(idx)
        period = 2 * (n - 1)
        m = np.mod(idx, period)
        return np.where(m >= n, period - m, m)
    return np.where((idx >= 0) & (idx < n), idx, -1)


@dataclass(frozen=True, eq=False)
class ConvStep:
    """Output cell (i, j) of one kernel: window, products, sum, divisor, bias and value.

    rows/cols are padded-input coordinates (dilation applied); subtract pads[0]/pads[2] for
    image coordinates. Arrays are (kh, kw) for a grey image, (kh, kw, C) otherwise.
    """

    i: int
    j: int
    rows: np.ndarray
    cols: np.ndarray
    in_padding: np.ndarray
    window: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    total: float
    divisor: int
    bias: float
    value: float
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)

    def arithmetic(self, max_terms: int | None = None) -> str:
        """"18×1 + 54×0 + … = 429"; RGB as "R[…] + G[…] + B[…] = v"; "(…) / 9 = 0.7778"; "… + 1 = 430".

        ``max_terms`` keeps that many products (per channel) and elides the middle with "…".
        """
        win = self.window if self.window.ndim == 3 else self.window[:, :, None]
        ker = self.kernel if self.kernel.ndim == 3 else self.kernel[:, :, None]
        groups = []
        for c in range(win.shape[2]):
            terms = [f"{_operand(a)}×{_operand(b)}" for a, b in zip(win[:, :, c].ravel(), ker[:, :, c].ravel())]
            groups.append(_join_terms(terms, max_terms))
        if len(groups) == 1:
            expr = groups[0]
        else:
            names = ("R", "G", "B") if len(groups) == 3 else tuple(f"c{n + 1}" for n in range(len(groups)))
            expr = " + ".join(f"{name}[{g}]" for name, g in zip(names, groups))
        if self.divisor != 1:
            expr = f"({expr}) / {self.divisor}"
        if self.bias:
            sign = MINUS if self.bias < 0 else "+"
            expr = f"{expr} {sign} {format_number(abs(self.bias))}"
        return f"{expr} = {format_number(self.value)}"


def conv_step(image, kernel, settings: ConvSettings, i: int, j: int) -> ConvStep:
    """The step trace of output cell (i, j) for ONE kernel (kh, kw) or (kh, kw, C)."""
    if not isinstance(settings, ConvSettings):
        raise CnnExplorerError(f"settings: must be ConvSettings, got {type(settings).__name__}")
    x = as_image(image, check_finite=False)  # one step reads one window: scan only that (below)
    H, W, C = x.shape
    w = single_kernel(kernel, C)
    if settings.flip:
        w = w[::-1, ::-1, :]
    kh, kw = w.shape[:2]
    pads = resolve_padding((H, W), (kh, kw), settings)
    _check_cell(i, j, output_shape((H, W), (kh, kw), settings))
    rows = i * settings.stride[0] + np.arange(kh) * settings.dilation[0]
    cols = j * settings.stride[1] + np.arange(kw) * settings.dilation[1]
    src_r = _source_index(rows - pads[0], H, settings.padding_mode)
    src_c = _source_index(cols - pads[2], W, settings.padding_mode)
    rr, cc = np.meshgrid(rows - pads[0], cols - pads[2], indexing="ij")
    in_padding = (rr < 0) | (rr >= H) | (cc < 0) | (cc >= W)
    window = x[np.clip(src_r, 0, H - 1)][:, np.clip(src_c, 0, W - 1)].astype(np.float64)
    window[(src_r[:, None] < 0) | (src_c[None, :] < 0)] = 0.0
    if not np.isfinite(window).all():
        raise CnnExplorerError(f"image: contains NaN or infinity in the window of output cell ({i}, {j})")
    products = window * w
    total = 0.0
    for v in products.transpose(2, 0, 1).ravel():  # the exact path's order: channel, row, col
        total += float(v)
    divisor = kh * kw * C if settings.normalize else 1
    value = total / divisor + settings.bias if divisor != 1 else total + settings.bias
    grey = np.ndim(image) == 2
    shape = (kh, kw) if grey else (kh, kw, C)
    return ConvStep(
        i=int(i), j=int(j), rows=rows, cols=cols, in_padding=in_padding,
        window=window.reshape(shape), kernel=np.ascontiguousarray(w).reshape(shape),
        products=products.reshape(shape), total=total, divisor=divisor, bias=settings.bias,
        value=float(value), pads=pads,
    )


@dataclass(frozen=True, eq=False)
class PoolStep:
    """Output cell (i, j) of a pooling: the window in UNPADDED input coordinates and its winner.

    values: (kh, kw) float, NaN where the cell lies outside the input (in_padding); counted marks
    the cells the avg divisor counts (inside the padded input); winner is (row, col) of the
    maximum (max) or the window's top-left cell inside the input (avg).
    """

    i: int
    j: int
    k: int
    mode: str
    rows: np.ndarray
    cols: np.ndarray
    in_padding: np.ndarray
    counted: np.ndarray
    values: np.ndarray
    winner: tuple[int, int]
    divisor: int
    value: float

    def arithmetic(self, style: str = "operand") -> str:
        """"max(429, 505, 261, 792) = 792" or "(0.1 + 0.2 + 0.1 + 0.3) / 4 = 0.175".

        ``style``: how numbers are written (``core.format``); the animation passes "cell" so the
        arithmetic shows the decimals of the map cells beside it.
        """
        if self.mode == "max":
            real = [format_number(v, style) for v in self.values[~self.in_padding]]
            return f"max({', '.join(real)}) = {format_number(self.value, style)}"
        cells = np.where(self.in_padding, 0.0, np.nan_to_num(self.values))[self.counted]
        terms = " + ".join(_operand(v, style) for v in cells)
        return f"({terms}) / {self.divisor} = {format_number(self.value, style)}"


def pool_step(x, settings: PoolSettings, i: int, j: int, k: int = 0) -> PoolStep:
    """The step trace of pooled cell (i, j) of map k of an (H, W) or (K, H, W) input."""
    if not isinstance(settings, PoolSettings):
        raise CnnExplorerError(f"pool: settings must be PoolSettings, got {type(settings).__name__}")
    arr = numeric_array(x, "pool input", (2, 3), check_finite=False)  # only the window is scanned (below)
    maps = arr[None] if arr.ndim == 2 else arr
    if not 0 <= k < maps.shape[0]:
        raise CnnExplorerError(f"k: map index must be in 0..{maps.shape[0] - 1}, got {k}")
    m = maps[k]
    H, W = m.shape
    out_hw = pool_output_shape((H, W), settings)
    _check_cell(i, j, out_hw)
    (kh, kw), (sh, sw), (ph, pw) = settings.size, settings.stride, settings.padding
    rows = i * sh - ph + np.arange(kh)
    cols = j * sw - pw + np.arange(kw)
    inside_r, inside_c = (rows >= 0) & (rows < H), (cols >= 0) & (cols < W)
    in_padding = ~(inside_r[:, None] & inside_c[None, :])
    counted = (rows < H + ph)[:, None] & (cols < W + pw)[None, :]
    values = np.full((kh, kw), np.nan)
    values[np.ix_(inside_r, inside_c)] = m[np.ix_(rows[inside_r], cols[inside_c])]
    if np.isinf(values).any() or np.isnan(values[~in_padding]).any():
        raise CnnExplorerError(f"pool input: contains NaN or infinity in the window of pooled cell ({i}, {j})")
    divisor = int(counted.sum())
    if settings.mode == "max":
        flat = np.where(in_padding, -np.inf, values).ravel()
        n = int(np.argmax(flat))
        winner = (int(rows[n // kw]), int(cols[n % kw]))
        value = float(flat[n])
    else:
        winner = (int(rows[inside_r][0]), int(cols[inside_c][0]))
        value = float(np.where(in_padding, 0.0, values).sum() / divisor)
    return PoolStep(i=int(i), j=int(j), k=int(k), mode=settings.mode, rows=rows, cols=cols,
                    in_padding=in_padding, counted=counted, values=values, winner=winner,
                    divisor=divisor, value=value)


def iter_steps(out_shape) -> Iterator[tuple[int, int]]:
    """Output cells (i, j) in row-major order over the last two dimensions of ``out_shape``."""
    oh, ow = (int(v) for v in tuple(out_shape)[-2:])
    for i in range(oh):
        for j in range(ow):
            yield i, j
