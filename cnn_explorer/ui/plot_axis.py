"""A pyqtgraph axis that stays readable when its fonts grow (presenter scale) and the plot does not.

pyqtgraph spaces the major ticks by the axis length alone and always labels
them all: on a short axis with large tick labels (a 1280x720 projector at
200 %) "0.8", "0.6", "0.4" and "0.2" were drawn over one another, and the axis
title ("cross-entropy") ran past both ends of the axis. ``ReadableAxis``
widens the tick spacing (1, 2, 5 x 10^k) until each label has its room, drops
any finer label that would touch another, and hides its title while the axis
is shorter than it (the plot's title still names what is shown). Imports pyqtgraph: load it only where a plot is made.
"""

from __future__ import annotations

import math

from PySide6.QtGui import QFont, QFontMetricsF

from cnn_explorer.ui.pyqtgraph_setup import configure_pyqtgraph

pg = configure_pyqtgraph()

#: room a tick label needs along a vertical axis, in line heights (the rest is the gap to the next)
VERTICAL_ROOM = 0.9
#: the gap between two tick labels along a horizontal axis, in widths of "0"
HORIZONTAL_GAP = 1.0


def next_nice(spacing: float) -> float:
    """The next tick spacing of the 1, 2, 5 x 10^k ladder above ``spacing``."""
    power = 10.0 ** math.floor(math.log10(spacing))
    mantissa = spacing / power
    for step in (2.0, 5.0, 10.0):
        if step > mantissa * (1 + 1e-9):
            return step * power
    return 20.0 * power


class ReadableAxis(pg.AxisItem):
    """An AxisItem whose tick labels never overlap and whose title shows only while it fits along the axis."""

    def _tick_font(self) -> QFont:
        return self.style["tickFont"] or self.font()

    def _room_for(self, texts: list[str]) -> float:
        """Pixels along the axis each of these labels needs (its size plus the gap to the next)."""
        metrics = QFontMetricsF(self._tick_font())
        if self.orientation in ("left", "right"):
            return metrics.height() * VERTICAL_ROOM
        return max((metrics.horizontalAdvance(t) for t in texts), default=0.0) + \
            HORIZONTAL_GAP * metrics.horizontalAdvance("0")

    def _room(self, lo: float, hi: float, spacing: float) -> float:
        """Pixels along the axis one label needs at this spacing."""
        first = math.ceil(lo / spacing) * spacing
        last = math.floor(hi / spacing) * spacing
        values = [v for v in (first, first + spacing, last - spacing, last) if lo <= v <= hi] or [first]
        return self._room_for(self.tickStrings(values, self.autoSIPrefixScale * self.scale, spacing))

    def tickSpacing(self, minVal: float, maxVal: float, size: float):  # noqa: N802, N803 - pyqtgraph's names
        levels = super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        if not levels or self._tickSpacing is not None or size <= 0 or span == 0 or not math.isfinite(span):
            return levels
        lo, hi = min(minVal, maxVal), max(minVal, maxVal)
        pixels_per_unit = size / span
        major = levels[0][0]
        for _ in range(12):                       # at most a factor 10^4: no axis is that short
            if major * pixels_per_unit >= self._room(lo, hi, major):
                break
            major = next_nice(major)
        # finer levels keep their tick marks and grid lines; their labels show where they fit (generateDrawSpecs)
        minors = [(spacing, offset) for spacing, offset in levels[1:] if spacing < major * (1 - 1e-9)]
        return [(major, 0.0), *minors]

    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph's name
        """pyqtgraph's drawing, less any tick label that would touch one already placed: it labels finer levels
        by a fill ratio that lets neighbours overlap. Labels come major level first, so those are kept."""
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return specs
        axis_spec, tick_specs, text_specs = specs
        gap = QFontMetricsF(self._tick_font()).horizontalAdvance("0") / 2
        kept: list = []
        for spec in text_specs:
            rect = spec[0].adjusted(-gap, -gap / 2, gap, gap / 2)
            if not any(rect.intersects(other[0]) for other in kept):
                kept.append(spec)
        return axis_spec, tick_specs, kept

    def tickValues(self, minVal: float, maxVal: float, size: float):  # noqa: N802, N803 - pyqtgraph's names
        levels = super().tickValues(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        if not levels or levels[0][0] is not None or size <= 0 or span == 0 or not math.isfinite(span):
            return levels
        # a log axis spanning less than a decade labels its 2..9 x 10^k ticks: keep those with room
        values = sorted(levels[0][1])
        room = self._room_for(self.tickStrings(values, self.autoSIPrefixScale * self.scale, 1.0))
        kept: list[float] = []
        for value in values:
            if not kept or (value - kept[-1]) * size / span >= room:
                kept.append(value)
        return [(None, kept), *levels[1:]]

    # -- the axis title -----------------------------------------------------------------------------------
    def fit_label(self) -> None:
        """Show the title only while the axis is long enough for it."""
        if self.label is None or not self.labelText:
            return
        length = self.height() if self.orientation in ("left", "right") else self.width()
        fits = self.label.boundingRect().width() <= length
        if fits != self.label.isVisible():
            self.showLabel(fits)

    def resizeEvent(self, ev=None):  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        self.fit_label()

    def label_shown(self) -> bool:
        return self.label is not None and self.label.isVisible() and bool(self.labelText)
