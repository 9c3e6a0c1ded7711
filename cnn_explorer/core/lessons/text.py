"""A step's text: placeholders filled with numbers core computed, and the light markup shown as HTML.

Placeholders (rows and columns count from 0, as the grids label them; ``map2``, ``pool2`` … name the second kernel's maps):

==========================  =======================================================
``{map}``                    the feature map, rows separated by " / "
``{map[R,C]}``               one cell of it; ``{act[R,C]}`` after the activation
``{map.row[R]}``             one row; ``{map.shape}`` its size ("4×4")
``{pool}`` ``{pool[R,C]}``   the pooled map (also ``.row[R]``, ``.shape``)
``{flat}``                   the pooled map flattened into one row
``{arith[R,C]}``             the worked sum of a feature-map cell (``{poolarith[R,C]}`` for pooling)
``{input.shape}``            the input's size; ``{kernel.shape}``, ``{kernel.count}`` (numbers in one kernel)
``{stack.shape}``            the output stack: height × width × kernels
``{model.params}``           the model's parameters (also ``.weights``, ``.biases``, ``.output``)
``{model.layer[N].params}``  one layer's parameters (also ``.shape``)
``{size n=7 f=3 p=1 s=1}``   the output-size formula worked out: ⌊(7 + 2·1 − 3)/1⌋ + 1 = 7
``{slide}`` ``{right}``      the step's erratum: what the slide prints, what core computes
``{answer}``                 the step's question's answer
``{demo.KEY}``                 a number of the step's demo (``core.lessons.demos``: each demo names its keys)
==========================  =======================================================

Markup: ``*emphasis*``, ``**strong**``, and ```formula``` (``floor(…)`` becomes ⌊…⌋, ``*`` ·, ``-`` −).
"""

from __future__ import annotations

import html
import re

import numpy as np

from cnn_explorer.core.conv.sizes import conv_size
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import MINUS, format_number
from cnn_explorer.core.lessons.compute import arithmetic_at
from cnn_explorer.core.lessons.demos import demo_placeholder
from cnn_explorer.core.lessons.parse import LessonError
from cnn_explorer.core.lessons.state import Target
from cnn_explorer.core.model.shapes import shape_text

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_INDEXED = re.compile(r"^(map|act|pool|arith|poolarith)(\d*)(?:\[(\d+),\s*(\d+)\])?(?:\.(row)\[(\d+)\]|\.(shape))?$")
_MODEL = re.compile(r"^model(?:\.layer\[(\d+)\])?\.(params|weights|biases|output|shape)$")


def cell(value: float) -> str:
    """A number as the map cells show it."""
    return format_number(float(value), "cell")


def grid_text(values: np.ndarray) -> str:
    """"792 856 / 913 851" (rows separated by " / ")."""
    values = np.atleast_2d(values)
    return " / ".join(" ".join(cell(v) for v in row) for row in values)


def size_formula(n: int, f: int, p: int, s: int) -> str:
    """"⌊(7 + 2·1 − 3)/1⌋ + 1 = 7", computed by ``core.conv.sizes.conv_size``."""
    out = conv_size(n, f, s, 2 * p)
    if out < 1:
        raise CnnExplorerError(f"size: a {f}-wide filter does not fit in {n} with padding {p}")
    return f"⌊({n} + 2·{p} {MINUS} {f})/{s}⌋ + 1 = {out}"


def _size(expr: str) -> str:
    parts = dict(item.split("=", 1) for item in expr.split()[1:] if "=" in item)
    try:
        n, f = int(parts["n"]), int(parts["f"])
        p, s = int(parts.get("p", 0)), int(parts.get("s", 1))
    except (KeyError, ValueError):
        raise CnnExplorerError("{size ...}: write {size n=7 f=3 p=1 s=1} (whole numbers; p and s optional)") from None
    if n < 1 or f < 1 or p < 0 or s < 1:
        raise CnnExplorerError("{size ...}: n, f and s must be at least 1, p at least 0")
    return size_formula(n, f, p, s)


def _maps(result, name: str) -> np.ndarray:
    if result is None:
        raise CnnExplorerError(f"{{{name}}} needs an input the lesson knows, not the user's drawing")
    if name in ("pool", "poolarith"):
        if result.pooled is None:
            raise CnnExplorerError(f"{{{name}}}: the step has no pooling")
        return np.asarray(result.pooled.values)
    return np.asarray(result.activated if name == "act" else result.feature)


def placeholder(expr: str, state, result) -> str:
    """The text of one placeholder (``expr`` without braces) for this step."""
    expr = expr.strip()
    if expr.startswith("size ") or expr == "size":
        return _size(expr)
    if expr in ("slide", "right"):
        if state.erratum is None:
            raise CnnExplorerError(f"{{{expr}}}: the step has no @show-both erratum")
        return cell(state.erratum.slide if expr == "slide" else state.erratum.right)
    if expr == "answer":
        if state.question is None:
            raise CnnExplorerError("{answer}: the step has no question")
        return cell(state.question.answer)
    if expr.startswith("model"):
        return _model(expr, state)
    if expr.startswith("demo."):
        return demo_placeholder(state.demo, expr[len("demo."):])
    if expr == "flat":
        maps = _maps(result, "pool" if result is not None and result.pooled is not None else "act")
        return " ".join(cell(v) for v in maps[0].ravel())
    if expr in ("input.shape", "kernel.shape", "kernel.count", "stack.shape"):
        return _shapes(expr, state, result)
    match = _INDEXED.match(expr)
    if not match:
        raise CnnExplorerError(f"unknown placeholder {{{expr}}}; see FORMAT.md for {{map[R,C]}}, {{pool}}, "
                               "{size n= f= p= s=} and the others")
    name, k_text, r, c, row_word, row_n, shape_word = match.groups()
    maps = _maps(result, name)
    k = int(k_text) - 1 if k_text else 0
    if not 0 <= k < maps.shape[0]:
        raise CnnExplorerError(f"{{{expr}}}: the step has {maps.shape[0]} kernel(s)")
    m = maps[k]
    if shape_word:
        return "×".join(str(v) for v in m.shape)
    if row_word:
        i = int(row_n)
        if not 0 <= i < m.shape[0]:
            raise CnnExplorerError(f"{{{expr}}}: row {row_n} is outside the {m.shape[0]}×{m.shape[1]} map")
        return " ".join(cell(v) for v in m[i])
    if r is None:
        if name in ("arith", "poolarith"):
            raise CnnExplorerError(f"{{{expr}}}: say which cell, as {{{name}[1,1]}}")
        return grid_text(m)
    i, j = int(r), int(c)
    if not (0 <= i < m.shape[0] and 0 <= j < m.shape[1]):
        raise CnnExplorerError(f"{{{expr}}}: cell {r},{c} is outside the {m.shape[0]}×{m.shape[1]} map")
    if name in ("arith", "poolarith"):
        return arithmetic_at(result, state, Target("pool" if name == "poolarith" else "conv", k, i, j))
    return cell(m[i, j])


def _shapes(expr: str, state, result) -> str:
    if expr == "input.shape":
        if state.image is None:
            raise CnnExplorerError("{input.shape}: the step keeps the user's drawing")
        return "×".join(str(v) for v in state.image.shape)
    if expr == "stack.shape":
        maps = _maps(result, "map")
        return f"{maps.shape[1]}×{maps.shape[2]}×{maps.shape[0]}"
    channels = state.image.shape[2] if state.image is not None and state.image.ndim == 3 else 1
    kernel = state.kernels[0]
    shape = kernel.shape if kernel.ndim == 3 or channels == 1 else (*kernel.shape, channels)
    if expr == "kernel.shape":
        return "×".join(str(v) for v in shape)
    return str(int(np.prod(shape)))


def _model(expr: str, state) -> str:
    if state.model is None:
        raise CnnExplorerError(f"{{{expr}}}: the step has no @model")
    match = _MODEL.match(expr)
    if not match:
        raise CnnExplorerError(f"unknown placeholder {{{expr}}}; use model.params or model.layer[N].params")
    layer, what = match.groups()
    rows = state.model.rows
    if layer is not None:
        n = int(layer)
        if not 1 <= n <= len(rows):
            raise CnnExplorerError(f"{{{expr}}}: the model has {len(rows)} layers")
        rows = (rows[n - 1],)
    if what in ("output", "shape"):
        return shape_text(rows[-1].output_shape)
    return f"{sum(getattr(r, what) for r in rows):,}"


def fill_text(paragraphs, state, result, source: str) -> str:
    """The step's paragraphs (joined by blank lines) with every placeholder filled; LessonError names the line."""
    out = []
    for line, text in paragraphs:
        try:
            out.append(_PLACEHOLDER.sub(lambda m: placeholder(m.group(1), state, result), text))
        except CnnExplorerError as exc:
            raise LessonError(source, line, str(exc)) from None
    return "\n\n".join(out)


def _formula(text: str) -> str:
    out, depth, stack = [], 0, []
    i = 0
    while i < len(text):
        if text.startswith("floor(", i):
            out.append("⌊")
            stack.append(depth)
            depth += 1
            i += len("floor(")
            continue
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if stack and stack[-1] == depth:
                stack.pop()
                out.append("⌋")
                i += 1
                continue
        out.append(ch)
        i += 1
    result = "".join(out)
    result = re.sub(r"(?<=\w)\s*\*\s*(?=\w)", "·", result)
    result = re.sub(r"(?<=\d)x(?=\d)", "×", result)
    return result.replace("-", MINUS).replace("<=", "≤").replace(">=", "≥")


def to_html(text: str) -> str:
    """The step's text as Qt rich text: paragraphs, emphasis and formulas (in a serif italic)."""
    parts = []
    for paragraph in text.split("\n\n"):
        chunks = re.split(r"(`[^`]*`)", paragraph)
        rendered = []
        for chunk in chunks:
            if chunk.startswith("`") and chunk.endswith("`") and len(chunk) >= 2:
                rendered.append(f"<span style=\"font-family: serif; font-style: italic\">"
                                f"{html.escape(_formula(chunk[1:-1]))}</span>")
            else:
                t = html.escape(chunk)
                t = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", t)
                t = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", t)
                rendered.append(t)
        parts.append("".join(rendered))
    return "".join(f"<p>{p}</p>" for p in parts)


def to_plain(text: str) -> str:
    """The step's text without markup (formulas rendered), for the terminal and tests."""
    text = re.sub(r"`([^`]*)`", lambda m: _formula(m.group(1)), text)
    return re.sub(r"\*{1,2}([^*]+)\*{1,2}", r"\1", text)
