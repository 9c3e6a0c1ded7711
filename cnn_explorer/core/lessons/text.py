"""A step's text: placeholders filled with numbers core computed, and the light markup shown as HTML.

Placeholders (rows and columns count from 0, as the grids label them; ``map2``, ``pool2`` … name the second kernel's maps):

==========================  =======================================================
``{map}``                    the feature map, rows separated by " / "
``{map[R,C]}``               one cell of it; ``{act[R,C]}`` after the activation
``{map.row[R]}``             one row; ``{map.shape}`` its size ("4×4")
``{pool}`` ``{pool[R,C]}``   the pooled map (also ``.row[R]``, ``.shape``)
``{flat}``                   the pooled map flattened into one row
``{arith[R,C]}``             the worked sum of a feature-map cell (``{poolarith[R,C]}`` for pooling)
``{input[R,C]}``             one input pixel ("156 | 151 | 158" for R | G | B)
``{input.shape}``            the input's size; ``{kernel.shape}``, ``{kernel.count}`` (numbers in one kernel)
``{stack.shape}``            the output stack: height × width × kernels
``{model.params}``           the model's parameters (also ``.weights``, ``.biases``, ``.output``)
``{model.layer[N].params}``  one layer's parameters (also ``.shape``)
``{size n=7 f=3 p=1 s=1}``   the output-size formula worked out: ⌊(7 + 2·1 − 3)/1⌋ + 1 = 7
``{formula[R,C]}``           the slides' conv-layer formula h[i,j,p] = Σr Σs Σk w·h worked out for one cell
``{batches n=1000 b=128 e=50}``  batches per epoch and iterations: ⌈1000/128⌉ = 8 batches …, 8·50 = 400 iterations
``{split n=1000 r=80:10:10}``  the app's train/validation/test split of n samples: 800 : 100 : 100
``{slide}`` ``{right}``      the step's erratum: what the slide prints, what core computes
``{answer}``                 the step's question's answer
``{demo.KEY}``                 a number of the step's demo (``core.lessons.demos``: each demo names its keys)
==========================  =======================================================

Markup: ``*emphasis*``, ``**strong**``, and ```formula``` (``floor(…)`` becomes ⌊…⌋, ``ceil(…)`` ⌈…⌉, ``*`` ·, ``-`` −).
"""

from __future__ import annotations

import html
import re

import numpy as np

from cnn_explorer.core.conv.sizes import conv_size
from cnn_explorer.core.datasets.split import parse_split, split_indices
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import MINUS, format_number
from cnn_explorer.core.lessons.compute import arithmetic_at, formula_at
from cnn_explorer.core.lessons.demos import demo_placeholder
from cnn_explorer.core.lessons.parse import LessonError
from cnn_explorer.core.lessons.state import Target
from cnn_explorer.core.model.shapes import shape_text

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_INDEXED = re.compile(r"^(map|act|pool|arith|poolarith|formula)(\d*)(?:\[(\d+),\s*(\d+)\])?(?:\.(row)\[(\d+)\]|\.(shape))?$")
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


def _pairs(expr: str) -> dict[str, str]:
    """``{name k=v k=v}``'s pairs; a word without "=" is a mistake the caller names."""
    words = expr.split()[1:]
    bad = [w for w in words if "=" not in w]
    if bad:
        raise CnnExplorerError(f"{{{expr}}}: write name=value, not {bad[0]!r}")
    return dict(w.split("=", 1) for w in words)


def batches_text(n: int, b: int, e: int) -> str:
    """"⌈1000/128⌉ = 8 batches per epoch (7 of 128 and one of 104), 8·50 = 400 iterations"."""
    per_epoch = -(-n // b)
    full, last = divmod(n, b)
    if last == 0:
        split = f"{full} of {b}" if full > 1 else f"one of {b}"
    elif full == 0:
        split = f"one of {last}"
    else:
        split = f"{full} of {b} and one of {last}"
    batches = "batch" if per_epoch == 1 else "batches"
    return (f"⌈{n}/{b}⌉ = {per_epoch} {batches} per epoch ({split}), "
            f"{per_epoch}·{e} = {per_epoch * e:,} iterations")


def _batches(expr: str) -> str:
    parts = _pairs(expr)
    try:
        n, b, e = int(parts["n"]), int(parts["b"]), int(parts.get("e", 1))
    except (KeyError, ValueError):
        raise CnnExplorerError("{batches ...}: write {batches n=1000 b=128 e=50} (samples, batch size, epochs; "
                               "whole numbers, e optional)") from None
    if n < 1 or b < 1 or e < 1:
        raise CnnExplorerError("{batches ...}: n, b and e must be at least 1")
    return batches_text(n, b, e)


def split_text(n: int, ratio: tuple[float, float, float]) -> str:
    """"800 : 100 : 100", the sizes the app's splitter (``core.datasets.split``) gives n samples."""
    parts = split_indices(np.zeros(n, dtype=np.int64), ratio, seed=0)
    return " : ".join(f"{len(p):,}" for p in parts)


def _split(expr: str) -> str:
    parts = _pairs(expr)
    try:
        n = int(parts["n"])
        shares = [float(v) for v in parts.get("r", "80:10:10").split(":")]
    except (KeyError, ValueError):
        raise CnnExplorerError("{split ...}: write {split n=1000 r=80:10:10} (samples; train:validation:test)") from None
    if n < 1 or len(shares) != 3 or sum(shares) <= 0:
        raise CnnExplorerError("{split ...}: n must be at least 1 and r three shares, as 80:10:10")
    return split_text(n, parse_split([v / sum(shares) for v in shares]))


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
    first = expr.split()[0] if expr.split() else ""
    if first == "batches":
        return _batches(expr)
    if first == "split":
        return _split(expr)
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
    if expr.startswith("input["):
        return _pixel(expr, state)
    match = _INDEXED.match(expr)
    if not match:
        raise CnnExplorerError(f"unknown placeholder {{{expr}}}; see FORMAT.md for {{map[R,C]}}, {{pool}}, "
                               "{size n= f= p= s=} and the others")
    name, k_text, r, c, row_word, row_n, shape_word = match.groups()
    if name == "formula" and (row_word or shape_word):
        raise CnnExplorerError(f"{{{expr}}}: say which cell, as {{formula[1,1]}}")
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
        if name in ("arith", "poolarith", "formula"):
            raise CnnExplorerError(f"{{{expr}}}: say which cell, as {{{name}[1,1]}}")
        return grid_text(m)
    i, j = int(r), int(c)
    if not (0 <= i < m.shape[0] and 0 <= j < m.shape[1]):
        raise CnnExplorerError(f"{{{expr}}}: cell {r},{c} is outside the {m.shape[0]}×{m.shape[1]} map")
    if name in ("arith", "poolarith"):
        return arithmetic_at(result, state, Target("pool" if name == "poolarith" else "conv", k, i, j))
    if name == "formula":
        return formula_at(state, Target("conv", k, i, j))
    return cell(m[i, j])


_PIXEL = re.compile(r"^input\[(\d+),\s*(\d+)\]$")


def _pixel(expr: str, state) -> str:
    """One input pixel: "156" (grey) or "156 | 151 | 158" (R | G | B, as @grid writes channels)."""
    match = _PIXEL.match(expr)
    if not match:
        raise CnnExplorerError(f"unknown placeholder {{{expr}}}; write {{input[R,C]}} for one pixel")
    if state.image is None:
        raise CnnExplorerError(f"{{{expr}}}: the step keeps the user's drawing")
    i, j = int(match.group(1)), int(match.group(2))
    h, w = state.image.shape[:2]
    if not (0 <= i < h and 0 <= j < w):
        raise CnnExplorerError(f"{{{expr}}}: pixel {i},{j} is outside the {h}×{w} input")
    return " | ".join(cell(v) for v in np.atleast_1d(state.image[i, j]))


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
        shape = rows[-1].output_shape
        return f"{shape[0]:,}" if len(shape) == 1 else shape_text(shape)   # a flat vector: 196,608 inputs
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


_BRACKETS = {"floor(": ("⌊", "⌋"), "ceil(": ("⌈", "⌉")}


def _formula(text: str) -> str:
    out, depth, stack = [], 0, []
    i = 0
    while i < len(text):
        word = next((w for w in _BRACKETS if text.startswith(w, i)), None)
        if word is not None:
            opening, closing = _BRACKETS[word]
            out.append(opening)
            stack.append((depth, closing))
            depth += 1
            i += len(word)
            continue
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if stack and stack[-1][0] == depth:
                out.append(stack.pop()[1])
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
