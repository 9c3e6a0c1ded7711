"""Numbers and grids of numbers written as text: cells, rows, CSV blocks.

One parser for every grid a user types or loads (kernels, input grids, pasted rows):
``3``, ``-0.5``, ``1e-3``, ``1/9`` and the Unicode minus; errors name the row, line and column.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Iterable, Sequence

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError

_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u00d7": "*"})
#: the most characters one number may be written with (a float's repr needs at most 24)
MAX_NUMBER_CHARS = 40
#: the largest power of ten a fraction's part may carry (float64 ends near 1e308; 10**999999 takes minutes)
_MAX_EXPONENT = 400
_EXPONENT = re.compile(r"[eE]([+-]?\d+)\s*$")


def _excerpt(text: str, limit: int = 24) -> str:
    """A short quote of what the user typed: ``'1234567890123…'``."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _fraction(part: str) -> Fraction:
    m = _EXPONENT.search(part)
    if m and abs(int(m.group(1))) > _MAX_EXPONENT:
        raise OverflowError
    return Fraction(part.strip())


def parse_number(text: str) -> float:
    """One cell: ``3``, ``-0.5``, ``1e-3``, ``1/9``, ``−2`` (Unicode minus); ValueError if not a finite number.

    A cell longer than MAX_NUMBER_CHARS characters is refused before any conversion, so a
    30,000-digit fraction or a 5,000-digit integer costs nothing.
    """
    t = text.strip().translate(_MINUS)
    if not t:
        raise ValueError("empty")
    if len(t) > MAX_NUMBER_CHARS:
        raise ValueError(f"{_excerpt(t)} is too long for a number ({len(t):,} characters; at most {MAX_NUMBER_CHARS})")
    try:
        if "/" in t:
            num, _, den = t.partition("/")
            value = float(_fraction(num) / _fraction(den))
        else:
            value = float(t)
    except OverflowError:
        raise ValueError(f"{_excerpt(text.strip())} is too large for a number (beyond ±1.8e308)") from None
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{_excerpt(text.strip())} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{_excerpt(text.strip())} is not a finite number")
    return value


_CELL_SPLIT = re.compile(r"\s*,\s*|\s+")


def _row_cells(line: str) -> list[str]:
    line = line.strip()
    return _CELL_SPLIT.split(line) if line else []


def parse_rows(lines: Iterable[str], what: str, line_numbers: Sequence[int] | None = None) -> np.ndarray:
    """Rows of cells (comma and/or whitespace separated) -> float64 (rows, cols); errors name row and column.

    ``line_numbers`` (the file's line of each row) makes messages say "row 2 (line 5)".
    """
    rows: list[list[float]] = []
    for r, line in enumerate(lines, start=1):
        where = f"row {r}" if line_numbers is None else f"row {r} (line {line_numbers[r - 1]})"
        cells = _row_cells(line)
        values = []
        for c, cell in enumerate(cells, start=1):
            try:
                values.append(parse_number(cell))
            except ValueError as exc:
                reason = "empty cell" if str(exc) == "empty" else str(exc)
                raise CnnExplorerError(f"{what}: {where}, column {c}: {reason}") from None
        if rows and len(values) != len(rows[0]):
            raise CnnExplorerError(
                f"{what}: {where} has {len(values)} values but row 1 has {len(rows[0])} (every row needs the same count)"
            )
        rows.append(values)
    if not rows or not rows[0]:
        raise CnnExplorerError(f"{what}: no numbers found")
    return np.array(rows, dtype=np.float64)


def grid_shape_text(arr: np.ndarray) -> str:
    """A shape as the app writes it: ``3×3`` or ``3×3×3``."""
    return "×".join(str(s) for s in arr.shape)


def csv_blocks(text: str) -> list[list[tuple[int, str]]]:
    """Non-comment lines of a CSV text as (line number, text), grouped in blocks separated by blank lines."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        if line.strip():
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def parse_csv_blocks(text: str, what: str) -> list[np.ndarray]:
    """Every blank-line separated block of a CSV text as a float64 grid; errors name the row, line and column."""
    blocks = csv_blocks(text)
    if not blocks:
        raise CnnExplorerError(f"{what}: no numbers found")
    grids = [parse_rows([t for _, t in b], what, [n for n, _ in b]) for b in blocks]
    for i, g in enumerate(grids[1:], start=2):
        if g.shape != grids[0].shape:
            raise CnnExplorerError(
                f"{what}: block {i} (after a blank line) is {grid_shape_text(g)} but block 1 is {grid_shape_text(grids[0])}"
            )
    return grids
