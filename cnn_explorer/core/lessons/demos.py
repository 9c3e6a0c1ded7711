"""The demos a lesson step can open (``@demo NAME key=value …``): their names, parameters and numbers.

A demo is an interactive page beside the Explorer (the window's Demos tab and menu): learning a
kernel, the 1-D convolution, pooling's invariance, why convolution, the column-swap rule, …
Core knows each demo by name, which parameters it takes (each with a reader that checks its
value and a default) and the numbers a lesson's text may quote as ``{demo.KEY}``, computed
here, without Qt; ``ui.demos`` builds the widgets. A demo added to the app is added to
``DEMOS`` (its ``numbers`` from the core module that does its maths).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number


@dataclass(frozen=True)
class DemoParam:
    """One parameter: ``read(text)`` gives its value or raises CnnExplorerError; ``default`` when not given."""

    name: str
    read: Callable[[str], object]
    default: object
    help: str = ""


@dataclass(frozen=True)
class DemoInfo:
    """A demo: ``name`` (as lessons write it), ``title`` and ``group`` (the Demos menu), ``summary`` (one line).

    ``numbers(params)`` gives the ``{demo.KEY}`` texts for the given parameters (all of them resolved).
    """

    name: str
    title: str
    group: str
    summary: str
    params: tuple[DemoParam, ...] = ()
    numbers: Callable[[Mapping[str, object]], Mapping[str, str]] | None = None

    def param(self, name: str) -> DemoParam:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise CnnExplorerError(f"demo {self.name!r} has no parameter {name!r}; its parameters: {known}")

    def defaults(self) -> dict[str, object]:
        return {p.name: p.default for p in self.params}


@dataclass(frozen=True)
class DemoRef:
    """What a lesson step opens: demo ``name`` with every parameter resolved (defaults filled in)."""

    name: str
    params: tuple[tuple[str, object], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        return dict(self.params)

    def numbers(self) -> Mapping[str, str]:
        info = demo_info(self.name)
        return info.numbers(self.as_dict()) if info.numbers is not None else {}


# ------------------------------------------------------------------ readers for parameters
def read_int(minimum: int, maximum: int) -> Callable[[str], int]:
    def read(text: str) -> int:
        t = text.strip()
        if not t.lstrip("-").isdigit() or not minimum <= int(t) <= maximum:
            raise CnnExplorerError(f"use a whole number from {minimum} to {maximum}, got {text!r}")
        return int(t)
    return read


def read_float(minimum: float, maximum: float) -> Callable[[str], float]:
    def read(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = float("nan")
        if not minimum <= value <= maximum:        # also refuses nan
            raise CnnExplorerError(f"use a number from {format_number(minimum)} to {format_number(maximum)}, "
                                   f"got {text!r}")
        return value
    return read


def read_choice(*choices: str) -> Callable[[str], str]:
    def read(text: str) -> str:
        t = text.strip().lower()
        if t not in choices:
            raise CnnExplorerError(f"use one of {', '.join(choices)}, got {text!r}")
        return t
    return read


def read_numbers(minimum_count: int = 1, maximum_count: int = 64) -> Callable[[str], tuple[float, ...]]:
    """"1,0,-1" -> (1.0, 0.0, -1.0): numbers separated by commas (no spaces inside a directive's value)."""
    def read(text: str) -> tuple[float, ...]:
        try:
            values = tuple(float(v) for v in text.strip().split(",") if v.strip())
        except ValueError:
            raise CnnExplorerError(f"write numbers separated by commas, as 1,0,-1; got {text!r}") from None
        if not minimum_count <= len(values) <= maximum_count or any(v != v or abs(v) > 1e6 for v in values):
            raise CnnExplorerError(f"write {minimum_count} to {maximum_count} numbers (each within ±1,000,000) "
                                   f"separated by commas; got {text!r}")
        return values
    return read


# ------------------------------------------------------------------ the registry
#: the Demos menu's topics, in the order the decks teach them
GROUPS = ("Convolution", "Pooling", "Training")


def group_rank(group: str) -> int:
    """Where topic ``group`` comes in the Demos menu (a topic not in GROUPS comes last)."""
    return GROUPS.index(group) if group in GROUPS else len(GROUPS)


#: every demo by name, in the Demos menu's order; each demo's module adds its entry below
DEMOS: dict[str, DemoInfo] = {}


def register(info: DemoInfo) -> DemoInfo:
    if info.name in DEMOS:
        raise ValueError(f"demo {info.name!r} registered twice")
    DEMOS[info.name] = info
    return info


def demo_info(name: str) -> DemoInfo:
    """The demo ``name`` (CnnExplorerError listing the demos there are)."""
    key = name.strip().lower()
    if key not in DEMOS:
        raise CnnExplorerError(f"unknown demo {name.strip()!r}; the demos: {', '.join(DEMOS) or 'none'}")
    return DEMOS[key]


def parse_demo(text: str) -> DemoRef:
    """``"learn-kernel lr=0.1 steps=3"`` -> DemoRef with every parameter (CnnExplorerError naming the bad one)."""
    words = text.split()
    if not words:
        raise CnnExplorerError(f"name the demo, as @demo why-convolution; the demos: {', '.join(DEMOS)}")
    info = demo_info(words[0])
    values = info.defaults()
    for token in words[1:]:
        key, eq, value = token.partition("=")
        if not eq or not value:
            raise CnnExplorerError(f"write the demo's parameters as key=value, got {token!r}")
        param = info.param(key.strip().lower().replace("_", "-"))
        try:
            values[param.name] = param.read(value)
        except CnnExplorerError as exc:
            raise CnnExplorerError(f"{param.name}: {exc}") from None
    return DemoRef(info.name, tuple(values.items()))


def demo_placeholder(ref: DemoRef | None, key: str) -> str:
    """The text of ``{demo.KEY}`` for the step's demo."""
    if ref is None:
        raise CnnExplorerError(f"{{demo.{key}}}: the step has no @demo")
    numbers = ref.numbers()
    if key not in numbers:
        raise CnnExplorerError(f"{{demo.{key}}}: the demo {ref.name!r} gives "
                               f"{', '.join('demo.' + k for k in numbers) or 'no numbers'}")
    return numbers[key]


def _register_all() -> None:
    # imported here, not at the top: each demo's maths lives in its own core module
    from cnn_explorer.core.model.why_convolution import why_convolution_numbers

    register(DemoInfo(
        "why-convolution", "Why convolution: weights of a dense layer and a conv layer", "Convolution",
        "A dense layer on a 256×256×3 picture against a convolution layer of the same depth: their weights",
        params=(DemoParam("height", read_int(1, 4096), 256, "the picture's height"),
                DemoParam("width", read_int(1, 4096), 256, "the picture's width"),
                DemoParam("channels", read_int(1, 64), 3, "the picture's channels"),
                DemoParam("units", read_int(1, 100_000), 1000, "the dense layer's outputs, the conv layer's filters"),
                DemoParam("kernel", read_int(1, 15), 3, "the conv filters' size")),
        numbers=why_convolution_numbers))
    _register_training_demos()


def _register_training_demos() -> None:
    """The X/O vote, fitting 10 = 3a + b, activations and costs (decks 003 and 004)."""
    from cnn_explorer.core.train.costs import (
        DEFAULT_LOGITS,
        DEFAULT_PREDICTION,
        DEFAULT_TARGET,
        DEFAULT_X,
        activations_numbers,
    )
    from cnn_explorer.core.train.line_fit import (
        DEFAULT_LR,
        DEFAULT_START,
        DEFAULT_STEPS,
        fit_line_numbers,
    )

    register(DemoInfo(
        "fit-line", "Fitting 10 = 3a + b: guesses, two equations, gradient descent", "Training",
        "Guess a and b, solve 5 = 2a + b and 9 = 4a + b, then let gradient descent find a and b step by step",
        params=(DemoParam("a", read_float(-100, 100), 2.0, "the guess for a"),
                DemoParam("b", read_float(-100, 100), 4.0, "the guess for b"),
                DemoParam("lr", read_float(0.0001, 1), DEFAULT_LR, "gradient descent's learning rate"),
                DemoParam("steps", read_int(0, 10_000), DEFAULT_STEPS, "gradient descent's steps for the numbers"),
                DemoParam("start-a", read_float(-100, 100), DEFAULT_START[0], "where gradient descent starts: a"),
                DemoParam("start-b", read_float(-100, 100), DEFAULT_START[1], "where gradient descent starts: b")),
        numbers=fit_line_numbers))
    register(DemoInfo(
        "activations", "Activations and costs: sigmoid, tanh, ReLU, softmax, MSE, cross-entropy", "Training",
        "Move x along sigmoid, tanh and ReLU; edit logits for softmax; and compare the four costs of a prediction",
        params=(DemoParam("x", read_float(-6, 6), DEFAULT_X, "the point the activations are read at"),
                DemoParam("logits", read_numbers(2, 8), DEFAULT_LOGITS, "softmax's inputs, as 2,1,0.1"),
                DemoParam("prediction", read_numbers(1, 8), DEFAULT_PREDICTION, "the network's output, as 0.7,0.2,0.1"),
                DemoParam("target", read_numbers(1, 8), DEFAULT_TARGET, "the right answer, as 1,0,0")),
        numbers=activations_numbers))

    from cnn_explorer.core.conv import conv1d as c1

    def read_second_filter(text: str) -> tuple[float, ...]:
        if text.strip().lower() in ("none", "no", "off"):
            return ()
        return read_numbers(1, c1.MAX_FILTER)(text)

    register(DemoInfo(
        "conv-1d", "1-D convolution: a filter slides along a row", "Convolution",
        "A row of numbers, a filter of 2 (or any size to 9), stride and padding: the window moves along the row, "
        "each step multiplies and adds, the output row fills in; which input a filter answers most",
        params=(DemoParam("row", read_numbers(1, c1.MAX_ROW), c1.DEFAULT_ROW, "the row of numbers, as 0,1,1,0,1,0"),
                DemoParam("filter", read_numbers(1, c1.MAX_FILTER), c1.DEFAULT_FILTER,
                          "the (first) filter's weights, as 1,-1"),
                DemoParam("filter2", read_second_filter, (),
                          "a second filter of the same size, as -1,1 (none: one filter)"),
                DemoParam("stride", read_int(1, c1.MAX_STRIDE), 2, "how far the window moves each step"),
                DemoParam("padding", read_int(0, c1.MAX_PADDING), 0, "zeros added at each end of the row")),
        numbers=c1.conv1d_numbers))
    from cnn_explorer.core.train import learn_kernel as lk

    register(DemoInfo(
        "learn-kernel", "Learning a kernel, one step", "Training",
        "A kernel learns a target map by gradient descent: the loss, its gradient as a convolution of the input "
        "with dL/dy, and w ← w − lr·g, step by step until it is the target's kernel",
        params=(DemoParam("input", read_choice(*lk.INPUTS), "x", "the input grid: " + ", ".join(lk.INPUTS)),
                DemoParam("target", read_choice(*lk.TARGETS), "diagonal",
                          "the hidden kernel that makes the target map: " + ", ".join(lk.TARGETS)),
                DemoParam("start", read_choice(*lk.STARTS), "zeros", "the first kernel: zeros or random"),
                DemoParam("seed", read_int(0, 1_000_000), 0, "the random start's seed"),
                DemoParam("lr", read_float(0.0001, 10.0), lk.DEFAULT_RATE, "the learning rate"),
                DemoParam("steps", read_int(0, lk.MAX_OPEN_STEPS), 0,
                          "steps already taken when the demo opens"),
                DemoParam("stride", read_int(1, 3), 1, "the convolution's stride"),
                DemoParam("padding", read_choice(*lk.PADDINGS), "valid", "valid, same or cells of zeros per side")),
        numbers=lk.learn_kernel_numbers))
    from cnn_explorer.core.conv.invariance import MAX_AMOUNT, TRANSFORMS
    from cnn_explorer.core.kernels.xo_invariance import FEATURES, invariance_numbers

    register(DemoInfo(
        "pooling-invariance", "Pooling gives some invariance: shift or turn the X", "Pooling",
        "The X shifted by a pixel or turned a little: how many cells of the convolution maps and of the "
        "max-pooled maps change, and by how much",
        params=(DemoParam("transform", read_choice(*TRANSFORMS), "shift-right",
                          "shift-right, shift-left, shift-up, shift-down or rotate (15° steps, nearest pixel)"),
                DemoParam("feature", read_choice(*FEATURES), "diagonal", "the slide's feature: diagonal, x or "
                          "anti-diagonal"),
                DemoParam("amount", read_int(-MAX_AMOUNT, MAX_AMOUNT), 1,
                          "pixels to shift, or 15° steps to turn counter-clockwise (negative: the other way)")),
        numbers=invariance_numbers))

    from cnn_explorer.core.train.dense_vote import xo_vote_numbers
    from cnn_explorer.core.train.xo_training import DEFAULT_EPOCHS, MAX_EPOCHS

    register(DemoInfo(
        "xo-vote", "The X/O vote: train the net, draw, and watch the dense layer vote", "Training",
        "Train the slides' X/O net (xo-tiny) here, draw an X or an O, and see the fully connected layer add up "
        "the pooled maps' votes for each class",
        params=(DemoParam("epochs", read_int(1, MAX_EPOCHS), DEFAULT_EPOCHS, "training epochs (the recipe's: 10)"),
                DemoParam("seed", read_int(0, 1_000_000), 0, "the seed of the first weights and the batches' order")),
        numbers=xo_vote_numbers))

    register(DemoInfo(
        "column-swap", "The column-swap rule: a CNN needs neighbours, a dense net does not care", "Training",
        "Shuffle the X/O pictures' pixels with one fixed permutation, train a small CNN and a dense net on the "
        "original and the shuffled pictures, and compare their test accuracies",
        params=(DemoParam("seed", read_int(0, 1_000_000), 0, "the seed of the pictures, the shuffle, the "
                          "starting weights and the batch order"),
                DemoParam("epochs", read_int(1, 500), 30, "passes over the 60 training pictures, each run"),
                DemoParam("shuffle", read_choice("pixels", "columns"), "pixels",
                          "pixels: any pixel to any place (every pixel a column of the data table); columns: "
                          "whole picture columns")),
        numbers=_column_swap_numbers))


def _column_swap_numbers(params: Mapping[str, object]) -> Mapping[str, str]:
    # torch and the X/O generator load only when a lesson quotes these numbers (trains 4 small runs once)
    from cnn_explorer.core.train.column_swap import column_swap_numbers

    return column_swap_numbers(params)


_register_all()
