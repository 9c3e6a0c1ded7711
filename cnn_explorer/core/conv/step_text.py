"""The arithmetic of one animation step as plain text and as LaTeX, for copying into notes and slides.

Both read a core step record (``ConvStep`` or ``PoolStep``, see ``steps.py``) and write every
term (nothing elided), so a pasted line always adds up. Plain text is what the window shows
(Unicode × and −); LaTeX is ASCII math mode without the surrounding ``$``.
"""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.conv.steps import ConvStep, PoolStep
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number

#: channel names of a three-channel window (else c1, c2, …)
RGB_NAMES = ("R", "G", "B")


def _check(step) -> None:
    if not isinstance(step, (ConvStep, PoolStep)):
        raise CnnExplorerError(f"step: expected a ConvStep or PoolStep, got {type(step).__name__}")


def step_text(step) -> str:
    """"18×1 + 54×0 + … = 429" with every product, or "max(429, 505, 261, 792) = 792"."""
    _check(step)
    if isinstance(step, ConvStep):
        return step.arithmetic()
    return step.arithmetic(style="operand")


def _tex_number(value: float) -> str:
    """A number for LaTeX: ASCII digits, at most 4 decimals (``plain``), ``\\infty`` for infinities."""
    v = float(value)
    if np.isinf(v):
        return "\\infty" if v > 0 else "-\\infty"
    return format_number(v, "plain")


def _tex_operand(value: float) -> str:
    text = _tex_number(value)
    return f"({text})" if text.startswith("-") else text


def _channel_names(n: int) -> tuple[str, ...]:
    return RGB_NAMES if n == 3 else tuple(f"c_{{{c + 1}}}" for c in range(n))


def step_latex(step) -> str:
    r"""The step's arithmetic as LaTeX math, e.g. ``18 \times 1 + 54 \times 0 + 5 \times 1 = 429``.

    Channels of a colour window become ``\underbrace{…}_{\text{R}}``; a normalised sum
    ``\frac{…}{9}``; pooling ``\max(429, 505, 261, 792) = 792`` or ``\frac{0.1 + 0.2}{2} = 0.15``.
    """
    _check(step)
    if isinstance(step, PoolStep):
        if step.mode == "max":
            real = ", ".join(_tex_number(v) for v in step.values[~step.in_padding])
            return f"\\max({real}) = {_tex_number(step.value)}"
        cells = np.where(step.in_padding, 0.0, np.nan_to_num(step.values))[step.counted]
        terms = " + ".join(_tex_operand(v) for v in cells)
        return f"\\frac{{{terms}}}{{{step.divisor}}} = {_tex_number(step.value)}"
    win = step.window if step.window.ndim == 3 else step.window[:, :, None]
    ker = step.kernel if step.kernel.ndim == 3 else step.kernel[:, :, None]
    groups = []
    for c in range(win.shape[2]):
        groups.append(" + ".join(f"{_tex_operand(a)} \\times {_tex_operand(b)}"
                                 for a, b in zip(win[:, :, c].ravel(), ker[:, :, c].ravel())))
    if len(groups) == 1:
        expr = groups[0]
    else:
        names = _channel_names(len(groups))
        expr = " + ".join(f"\\underbrace{{{g}}}_{{\\text{{{n}}}}}" if n in RGB_NAMES else f"\\underbrace{{{g}}}_{{{n}}}"
                          for n, g in zip(names, groups))
    if step.divisor != 1:
        expr = f"\\frac{{{expr}}}{{{step.divisor}}}"
    if step.bias:
        expr = f"{expr} {'-' if step.bias < 0 else '+'} {_tex_number(abs(step.bias))}"
    return f"{expr} = {_tex_number(step.value)}"
