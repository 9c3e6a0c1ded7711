"""FeatureMapView: one map drawn with pyqtgraph, diverging colours, its values written in when small.

Row-major images (row 0 at the top, x = column, y = row), aspect locked, no
pyqtgraph menus, panning or zooming. Hovering reports the cell under the mouse,
clicking emits it; the owner turns those into status text and animation jumps.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen, QTransform
from PySide6.QtWidgets import QGraphicsRectItem, QSizePolicy

from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.colorbar import (
    diverging_lut,
    diverging_rgba,
    finite_range,
    lut_index,
    text_colors,
)
from cnn_explorer.ui.plotting import configure_pyqtgraph
from cnn_explorer.ui.theme import WINDOW_MARK

# pyqtgraph costs about half a second to import: this module is loaded once the window has painted.
pg = configure_pyqtgraph()

#: maps up to this many rows and columns get their values written in the cells
MAX_LABELLED_SIDE = 16


class CellTextItem(pg.GraphicsObject):
    """Writes each cell's value at its centre, sized to the cell as it appears on screen.

    The texts and their colours are made when first painted (or asked for), not at every new
    map: cells too small on screen for readable numbers cost nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self._values: np.ndarray | None = None
        self._m = 1.0
        self._texts: list[list[str]] | None = None
        self._colors: list[list[QColor]] = []
        self._shape = (0, 0)
        self._scale = 1.0

    def set_cells(self, values: np.ndarray | None, m: float) -> None:
        """Values (H, W) to write, coloured for the diverging map over [−m, m]; None clears."""
        shape = (0, 0) if values is None else tuple(values.shape)
        if shape != self._shape:
            self.prepareGeometryChange()
            self._shape = shape
        self._values = None if values is None else np.array(values, dtype=np.float64, copy=True)
        self._m = float(m)
        self._texts = None
        self.update()

    def _ensure_texts(self) -> list[list[str]]:
        if self._texts is None:
            if self._values is None:
                self._texts, self._colors = [], []
            else:
                rgb = diverging_lut()[lut_index(self._values, self._m)]
                self._texts = [[format_number(v, "cell") for v in row] for row in self._values.tolist()]
                self._colors = text_colors(rgb)
        return self._texts

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        self.update()

    def texts(self) -> list[list[str]]:
        return self._ensure_texts()

    def has_cells(self) -> bool:
        return self._values is not None

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF(0, 0, self._shape[1], self._shape[0])

    def paint(self, p, *args) -> None:
        if self._values is None:
            return
        t = p.transform()
        cell_w = math.hypot(t.m11(), t.m12())
        cell_h = math.hypot(t.m21(), t.m22())
        cell = min(cell_w, cell_h)
        size = max(1, int(min(cell * 0.4, 40 * self._scale)))
        if size < 8:
            return                                      # too small to read: the colours speak alone
        texts = self._ensure_texts()
        longest = max((s for row in texts for s in row), key=len)
        font = QFont()
        font.setPixelSize(size)
        width = QFontMetricsF(font).horizontalAdvance(longest)
        if width > cell * 0.88:
            font.setPixelSize(int(font.pixelSize() * cell * 0.88 / width))
        if font.pixelSize() < 8:
            return
        p.save()
        p.setTransform(QTransform())
        p.setFont(font)
        for r, row in enumerate(texts):
            for c, text in enumerate(row):
                rect = t.mapRect(QRectF(c, r, 1, 1))
                p.setPen(self._colors[r][c])
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        p.restore()


class FeatureMapView(pg.GraphicsView):
    """One (H, W) map, diverging colour map with zero at the centre of [−m, m]."""

    cell_hovered = Signal(int, int)      # (row, col); (-1, -1) when the mouse leaves the map
    cell_clicked = Signal(int, int)
    span_changed = Signal()              # where the map sits in the widget moved (resize, new shape)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background=None)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(40, 40)
        self._values = np.zeros((0, 0))
        self._range = (0.0, 0.0)
        self._stride = 1
        self._m = 1.0
        self._rect: tuple | None = None
        self._box = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False, defaultPadding=0.0)
        self._box.setMouseEnabled(False, False)
        self._box.sigTransformChanged.connect(self.span_changed)
        self._box.sigResized.connect(self.span_changed)
        self._box.sigResized.connect(self._on_box_resized)
        self.setCentralItem(self._box)
        # The map goes in already coloured (RGBA), which pyqtgraph shows as it is: one table lookup
        # instead of pyqtgraph's per-paint rescale and colour-table conversion.
        self._image = pg.ImageItem(axisOrder="row-major")
        self._pixels: np.ndarray | None = None
        self._box.addItem(self._image)
        self._text = CellTextItem()
        self._box.addItem(self._text)
        self._hover = QGraphicsRectItem(0, 0, 1, 1)
        pen = QPen(WINDOW_MARK, 2.5)
        pen.setCosmetic(True)
        self._hover.setPen(pen)
        self._hover.setVisible(False)
        self._box.addItem(self._hover)
        self._hovered = (-1, -1)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)

    def set_values(self, values: np.ndarray) -> None:
        """Show a 2-D map; keeps the view fitted to it."""
        values = np.asarray(values)
        if values.ndim != 2:
            raise ValueError(f"values: expected a 2-D map, got shape {values.shape}")
        reshaped = values.shape != self._values.shape
        self._values = values
        self._range = finite_range(values)
        self._m = max(abs(self._range[0]), abs(self._range[1])) or 1.0
        self._stride = 0
        self._show_image()
        small = max(values.shape, default=0) <= MAX_LABELLED_SIDE
        if small or self._text.has_cells():
            self._text.set_cells(values if small else None, self._m)
        if reshaped:
            self._box.setRange(QRectF(0, 0, values.shape[1], values.shape[0]), padding=0.0)
            self._hover.setVisible(False)

    def _display_stride(self) -> int:
        """Take every n-th cell of a map with more cells than the view has pixels (device pixels):
        what nearest-neighbour scaling would show anyway, without colouring every cell per update."""
        h, w = self._values.shape
        size = self._box.size()
        dpr = self.devicePixelRatioF()
        px_h, px_w = max(64.0, size.height() * dpr), max(64.0, size.width() * dpr)
        return max(1, int(max(h / px_h, w / px_w)))     # aspect locked: the tighter side sets the scale

    def _show_image(self) -> None:
        stride = self._display_stride()
        self._stride = stride
        h, w = self._values.shape
        shown = self._values if stride == 1 else self._values[::stride, ::stride]
        self._pixels = diverging_rgba(shown, self._m, out=self._pixels)
        self._image.setImage(self._pixels, autoLevels=False)
        rect = (w, h, shown.shape)
        if rect != self._rect:                          # setRect re-lays the item out: only when it moved
            self._rect = rect
            self._image.setRect(QRectF(0, 0, w, h))

    def _on_box_resized(self) -> None:
        if self._values.size and self._display_stride() != self._stride:
            self._show_image()

    def set_scale(self, f: float) -> None:
        self._text.set_scale(f)

    def data_range(self) -> tuple[float, float]:
        """(min, max) of the map's finite values."""
        return self._range

    def values(self) -> np.ndarray:
        return self._values

    def color_levels(self) -> tuple[float, float]:
        """(−m, m): the values the colour map's ends stand for."""
        return -self._m, self._m

    def displayed_shape(self) -> tuple[int, int]:
        """Rows and columns of the image on screen (every n-th cell of a map larger than the view)."""
        return tuple(self._pixels.shape[:2]) if self._pixels is not None else (0, 0)

    def plot_size(self) -> tuple[float, float]:
        """Width and height (pixels) of the area the map is fitted into."""
        size = self._box.size()
        return size.width(), size.height()

    def value_range(self) -> float:
        """m of the colour range [−m, m]."""
        return self._m

    def cell_texts(self) -> list[list[str]]:
        """The numbers written in the cells (empty when the map is too large for them)."""
        return self._text.texts()

    def image_span(self) -> tuple[float, float]:
        """Top and bottom (widget pixels) of the map as drawn; the colour bar lines up with them."""
        h, w = self._values.shape if self._values.size else (1, 1)
        rect = self.mapFromScene(self._box.mapViewToScene(QRectF(0, 0, w, h)).boundingRect()).boundingRect()
        return float(max(0, rect.top())), float(min(self.height(), rect.bottom()))

    def cell_center(self, i: int, j: int) -> QPointF:
        """Widget position of the centre of cell (i, j)."""
        scene = self._box.mapViewToScene(QPointF(j + 0.5, i + 0.5))
        return QPointF(self.mapFromScene(scene))

    def _cell_at(self, pos) -> tuple[int, int] | None:
        if self._values.size == 0:
            return None
        p = self._box.mapSceneToView(self.mapToScene(pos.toPoint()))
        i, j = math.floor(p.y()), math.floor(p.x())
        if 0 <= i < self._values.shape[0] and 0 <= j < self._values.shape[1]:
            return i, j
        return None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        hit = self._cell_at(event.position())
        hit = hit if hit is not None else (-1, -1)
        if hit != self._hovered:
            self._hovered = hit
            self._hover.setVisible(hit != (-1, -1))
            if hit != (-1, -1):
                self._hover.setRect(hit[1], hit[0], 1, 1)
            self.cell_hovered.emit(*hit)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._hovered != (-1, -1):
            self._hovered = (-1, -1)
            self._hover.setVisible(False)
            self.cell_hovered.emit(-1, -1)
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            hit = self._cell_at(event.position())
            if hit is not None:
                self.cell_clicked.emit(*hit)
                event.accept()
                return
        super().mousePressEvent(event)
