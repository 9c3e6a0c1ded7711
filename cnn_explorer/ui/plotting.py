"""The app's plots: readable at every scale (pyqtgraph itself is set up in ``pyqtgraph_setup``).

A plot made by ``make_plot`` has axes whose tick labels never overlap and whose
titles hide when their axis is too short for them (``plot_axis.ReadableAxis``),
and ``scale_plot`` grows its fonts with the presenter scale. Legends are
``PlotLegend`` labels under the plot: they wrap onto more lines when the plot
is narrow, where pyqtgraph's own legend cut off its last name.
"""

from __future__ import annotations

import html
from typing import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QWidget

from cnn_explorer.ui import theme
from cnn_explorer.ui.pyqtgraph_setup import configure_pyqtgraph
from cnn_explorer.ui.scale import scaled

#: the plots' tick and axis-title font at 100 % (points), and their title's
TICK_PT = 8.0
TITLE_PT = 10


def make_plot(parent: QWidget | None, title: str, x_label: str, y_label: str, *,
              min_size: tuple[int, int] = (160, 140)):
    """A white pyqtgraph plot with a grid, readable axes, fixed ranges (no mouse zoom) and the app's text colour."""
    pg = configure_pyqtgraph()
    from cnn_explorer.ui.plot_axis import ReadableAxis  # imports pyqtgraph: only once a plot is made
    plot = pg.PlotWidget(parent, background="w",
                         axisItems={"left": ReadableAxis("left"), "bottom": ReadableAxis("bottom")})
    plot.setTitle(title, color=theme.PLOT_TEXT.name())
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    for name in ("left", "bottom"):
        plot.getAxis(name).enableAutoSIPrefix(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.base_min_size = min_size
    plot.setMinimumSize(QSize(*min_size))
    return plot


def scale_plot(plot, factor: float) -> None:
    """Presenter scale: tick labels, axis titles and the plot's title grow with the fonts, and so does its least
    size (the page scrolls rather than squash the plot under its labels)."""
    font = QFont()
    font.setPointSizeF(TICK_PT * factor)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setStyle(tickFont=font)
        axis.label.setFont(font)
        axis.fit_label()
    plot.plotItem.titleLabel.setText(plot.plotItem.titleLabel.text, size=f"{scaled(TITLE_PT, factor)}pt")
    width, height = plot.base_min_size
    plot.setMinimumSize(QSize(scaled(width, factor), scaled(height, factor)))


def _opaque(colour: QColor) -> QColor:
    """``colour`` as it looks over the plots' white background (a legend's text cannot be translucent)."""
    a = colour.alphaF()
    return QColor.fromRgbF(*(a * c + (1 - a) for c in (colour.redF(), colour.greenF(), colour.blueF())))


class PlotLegend(QLabel):
    """A legend under one or more plots: each curve's mark in its colour, then its name. Entries stay whole and
    the line wraps between them when the plots are narrow. Its font follows the application's (presenter scale)."""

    def __init__(self, entries: Sequence[tuple[str, str, QColor]], parent: QWidget | None = None) -> None:
        """``entries``: (mark, name, colour) per curve, the mark a few characters such as "━●━"."""
        super().__init__(parent)
        self.entries = [(mark, name, QColor(colour)) for mark, name, colour in entries]
        self.setObjectName("plotLegend")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setStyleSheet(f"QLabel#plotLegend {{ background: white; color: {theme.PLOT_TEXT.name()}; "
                           "padding: 1px 4px; }")
        parts = []
        for mark, name, colour in self.entries:
            # no-break spaces keep each entry whole; the spaces between entries are where the line may wrap
            parts.append(f"<span style='color:{_opaque(colour).name()}'>{html.escape(mark)}</span>"
                         f"&nbsp;{html.escape(name).replace(' ', '&nbsp;')}")
        self.setText(" &nbsp; ".join(parts))
        self.setToolTip("Legend: " + ", ".join(name for _mark, name, _colour in self.entries))

    def names(self) -> list[str]:
        return [name for _mark, name, _colour in self.entries]
