"""The one number formatter: how every number the app shows is written.

``format_number(value, style)``; the styles, by where they are used:

=========  ==============================================  =======  =====  =====  ==================  =====
style      used for                                        123.456  -2.5   1e-5   1/3                 1e20
=========  ==============================================  =======  =====  =====  ==================  =====
exact      text read back: kernel and grid files           123.456  -2.5   1e-05  0.3333333333333333  1e+20
operand    the arithmetic of a step (at most 4 decimals)   123.456  −2.5   1e−05  0.3333              1e+20
plain      operand in ASCII: terminal, the kernel editor   123.456  -2.5   1e-05  0.3333              1e+20
pixel      the input image's numbers (2 decimals, ASCII)   123.46   -2.5   1e-05  0.33                1e+20
cell       map cells and colour-bar ticks                  123      −2.50  1e−05  0.33                1e+20
=========  ==============================================  =======  =====  =====  ==================  =====

In every style 0 and −0.0 print as ``0``, integers without ``.0``, and only 0 prints as ``0``: a
value that would round to zero at the style's decimals is written with that many significant
digits instead (``1e−05``); from ``HUGE`` up, values are written in scientific notation.
``operand``/``cell`` use the Unicode minus and ``∞``/``NaN``; ``exact``/``plain``/``pixel`` stay
ASCII (``-``, ``inf``, ``nan``) so ``float()`` reads them back, also when typed into an editable grid.
"""

from __future__ import annotations

import math

#: decimal styles: name -> (most decimals shown, Unicode minus)
_DECIMAL_STYLES = {"operand": (4, True), "plain": (4, False), "pixel": (2, False)}
STYLES = (*_DECIMAL_STYLES, "cell", "exact")
MINUS = "−"
#: from this magnitude on, ``operand``, ``plain`` and ``cell`` write scientific notation
HUGE = 1e15
#: significant digits of a ``cell`` value too small or too large for its decimals
CELL_DIGITS = 2


def format_number(value: float, style: str = "operand", *, decimals: int | None = None) -> str:
    """``value`` as text in ``style`` (see the module docstring); ``decimals`` overrides a decimal style's.

    >>> [format_number(v) for v in (429.0, -1 / 9, 2.5, 1e-6)]
    ['429', '−0.1111', '2.5', '1e−06']
    >>> format_number(123.456, "cell"), format_number(7 / 9, "exact"), format_number(-0.5, "plain", decimals=2)
    ('123', '0.7777777777777778', '-0.5')
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    if decimals is not None and style not in _DECIMAL_STYLES:
        raise ValueError(f"decimals: only for the styles {', '.join(_DECIMAL_STYLES)}, not {style!r}")
    v = float(value)
    if style == "exact":
        return _exact(v)
    places, unicode = _DECIMAL_STYLES.get(style, (None, True))
    if not math.isfinite(v):
        return _non_finite(v, unicode)
    text = _cell(v) if places is None else _decimals(v, places if decimals is None else decimals)
    return text.replace("-", MINUS) if unicode else text


def _exact(v: float) -> str:
    """Shortest text that round-trips: ``repr``, integers without ``.0``."""
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 1e16:        # repr itself turns scientific from 1e16
        return str(int(v))
    return repr(v)


def _non_finite(v: float, unicode: bool) -> str:
    if math.isnan(v):
        return "NaN" if unicode else "nan"
    if unicode:
        return "∞" if v > 0 else "−∞"
    return "inf" if v > 0 else "-inf"


def _decimals(v: float, decimals: int) -> str:
    """At most ``decimals`` decimals, trailing zeros dropped."""
    if v == 0:
        return "0"
    digits = max(decimals, 1)
    if abs(v) >= HUGE:
        return f"{v:.{digits}g}"
    if v.is_integer():
        return str(int(v))
    text = f"{v:.{decimals}f}"
    if "." in text:                              # "10" at 0 decimals keeps its zero
        text = text.rstrip("0").rstrip(".")
    return text if float(text) != 0 else f"{v:.{digits}g}"


def _cell(v: float) -> str:
    """Two decimals below 10, one below 100, none above, so a map's numbers keep about 3 digits."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= HUGE:
        return f"{v:.{CELL_DIGITS}g}"
    nearest = round(v)
    if nearest != 0 and abs(v - nearest) < 1e-9 and a < 1e7:   # float noise: 2.9999999999 is 3
        return str(nearest)
    text = f"{v:.{0 if a >= 100 else 1 if a >= 10 else 2}f}"
    return text if float(text) != 0 else f"{v:.{CELL_DIGITS}g}"
