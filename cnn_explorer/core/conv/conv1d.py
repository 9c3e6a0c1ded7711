"""1-D convolution as deck 004 teaches it: a row of numbers, one or two small filters, stride and padding.

A 1-D convolution is the 2-D one on a grid of one row: the row is a 1×N image, a filter of size
f a 1×f kernel, stride s is (1, s) and padding p ring columns (0, 0, p, p). This module reads the
row and the filters, checks they fit, and runs the 2-D engine (``conv2d`` and ``conv_step``, exact
float64) on that grid, so every number the demo shows is the engine's own; a test compares it with
``torch.nn.functional.conv1d``. Cross-correlation (no flip), as in the slides and every framework.

Output length: ⌊(n + 2p − f)/s⌋ + 1. Indices: ``padded`` positions count from the left end of the
padded row (0 .. n + 2p − 1); the row's own cells are padded positions p .. p + n − 1.

"Which input answers most" (the slide: ``y = w1·x1 + w2·x2`` with w = (1, −1) is largest for
(x1, x2) = (1, 0)): over inputs whose numbers lie between the row's smallest and largest value, a
sum of products is largest when every input under a positive weight is as large as it can be and
every input under a negative weight as small as it can be (a weight of 0 does not care; we take
the smallest). ``best_input`` gives that input and its output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnn_explorer.core.conv.convolution import ConvSettings, conv2d, conv_step
from cnn_explorer.core.conv.sizes import conv_size
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import MINUS, format_number

#: the longest row and the largest filter the demo takes
MAX_ROW = 64
MAX_FILTER = 9
MAX_STRIDE = 9
MAX_PADDING = 9
#: the largest |number| in a row or a filter (the sums stay exact in float64)
MAX_ABS = 1e6
#: the slide's example (deck 004): a row of 0/1 cells and the filter (1, −1); the second filter (−1, 1)
DEFAULT_ROW = (0.0, 1.0, 1.0, 0.0, 1.0, 0.0)
DEFAULT_FILTER = (1.0, -1.0)
DEFAULT_SECOND_FILTER = (-1.0, 1.0)


def parse_numbers(text: str, what: str, minimum: int, maximum: int) -> tuple[float, ...]:
    """"0 1 1 0", "0,1,1,0" or "0; 1" -> (0.0, 1.0, 1.0, 0.0); CnnExplorerError saying what is wrong."""
    words = str(text).replace(",", " ").replace(";", " ").replace(MINUS, "-").split()
    values = []
    for word in words:
        try:
            value = float(word)
        except ValueError:
            raise CnnExplorerError(f"{what}: {word!r} is not a number; write numbers separated by spaces or "
                                   "commas, as 1 -1") from None
        if not np.isfinite(value) or abs(value) > MAX_ABS:
            raise CnnExplorerError(f"{what}: {word!r} is too large; use numbers within ±{MAX_ABS:,.0f}")
        values.append(value)
    if not minimum <= len(values) <= maximum:
        count = "one number" if minimum == maximum == 1 else f"{minimum} to {maximum} numbers"
        raise CnnExplorerError(f"{what}: write {count}, got {len(values)}")
    return tuple(values)


def _checked(values, what: str, maximum: int) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if not 1 <= arr.size <= maximum:
        raise CnnExplorerError(f"{what}: give 1 to {maximum} numbers, got {arr.size}")
    if not np.isfinite(arr).all() or (np.abs(arr) > MAX_ABS).any():
        raise CnnExplorerError(f"{what}: use finite numbers within ±{MAX_ABS:,.0f}")
    return arr


def _whole(value, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or int(value) != value or not low <= int(value) <= high:
        raise CnnExplorerError(f"{what}: use a whole number from {low} to {high}, got {value!r}")
    return int(value)


@dataclass(frozen=True, eq=False)
class Conv1dStep:
    """One output cell ``j`` of filter ``k``: the window (padded positions), its numbers, products and sum."""

    k: int
    j: int
    positions: np.ndarray
    in_padding: np.ndarray
    window: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    value: float

    def arithmetic(self) -> str:
        """"0×1 + 1×(−1) = −1": every product, in the window's order."""
        terms = [f"{_operand(x)}×{_operand(w)}" for x, w in zip(self.window, self.weights)]
        return f"{' + '.join(terms)} = {format_number(self.value)}"


@dataclass(frozen=True, eq=False)
class BestInput:
    """The input (between ``low`` and ``high``) a filter answers most to, its output, and why."""

    weights: tuple[float, ...]
    low: float
    high: float
    values: tuple[float, ...]
    output: float

    def pair_text(self) -> str:
        """"(1, 0)"."""
        return "(" + ", ".join(format_number(v) for v in self.values) + ")"

    def formula(self) -> str:
        """"y = 1·x1 − 1·x2"."""
        parts = []
        for n, w in enumerate(self.weights, start=1):
            sign = MINUS if w < 0 else "+"
            text = f"{format_number(abs(w))}·x{n}"
            parts.append(text if n == 1 and w >= 0 else f"{MINUS}{text}" if n == 1 else f"{sign} {text}")
        return "y = " + " ".join(parts)

    def why(self) -> str:
        """One sentence: which inputs the positive and the negative weights want, and the output they give."""
        pos = [f"x{n}" for n, w in enumerate(self.weights, start=1) if w > 0]
        neg = [f"x{n}" for n, w in enumerate(self.weights, start=1) if w < 0]
        hi, lo = format_number(self.high), format_number(self.low)
        said = []
        if pos:
            said.append(f"a positive weight wants {_names(pos)} as large as the row allows ({hi})")
        if neg:
            said.append(f"a negative weight wants {_names(neg)} as small as the row allows ({lo})")
        if not said:
            return "Every weight is 0: the output is 0 whatever the input."
        text = "; ".join(said)
        return f"{text[0].upper()}{text[1:]}: {self.formula()} = {format_number(self.output)} at {self.pair_text()}."


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _operand(value: float) -> str:
    text = format_number(value)
    return f"({text})" if text.startswith(MINUS) else text


def best_input(weights, low: float = 0.0, high: float = 1.0) -> BestInput:
    """The input with numbers in [low, high] that gives the largest output ``Σ w·x`` (the slide's (1, 0))."""
    w = _checked(weights, "filter", MAX_FILTER)
    if not low <= high:
        raise CnnExplorerError(f"best input: the lowest value {low} is above the highest {high}")
    values = np.where(w > 0, high, low)
    total = 0.0
    for a, b in zip(values.tolist(), w.tolist()):
        total += a * b
    return BestInput(tuple(w.tolist()), float(low), float(high), tuple(float(v) for v in values), float(total))


@dataclass(frozen=True, eq=False)
class Conv1d:
    """A row, its filters (1 or 2, the same size), stride and padding: the outputs and each step.

    ``outputs``: (K, n_out) float64. ``padded``: the row with ``padding`` zeros at both ends.
    """

    row: np.ndarray
    filters: tuple[np.ndarray, ...]
    stride: int
    padding: int
    outputs: np.ndarray

    @property
    def size(self) -> int:
        """The filters' size f."""
        return int(self.filters[0].size)

    @property
    def length(self) -> int:
        """The output length ⌊(n + 2p − f)/s⌋ + 1."""
        return int(self.outputs.shape[1])

    @property
    def padded(self) -> np.ndarray:
        return np.pad(self.row, self.padding)

    def size_formula(self) -> str:
        """"⌊(6 + 2·1 − 2)/2⌋ + 1 = 4"."""
        return (f"⌊({self.row.size} + 2·{self.padding} {MINUS} {self.size})/{self.stride}⌋ + 1 = "
                f"{self.length}")

    def step(self, j: int, k: int = 0) -> Conv1dStep:
        """Output cell ``j`` of filter ``k``, computed by the 2-D engine's step trace on the 1-row grid."""
        if not 0 <= k < len(self.filters):
            raise CnnExplorerError(f"filter: {k + 1} is not one of the {len(self.filters)} filter(s)")
        if not 0 <= j < self.length:
            raise CnnExplorerError(f"output cell: use 0 to {self.length - 1}, got {j}")
        s = conv_step(self.row[None, :], self.filters[k][None, :], _settings(self.stride, self.padding), 0, int(j))
        return Conv1dStep(k=k, j=int(j), positions=s.cols.copy(), in_padding=s.in_padding[0].copy(),
                          window=s.window[0].copy(), weights=s.kernel[0].copy(), products=s.products[0].copy(),
                          value=s.value)

    def best_cell(self, k: int = 0) -> int:
        """The output cell with the largest value for filter ``k`` (the first one on a tie)."""
        return int(np.argmax(self.outputs[k]))

    def best_input(self, k: int = 0) -> BestInput:
        """What filter ``k`` answers most to, among inputs between the padded row's smallest and largest number."""
        padded = self.padded                    # padding zeros are numbers the filter sees too
        return best_input(self.filters[k], float(padded.min()), float(padded.max()))


def _settings(stride: int, padding: int) -> ConvSettings:
    return ConvSettings(stride=(1, stride), padding=(0, 0, padding, padding))


def conv1d(row, filters, stride: int = 1, padding: int = 0) -> Conv1d:
    """Slide each filter along ``row`` (1-D numbers); ``filters`` is one filter or a sequence of 1 or 2.

    CnnExplorerError, in words a user can act on, for a filter that does not fit the padded row,
    filters of different sizes, or a bad stride or padding.
    """
    x = _checked(row, "row", MAX_ROW)
    if isinstance(filters, np.ndarray) and filters.ndim == 1:
        stack = [filters]
    else:
        stack = list(filters)
        if stack and all(np.ndim(v) == 0 for v in stack):
            stack = [stack]
    if not 1 <= len(stack) <= 2:
        raise CnnExplorerError(f"filters: give one or two filters, got {len(stack)}")
    ws = tuple(_checked(f, "filter" if n == 0 else "filter 2", MAX_FILTER) for n, f in enumerate(stack))
    if len(ws) == 2 and ws[0].size != ws[1].size:
        raise CnnExplorerError(f"filter 2: give it as many numbers as filter 1 ({ws[0].size}), got {ws[1].size}: "
                               "the filters of one layer have the same size")
    s = _whole(stride, "stride", 1, MAX_STRIDE)
    p = _whole(padding, "padding", 0, MAX_PADDING)
    f = ws[0].size
    if conv_size(x.size, f, s, 2 * p) < 1:
        raise CnnExplorerError(f"the filter of {f} does not fit: the row has {x.size} number(s) and {2 * p} "
                               "of padding; use a shorter filter, more padding or a longer row")
    result = conv2d(x[None, :], np.stack([w[None, :] for w in ws]), _settings(s, p), precision="exact")
    outputs = np.ascontiguousarray(result.maps[:, 0, :])
    for arr in (x, outputs, *ws):
        arr.setflags(write=False)
    return Conv1d(row=x, filters=ws, stride=s, padding=p, outputs=outputs)


def _cells(values) -> str:
    return " ".join(format_number(float(v), "cell") for v in values)


def conv1d_numbers(params) -> dict[str, str]:
    """The ``{demo.KEY}`` texts of the conv-1d demo for its parameters (row, filter, filter2, stride, padding).

    ``out`` (the first filter's output row), ``out[J]``, ``arith[J]`` (its worked sum), ``out2`` …
    for a second filter, ``length`` and ``size`` (the output length and its formula), ``best`` (the
    input the first filter answers most to, "(1, 0)"), ``best.value``, ``best.why``, ``best.cell``
    and ``best.window`` (where in the row the output is largest, and the numbers under the filter
    there), ``padded`` (the row with its padding), and ``best2…`` for a second filter.
    """
    filters = [params["filter"]] + ([params["filter2"]] if params.get("filter2") else [])
    c = conv1d(params["row"], filters, int(params["stride"]), int(params["padding"]))
    out = {"length": str(c.length), "size": c.size_formula(), "padded": _cells(c.padded),
           "row": _cells(c.row)}
    for k in range(len(c.filters)):
        tag = "" if k == 0 else str(k + 1)
        out[f"out{tag}"] = _cells(c.outputs[k])
        for j in range(c.length):
            step = c.step(j, k)
            out[f"out{tag}[{j}]"] = format_number(step.value, "cell")
            out[f"arith{tag}[{j}]"] = step.arithmetic()
        best = c.best_input(k)
        cell = c.best_cell(k)
        out[f"best{tag}"] = best.pair_text()
        out[f"best{tag}.value"] = format_number(best.output)
        out[f"best{tag}.why"] = best.why()
        out[f"best{tag}.cell"] = str(cell)
        out[f"best{tag}.window"] = "(" + ", ".join(format_number(v) for v in c.step(cell, k).window) + ")"
        out[f"best{tag}.output"] = format_number(float(c.outputs[k, cell]), "cell")
    return out
