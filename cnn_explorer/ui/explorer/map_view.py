"""FeatureMapView: one map drawn with pyqtgraph, diverging colours (or grey), its values written in when small.

Row-major images (row 0 at the top, x = column, y = row), aspect locked, no
pyqtgraph menus, panning or zooming. Hovering reports the cell under the mouse,
clicking emits it; the owner turns those into status text and animation jumps.

A map is coloured at the resolution it is shown: a map with more cells than the view
has pixels is sampled (every n-th cell), and a map given as a *sampler* (a function of
n) is only ever computed at that resolution. Contrast: ``full`` (±largest |value|),
``robust`` (± the 99.5th percentile of |values|, for photos) or ``image`` (grey, values
clipped to 0..255, as a picture editor would save the map).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QSizePolicy

from cnn_explorer.core.colormaps import robust_limit
from cnn_explorer.ui.explorer.colorbar import (
    argb32_to_rgba,
    diverging_argb32,
    finite_range,
    grey_argb32,
)
from cnn_explorer.ui.explorer.map_numbers import (
    MAX_LABELLED_SIDE,
    CellTextItem,
    min_number_cell,
    number_font,
)
from cnn_explorer.ui.pyqtgraph_setup import configure_pyqtgraph
from cnn_explorer.ui.theme import MUTED_TEXT, WINDOW_MARK

# pyqtgraph costs about half a second to import: this module is loaded once the window has painted.
pg = configure_pyqtgraph()

#: how values become colours (see the module docstring)
CONTRASTS = ("full", "robust", "image")


@dataclass(frozen=True, eq=False)
class Rendering:
    """A map coloured for the view (numpy only: nothing on screen changes until it is shown)."""

    shape: tuple[int, int]
    stride: int
    contrast: str
    given_range: tuple[float, float] | None     # the range it was given
    known_range: tuple[float, float] | None     # that, or the range measured over every cell
    values: np.ndarray | None                    # every cell, when they are at hand
    shown: np.ndarray                            # map[::stride, ::stride]
    range: tuple[float, float]
    exact: bool
    m: float
    pixels: np.ndarray                           # (rows, cols) uint32 ARGB words


class MapImageItem(pg.GraphicsObject):
    """A coloured map, drawn as it is over the rectangle (0, 0, w, h) of the view (cells, not pixels).

    The QImage is ARGB32 premultiplied, the raster engine's own format, over the (rows, cols) uint32
    array it is given (kept alive here, never copied): pyqtgraph's ImageItem would hand the painter
    RGBA8888, which is converted at every paint (about 0.1 ms a map, seven maps a kernel edit).
    """

    def __init__(self) -> None:
        super().__init__()
        self._words: np.ndarray | None = None
        self._qimage: QImage | None = None
        self._rect = QRectF()

    def set_image(self, words: np.ndarray, rect: QRectF) -> None:
        """Show ``words`` ((rows, cols) uint32 0xAARRGGBB, C-contiguous, not modified afterwards) over ``rect``."""
        if words.dtype != np.uint32 or words.ndim != 2 or not words.flags.c_contiguous:
            raise ValueError(f"words: expected a C-contiguous 2-D uint32 array, got {words.dtype} {words.shape}")
        rows, cols = words.shape
        self._words = words
        self._qimage = QImage(words.data, cols, rows, cols * 4, QImage.Format.Format_ARGB32_Premultiplied)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QRectF(rect)
        self.update()

    def words(self) -> np.ndarray | None:
        return self._words

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF(self._rect)

    def paint(self, p, *args) -> None:
        if self._qimage is not None and self._words is not None and self._words.size:
            p.drawImage(self._rect, self._qimage)


class FeatureMapView(pg.GraphicsView):
    """One (H, W) map, diverging colour map with zero at the centre of [−m, m], or grey "as an image"."""

    cell_hovered = Signal(int, int)      # (row, col); (-1, -1) when the mouse leaves the map
    cell_clicked = Signal(int, int)
    span_changed = Signal()              # where the map sits in the widget moved (resize, new shape)
    levels_changed = Signal()            # the colour range or the data range changed (legend to redraw)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background=None)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(40, 40)
        self._values: np.ndarray | None = np.zeros((0, 0))
        self._shape: tuple[int, int] = (0, 0)
        self._sampler: Callable[[int], np.ndarray] = lambda step: np.zeros((0, 0))
        self._known_range: tuple[float, float] | None = None
        self._range = (0.0, 0.0)
        self._range_exact = True
        self._contrast = "full"
        self._scale = 1.0
        self._stride = 1
        self._m = 1.0
        self._levels: tuple | None = None
        self._box = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False, defaultPadding=0.0)
        self._box.setMouseEnabled(False, False)
        self._box.sigTransformChanged.connect(self.span_changed)
        self._box.sigResized.connect(self.span_changed)
        self._box.sigResized.connect(self._on_box_resized)
        self.setCentralItem(self._box)
        # The map goes in already coloured, in the format the painter draws without converting: one table
        # lookup instead of pyqtgraph's per-paint rescale, colour-table and format conversions.
        self._image = MapImageItem()
        self._pixels: np.ndarray | None = None          # (rows, cols) uint32 ARGB words on screen
        self._box.addItem(self._image)
        self._text = CellTextItem()
        self._box.addItem(self._text)
        self._hover = QGraphicsRectItem(0, 0, 1, 1)
        pen = QPen(WINDOW_MARK, 2.5)
        pen.setCosmetic(True)
        self._hover.setPen(pen)
        self._hover.setVisible(False)
        self._box.addItem(self._hover)
        self._stale = QGraphicsRectItem(0, 0, 1, 1)     # hatched veil: "not updated"
        veil = QColor(MUTED_TEXT)
        veil.setAlpha(150)
        self._stale.setBrush(QBrush(veil, Qt.BrushStyle.BDiagPattern))
        self._stale.setPen(QPen(Qt.PenStyle.NoPen))
        self._stale.setVisible(False)
        self._box.addItem(self._stale)
        self._hovered = (-1, -1)
        # The view repaints when this class says so (``_repaint``), together with the rest of the window:
        # left to the scene, each map's change is painted in a screen update of its own.
        self.setViewportUpdateMode(self.ViewportUpdateMode.NoViewportUpdate)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)

    def set_values(self, values: np.ndarray, *, contrast: str | None = None,
                   value_range: tuple[float, float] | None = None) -> None:
        """Show a 2-D map; keeps the view fitted to it. ``value_range``: its finite (min, max) when known."""
        values = np.asarray(values)
        if values.ndim != 2:
            raise ValueError(f"values: expected a 2-D map, got shape {values.shape}")
        self._set_source(values.shape, lambda step: values if step == 1 else values[::step, ::step], values,
                         finite_range(values) if value_range is None else value_range, contrast)

    def set_sampled(self, shape: tuple[int, int], sampler: Callable[[int], np.ndarray], *,
                    value_range: tuple[float, float] | None = None, contrast: str | None = None,
                    rendered: Rendering | None = None) -> None:
        """Show an (H, W) map computed on demand: ``sampler(n)`` gives ``map[::n, ::n]`` and is called
        only for the n the view shows (and n = 1 when every value is asked for, e.g. on hover).
        ``value_range``: the exact (min, max) if known; otherwise the range of the cells shown.
        ``rendered``: what :meth:`render` made of this very map beforehand; used when the view would
        colour it the same way now (same shape, stride, contrast and range), else coloured anew."""
        self._set_source((int(shape[0]), int(shape[1])), sampler, None, value_range, contrast, rendered)

    def render(self, shape: tuple[int, int], sampler: Callable[[int], np.ndarray], *,
               value_range: tuple[float, float] | None = None, contrast: str | None = None) -> Rendering:
        """Colour a map as :meth:`set_sampled` would show it now, without showing it (e.g. while the
        rest of the result is still being computed). Calls ``sampler`` once, for the stride it would show."""
        shape = (int(shape[0]), int(shape[1]))
        contrast = self._contrast if contrast is None else contrast
        if contrast not in CONTRASTS:
            raise ValueError(f"contrast: one of {', '.join(CONTRASTS)}, got {contrast!r}")
        return self._render(shape, self.display_stride_for(shape), sampler, None, value_range, contrast)

    def set_contrast(self, contrast: str) -> None:
        """'full', 'robust' or 'image' (see the module docstring); redraws the map."""
        if contrast not in CONTRASTS:
            raise ValueError(f"contrast: one of {', '.join(CONTRASTS)}, got {contrast!r}")
        if contrast != self._contrast:
            self._contrast = contrast
            if self._shape[0] * self._shape[1]:
                self._show_image()

    def contrast(self) -> str:
        return self._contrast

    def _set_source(self, shape, sampler, values, value_range, contrast, rendered: Rendering | None = None) -> None:
        if contrast is not None and contrast not in CONTRASTS:
            raise ValueError(f"contrast: one of {', '.join(CONTRASTS)}, got {contrast!r}")
        reshaped = tuple(shape) != self._shape
        self._shape = tuple(shape)
        self._sampler = sampler
        self._values = values
        self._known_range = value_range
        if contrast is not None:
            self._contrast = contrast
        self._stride = 0
        if rendered is not None and (rendered.shape, rendered.contrast, rendered.given_range) != \
                (self._shape, self._contrast, value_range):
            rendered = None
        self._show_image(rendered)
        if reshaped:
            self._box.setRange(QRectF(0, 0, shape[1], shape[0]), padding=0.0)
            self._stale.setRect(QRectF(0, 0, shape[1], shape[0]))
            self._hover.setVisible(False)
            self._repaint()
        self._fit_numbers()

    def _display_stride(self) -> int:
        return self.display_stride_for(self._shape)

    def display_stride_for(self, shape: tuple[int, int]) -> int:
        """Take every n-th cell of a map with more cells than the view has pixels (device pixels):
        what nearest-neighbour scaling would show anyway, without colouring every cell per update."""
        h, w = shape
        size = self._box.size()
        dpr = self.devicePixelRatioF()
        px_h, px_w = max(64.0, size.height() * dpr), max(64.0, size.width() * dpr)
        return max(1, int(max(h / px_h, w / px_w)))     # aspect locked: the tighter side sets the scale

    def _render(self, shape, stride: int, sampler, values, given_range, contrast: str) -> Rendering:
        known_range = given_range
        shown = np.asarray(sampler(stride))
        if stride == 1 and values is None:
            values = shown                              # every cell is there: hover needs no new call
        if known_range is None and values is not None:
            known_range = finite_range(values)
        if known_range is not None:
            value_range, exact = known_range, True
        else:
            value_range, exact = finite_range(shown), stride == 1
        largest = max(abs(value_range[0]), abs(value_range[1])) or 1.0
        # Robust contrast clips the few extremes of a large map; a map small enough for its numbers keeps
        # its full range (every cell is read there, and clipping 2 of 36 cells would only mislead).
        robust = contrast == "robust" and max(shape) > MAX_LABELLED_SIDE
        m = min(largest, robust_limit(shown)) if robust else largest
        # A new array each time: the QImage on screen reads the last one until it is replaced.
        pixels = grey_argb32(shown) if contrast == "image" else diverging_argb32(shown, m)
        return Rendering(shape, stride, contrast, given_range, known_range, values, shown, value_range, exact, m,
                         pixels)

    def _show_image(self, rendered: Rendering | None = None) -> None:
        stride = self._display_stride()
        if rendered is None or rendered.stride != stride:
            rendered = self._render(self._shape, stride, self._sampler, self._values, self._known_range,
                                    self._contrast)
        r = rendered
        self._stride, self._values, self._known_range = r.stride, r.values, r.known_range
        self._range, self._range_exact, self._m, self._pixels = r.range, r.exact, r.m, r.pixels
        h, w = self._shape
        self._image.set_image(self._pixels, QRectF(0, 0, w, h))
        grey = self._contrast == "image"
        small = max(self._shape, default=0) <= MAX_LABELLED_SIDE
        if small or self._text.has_cells():
            self._text.set_cells(r.shown if small else None, self._m, grey)
        levels = (self._m, self._range, self._contrast)
        if levels != self._levels:
            self._levels = levels
            self.levels_changed.emit()
        self._repaint()

    def _repaint(self) -> None:
        self.viewport().update()

    def _fit_numbers(self) -> None:
        """A map small enough for numbers asks for cells that fit them at NUMBER_MIN_PX × scale."""
        width = height = 40
        if self._text.has_cells() and max(self._shape, default=0) <= MAX_LABELLED_SIDE:
            cell = min_number_cell(self._text.longest(), self._scale)
            width, height = max(40, math.ceil(cell * self._shape[1])), max(40, math.ceil(cell * self._shape[0]))
        if (width, height) != (self.minimumWidth(), self.minimumHeight()):
            self.setMinimumSize(width, height)

    def _on_box_resized(self) -> None:
        if self._shape[0] * self._shape[1] and self._display_stride() != self._stride:
            self._show_image()

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        self._text.set_scale(f)
        self._fit_numbers()
        self._repaint()

    def set_stale(self, stale: bool) -> None:
        """Veil the map (hatched): what it shows does not match the current settings."""
        self._stale.setVisible(bool(stale))
        self._repaint()

    def is_stale(self) -> bool:
        return self._stale.isVisible()

    def data_range(self) -> tuple[float, float]:
        """(min, max) of the map's finite values (of the cells shown when not :meth:`range_is_exact`)."""
        return self._range

    def range_is_exact(self) -> bool:
        """False when the map was given as a sampler, without its range, and is shown sampled."""
        return self._range_exact

    def values(self) -> np.ndarray:
        """Every cell of the map (a sampled map is computed in full on the first call)."""
        if self._values is None:
            self._values = np.asarray(self._sampler(1))
        return self._values

    def shape(self) -> tuple[int, int]:
        return self._shape

    def number_pixel_size(self) -> int:
        """Pixel size of the numbers as drawn now (0 when the map has none or they are too small to draw)."""
        if not self._text.has_cells() or not self._shape[0]:
            return 0
        origin = self.cell_center(0, 0)
        if self._shape[1] > 1:
            cell = self.cell_center(0, 1).x() - origin.x()
        elif self._shape[0] > 1:
            cell = self.cell_center(1, 0).y() - origin.y()
        else:
            cell = min(self.plot_size())
        size = number_font(cell, self._text.longest(), self._scale).pixelSize()
        return size if size >= 8 else 0

    def color_levels(self) -> tuple[float, float]:
        """(−m, m): the values the colour map's ends stand for."""
        return -self._m, self._m

    def displayed_rgba(self) -> np.ndarray:
        """The (rows, cols, 4) uint8 RGBA image on screen, a copy (see :meth:`displayed_shape`)."""
        return np.zeros((0, 0, 4), np.uint8) if self._pixels is None else argb32_to_rgba(self._pixels)

    def displayed_stride(self) -> int:
        """n when every n-th cell is shown (1: every cell)."""
        return max(1, self._stride)

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
        h, w = self._shape if self._shape[0] * self._shape[1] else (1, 1)
        rect = self.mapFromScene(self._box.mapViewToScene(QRectF(0, 0, w, h)).boundingRect()).boundingRect()
        return float(max(0, rect.top())), float(min(self.height(), rect.bottom()))

    def cell_center(self, i: int, j: int) -> QPointF:
        """Widget position of the centre of cell (i, j)."""
        scene = self._box.mapViewToScene(QPointF(j + 0.5, i + 0.5))
        return QPointF(self.mapFromScene(scene))

    def _cell_at(self, pos) -> tuple[int, int] | None:
        if self._shape[0] * self._shape[1] == 0:
            return None
        p = self._box.mapSceneToView(self.mapToScene(pos.toPoint()))
        i, j = math.floor(p.y()), math.floor(p.x())
        if 0 <= i < self._shape[0] and 0 <= j < self._shape[1]:
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
            self._repaint()
            self.cell_hovered.emit(*hit)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._hovered != (-1, -1):
            self._hovered = (-1, -1)
            self._hover.setVisible(False)
            self._repaint()
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
