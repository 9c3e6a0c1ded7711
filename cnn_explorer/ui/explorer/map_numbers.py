"""The numbers written in a map's cells: their font (it grows with the cell and the presenter scale)
and the pyqtgraph item that draws them over a FeatureMapView."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QStaticText, QTransform

from cnn_explorer.core.colormaps import GREY_LUT
from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.colorbar import (
    diverging_lut,
    grey_index,
    lut_index,
    text_colors,
)
from cnn_explorer.ui.pyqtgraph_setup import configure_pyqtgraph

# pyqtgraph costs about half a second to import: this module is loaded once the window has painted.
pg = configure_pyqtgraph()

#: maps up to this many rows and columns get their values written in the cells
MAX_LABELLED_SIDE = 16
#: the smallest number font (pixels at scale 1; times the presenter scale) a labelled map is given room for
NUMBER_MIN_PX = 9
#: the largest number font (pixels at scale 1), however large the cells
NUMBER_MAX_PX = 40
#: numbers take at most this fraction of the cell's height and width
NUMBER_HEIGHT, NUMBER_WIDTH = 0.42, 0.88


def number_font(cell: float, longest: str, scale: float) -> QFont:
    """The font of a map's numbers for square cells ``cell`` pixels wide: as large as the cell allows
    (up to NUMBER_MAX_PX × scale), narrowed until ``longest`` fits."""
    font = QFont()
    font.setPixelSize(max(1, int(min(cell * NUMBER_HEIGHT, NUMBER_MAX_PX * scale))))
    width = QFontMetricsF(font).horizontalAdvance(longest)
    if width > cell * NUMBER_WIDTH:
        font.setPixelSize(max(1, int(font.pixelSize() * cell * NUMBER_WIDTH / width)))
    return font


def min_number_cell(longest: str, scale: float) -> float:
    """The cell side (pixels) at which ``longest`` is written at NUMBER_MIN_PX × scale."""
    font = QFont()
    px = NUMBER_MIN_PX * scale
    font.setPixelSize(max(1, round(px)))
    return max(px / NUMBER_HEIGHT, QFontMetricsF(font).horizontalAdvance(longest) / NUMBER_WIDTH) + 1


class CellTextItem(pg.GraphicsObject):
    """Writes each cell's value at its centre, sized to the cell as it appears on screen.

    The texts and their colours are made when first painted (or asked for), not at every new
    map: cells too small on screen for readable numbers cost nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self._values: np.ndarray | None = None
        self._m = 1.0
        self._grey = False
        self._longest = ""
        self._static: dict[str, QStaticText] = {}
        self._static_px = 0
        self._texts: list[list[str]] | None = None
        self._colors: list[list[QColor]] = []
        self._shape = (0, 0)
        self._scale = 1.0

    def set_cells(self, values: np.ndarray | None, m: float, grey: bool = False) -> None:
        """Values (H, W) to write, coloured for the diverging map over [−m, m] (``grey``: the grey
        picture); None clears."""
        shape = (0, 0) if values is None else tuple(values.shape)
        if shape != self._shape:
            self.prepareGeometryChange()
            self._shape = shape
        self._values = None if values is None else np.array(values, dtype=np.float64, copy=True)
        self._m = float(m)
        self._grey = bool(grey)
        self._texts = None
        self.update()

    def _ensure_texts(self) -> list[list[str]]:
        if self._texts is None:
            if self._values is None:
                self._texts, self._colors = [], []
            else:
                if self._grey:
                    rgb = GREY_LUT[grey_index(self._values)]
                else:
                    rgb = diverging_lut()[lut_index(self._values, self._m)]
                # Each distinct value formatted once (a blank or pooled map repeats a few values).
                unique, inverse = np.unique(self._values, return_inverse=True)
                words = np.array([format_number(v, "cell") for v in unique.tolist()], dtype=object)
                self._texts = words[inverse.reshape(self._values.shape)].tolist()
                self._longest = max(words.tolist(), key=len, default="")
                self._colors = text_colors(rgb)
        return self._texts

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        self.update()

    def texts(self) -> list[list[str]]:
        return self._ensure_texts()

    def longest(self) -> str:
        """The widest-looking text (most characters); '' without cells."""
        self._ensure_texts()
        return self._longest if self._values is not None else ""

    def has_cells(self) -> bool:
        return self._values is not None

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF(0, 0, self._shape[1], self._shape[0])

    def paint(self, p, *args) -> None:
        if self._values is None:
            return
        t = p.transform()
        cell = min(math.hypot(t.m11(), t.m12()), math.hypot(t.m21(), t.m22()))
        texts = self._ensure_texts()
        font = number_font(cell, self.longest(), self._scale)
        if font.pixelSize() < 8:
            return                                      # too small to read: the colours speak alone
        p.save()
        p.setTransform(QTransform())
        p.setFont(font)
        if font.pixelSize() != self._static_px:            # laid-out texts, kept while the size stays
            self._static, self._static_px = {}, font.pixelSize()
        half = QFontMetricsF(font).height() / 2
        pen = None
        # Prepared texts at computed positions (no per-cell layout); the pen changes only between colours.
        for r, row in enumerate(texts):
            for c, text in enumerate(row):
                static = self._static.get(text)
                if static is None:
                    if len(self._static) > 4096:
                        self._static.clear()
                    static = self._static[text] = QStaticText(text)
                    static.setTextFormat(Qt.TextFormat.PlainText)
                    static.prepare(QTransform(), font)
                color = self._colors[r][c]
                if color is not pen:
                    p.setPen(color)
                    pen = color
                centre = t.map(QPointF(c + 0.5, r + 0.5))
                p.drawStaticText(QPointF(centre.x() - static.size().width() / 2, centre.y() - half), static)
        p.restore()
