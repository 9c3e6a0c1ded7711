"""A grid of numbered cells painted with QPainter: the animation's input, output and arithmetic grids.

Shows a 2-D array (row 0 at the top) as coloured cells with their values written
in, the sliding window, the winning cell and the current output cell marked.
When the array is too large for readable cells, only a neighbourhood around the
focus (the window or the current cell) is shown, with its row/column numbers on
the edges. Painting touches only the visible cells, so a 1024×1024 input costs
the same as a 6×6 one.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.grid_painting import (
    cell_colors,
    cells_between,
    marks_rect,
    number_font,
    padding_block,
    paint_caption,
    paint_cells,
    paint_indices,
    paint_marks,
    paint_numbers,
    same_grid,
    scroll_origin,
    unfilled_rects,
)
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled_font
from cnn_explorer.ui.theme import PADDING_CELL, PENDING_CELL, PENDING_DOTS

#: grids up to this many cells skip a ``set_values`` that changes nothing (cheap to compare)
SAME_CHECK_CELLS = 4096


class NumberGridView(QWidget):
    """Paints (part of) a 2-D array as numbered cells; clicks report array coordinates.

    ``colors``: 'grey' maps [lo, hi] to black..white (images); 'diverging' maps
    [-m, m] through the diverging colour map with zero at the centre (maps, kernels).
    ``label_offset`` is subtracted from the edge numbers (so a padded input shows
    the original image's coordinates, padding as −1 and H…).
    """

    cell_clicked = Signal(int, int)
    cell_hovered = Signal(int, int)      # (-1, -1) when the mouse leaves
    region_changed = Signal()            # a different part of the array is on screen

    def __init__(self, parent: QWidget | None = None, *, min_cell: float = 26.0, max_cell: float = 64.0,
                 show_indices: bool = True, hint_cell: float = 40.0, cached: bool = True,
                 name: str = "number grid") -> None:
        super().__init__(parent)
        self._values = np.zeros((0, 0))
        self._colors = "grey"
        self._range = (0.0, 1.0)
        self._extremes: tuple = ()
        self._interior: tuple[int, int, int, int] | None = None
        self._padding_mask: np.ndarray | None = None
        self._label_offset = (0, 0)
        self._window: tuple[np.ndarray, np.ndarray] | None = None
        self._winner: tuple[int, int] | None = None
        self._current: tuple[int, int] | None = None
        self._filled: int | None = None
        self._scale = 1.0
        self._min_cell = min_cell
        self._floor_scale = math.inf         # the scale beyond which the least size stops growing
        self._max_cell = max_cell
        self._show_indices = show_indices
        self._hint_cell = hint_cell
        self._cached = cached                # grids whose values change every step paint directly
        self._caption = ""
        self._version = 0                    # bumped when what the cells show changes
        self._cache_key: tuple | None = None
        self._cache_full: QPixmap | None = None
        self._cache_empty: QPixmap | None = None
        self._cache_empty_key: tuple | None = None
        self._view = (0, 0, 0, 0)            # r0, c0, rows, cols shown
        self._shown_extent = (0, 0)          # the focus window's extent the size hints were given for
        self._geom = (0.0, 0.0, 1.0)         # x0, y0, cell size in pixels
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        install_figure_export(self, lambda: f"{name} {self._caption}".strip(), values=self._shown_values, vector=True)

    def _shown_values(self) -> np.ndarray | None:
        return self._values if self._values.size else None

    # --- data -----------------------------------------------------------------------------------
    def set_values(self, values: np.ndarray, *, colors: str = "grey", value_range: tuple[float, float] | None = None,
                   interior: tuple[int, int, int, int] | None = None, padding_mask: np.ndarray | None = None,
                   label_offset: tuple[int, int] = (0, 0)) -> None:
        """Show ``values`` (2-D). ``interior`` = (r0, r1, c0, c1): cells outside it are padding."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2:
            raise ValueError(f"values: expected a 2-D array, got shape {values.shape}")
        if self._shows(values, colors, value_range, interior, padding_mask, label_offset):
            return                          # e.g. the kernel beside the window: same numbers at every step
        self._values = values
        self._colors = colors
        finite = values[np.isfinite(values)]
        if value_range is None:
            if colors == "diverging":
                m = float(np.abs(finite).max()) if finite.size else 0.0
                value_range = (-m, m)
            else:
                value_range = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self._range = (float(value_range[0]), float(value_range[1]))
        # the longest numbers the grid can show: the font then never depends on the part shown
        self._extremes = (float(finite.min()), float(finite.max())) if finite.size else ()
        self._interior = interior
        self._padding_mask = padding_mask
        self._label_offset = label_offset
        self._version += 1
        self._cap_size()
        self.updateGeometry()
        self.update()

    def _shows(self, values, colors, value_range, interior, padding_mask, label_offset) -> bool:
        """Whether a small grid already shows exactly this (big grids are not compared: the caller knows)."""
        return values.size <= SAME_CHECK_CELLS and same_grid(
            (values, colors, value_range, interior, padding_mask, label_offset),
            (self._values, self._colors, self._range, self._interior, self._padding_mask, self._label_offset))

    def set_marks(self, *, window: tuple[np.ndarray, np.ndarray] | None = None, winner: tuple[int, int] | None = None,
                  current: tuple[int, int] | None = None, filled: int | None = None) -> None:
        """Mark the window (rows, cols), the winning cell, the current cell; show only ``filled`` cells (row-major).

        Only what changed is repainted (the old and new marks, the cells filled in or emptied), unless
        the grid scrolls to another neighbourhood: a step on a big grid then costs a few cells' paint.
        """
        old_marks = self._marks_rect() if self.isVisible() else None
        old_view, old_filled = self._view, self._filled
        self._window = None if window is None else (np.asarray(window[0], int), np.asarray(window[1], int))
        self._winner = winner
        self._current = current
        self._filled = filled
        extent = self._focus_extent()
        if extent != self._shown_extent:      # a window of another size needs another minimum size
            self._shown_extent = extent
            self.updateGeometry()
        if old_marks is None or not self._cached:
            self.update()
            return
        self._layout()
        if self._view != old_view or (old_filled is None) != (filled is None):
            self.update()
            return
        dirty = old_marks.united(self._marks_rect())
        if filled is not None and filled != old_filled:
            dirty = dirty.united(cells_between(min(filled, old_filled), max(filled, old_filled), self._values.shape[1],
                                                     self._view, self._geom))
        if not dirty.isEmpty():
            self.update(dirty.toAlignedRect())

    def _marks_rect(self) -> QRectF:
        """Widget rectangle covering the window, winner and current-cell marks as last laid out (pen included)."""
        return marks_rect(self._window, self._winner, self._current, self._view, self._geom)

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        self._cap_size()
        self.updateGeometry()
        self.update()

    def _cap_size(self) -> None:
        """A grid that always shows all its cells (no edge numbers) never grows past its largest cells,
        so what sits beside it (⊙, =) stays level with it."""
        if self._show_indices:
            return
        h, w = self._values.shape
        cell = self._max_cell * self._scale
        m = self._margin()
        self.setMaximumSize(int(m + max(1, w) * cell + 2), int(m + max(1, h) * cell + 2))

    def set_cell_range(self, smallest: float, largest: float) -> None:
        """Cell sides (at scale 1) between which the whole array is shown; below ``smallest`` the view
        shows a neighbourhood. A narrow range keeps the numbers' size a matter of the presenter scale
        (bigger scale, bigger numbers), not of how the room is shared out."""
        if (float(smallest), float(largest)) == (self._min_cell, self._max_cell):
            return
        self._min_cell, self._max_cell = float(smallest), float(largest)
        self._cap_size()
        self.updateGeometry()
        self.update()

    def cell_size(self) -> float:
        """Side of a cell in pixels, as laid out now."""
        self._layout()
        return self._geom[2]

    def number_pixel_size(self) -> int:
        """Pixel size of the numbers' font as painted now (0 when the cells are too small for numbers)."""
        self._layout()
        r0, c0, rows, cols = self._view
        block = self._values[r0:r0 + rows, c0:c0 + cols]
        return number_font(self.font(), block, self._geom[2], also=self._extremes).pixelSize() if block.size else 0

    def set_min_cell(self, pixels: float) -> None:
        """Smallest cell side (at scale 1) before the view shows a neighbourhood instead of the whole array."""
        if float(pixels) == self._min_cell:
            return
        self._min_cell = float(pixels)
        self.updateGeometry()
        self.update()

    def set_floor_scale(self, scale: float | None) -> None:
        """Beyond scale ``scale`` (None: never) the least size stops growing: cells get smaller instead."""
        self._floor_scale = math.inf if scale is None else float(scale)
        self.updateGeometry()

    def set_hint_cell(self, pixels: float) -> None:
        """Preferred cell side (at scale 1) for the size hint."""
        if float(pixels) != self._hint_cell:
            self._hint_cell = float(pixels)
            self.updateGeometry()

    def set_caption(self, text: str) -> None:
        """A short name painted in the top-left corner (e.g. the channel 'R')."""
        if text != self._caption:
            self._caption = text
            self.update()

    def marked_window(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The window's (rows, cols) as marked last; None without a window."""
        return self._window

    def marked_winner(self) -> tuple[int, int] | None:
        """The max-pool winner's cell as marked last; None without one."""
        return self._winner

    def label_offset(self) -> tuple[int, int]:
        return self._label_offset

    def values(self) -> np.ndarray:
        return self._values

    def visible_region(self) -> tuple[int, int, int, int]:
        """(first row, first col, rows, cols) of the cells painted last."""
        self._layout()
        return self._view

    def text_at(self, r: int, c: int) -> str:
        """The text painted in cell (r, c) ('' when not filled in yet)."""
        if self._filled is not None and r * self._values.shape[1] + c >= self._filled:
            return ""
        v = float(self._values[r, c])
        return "" if math.isnan(v) else format_number(v, "cell")

    # --- geometry -------------------------------------------------------------------------------
    def _index_scale(self) -> float:
        """The edge numbers' scale: they stop growing at the floor scale, leaving the room to cells and sum."""
        return min(self._scale, self._floor_scale)

    def _margin(self) -> float:
        return 22.0 * self._index_scale() if self._show_indices else 2.0

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        h, w = self._values.shape
        cell = self._hint_cell * self._scale
        rows, cols = min(h, 12), min(w, 12)
        m = self._margin()
        return QSize(int(m + cols * cell + 4), int(m + rows * cell + 4))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        h, w = self._values.shape
        cell = self._min_cell * min(self._scale, self._floor_scale)
        m = self._margin()
        if self._show_indices:              # big grids show a neighbourhood: at least the window (3 cells or more)
            fr0, fr1, fc0, fc1 = self._focus()
            rows, cols = min(h, max(3, fr1 - fr0 + 1)), min(w, max(3, fc1 - fc0 + 1))
            return QSize(int(m + cols * cell + 4), int(m + rows * cell + 4))
        return QSize(int(m + w * cell + 2), int(m + h * cell + 2))

    def _focus_extent(self) -> tuple[int, int]:
        fr0, fr1, fc0, fc1 = self._focus()
        return fr1 - fr0, fc1 - fc0

    def _focus(self) -> tuple[int, int, int, int]:
        """Bounding box (r0, r1, c0, c1), inclusive, that must stay visible."""
        if self._window is not None and self._window[0].size and self._window[1].size:
            rows, cols = self._window
            return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())
        if self._current is not None:
            r, c = self._current
            return r, r, c, c
        return 0, 0, 0, 0

    def _layout(self) -> None:
        h, w = self._values.shape
        if h == 0 or w == 0:
            self._view = (0, 0, 0, 0)
            self._geom = (0.0, 0.0, 1.0)
            return
        m = self._margin()
        avail_w = max(1.0, self.width() - m - 2)
        avail_h = max(1.0, self.height() - m - 2)
        max_cell = self._max_cell * self._scale
        min_cell = self._min_cell * self._scale
        cell = min(max_cell, avail_w / w, avail_h / h)
        if cell >= min_cell or not self._show_indices:     # a grid without edge numbers always shows every cell
            rows, cols, r0, c0 = h, w, 0, 0
        else:
            fr0, fr1, fc0, fc1 = self._focus()
            # Never hide part of the window: shrink the cells rather than that.
            rows = min(h, max(fr1 - fr0 + 1, int(avail_h // min_cell)))
            cols = min(w, max(fc1 - fc0 + 1, int(avail_w // min_cell)))
            cell = min(max_cell, avail_w / cols, avail_h / rows)
            r0 = scroll_origin(self._view[0], self._view[2], rows, fr0, fr1, h)
            c0 = scroll_origin(self._view[1], self._view[3], cols, fc0, fc1, w)
        x0 = m + (avail_w - cols * cell) / 2
        y0 = m + (avail_h - rows * cell) / 2 if not self._show_indices else m
        if (r0, c0, rows, cols) != self._view:
            self._view = (r0, c0, rows, cols)
            self.region_changed.emit()
        self._geom = (x0, y0, cell)

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        """Array cell under a widget position, or None."""
        self._layout()
        r0, c0, rows, cols = self._view
        x0, y0, cell = self._geom
        c = math.floor((pos.x() - x0) / cell)
        r = math.floor((pos.y() - y0) / cell)
        if 0 <= r < rows and 0 <= c < cols:
            return r0 + r, c0 + c
        return None

    def cell_rect(self, r: int, c: int) -> QRectF:
        """Widget rectangle of array cell (r, c) (as last laid out)."""
        self._layout()
        r0, c0, _, _ = self._view
        x0, y0, cell = self._geom
        return QRectF(x0 + (c - c0) * cell, y0 + (r - r0) * cell, cell, cell)

    # --- painting -------------------------------------------------------------------------------
    def is_padding(self, r: int, c: int) -> bool:
        """Whether array cell (r, c) lies in the padding."""
        if self._padding_mask is not None:
            return bool(self._padding_mask[r, c])
        if self._interior is not None:
            r0, r1, c0, c1 = self._interior
            return not (r0 <= r < r1 and c0 <= c < c1)
        return False

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        # The cells (colours, numbers, grid, edge numbers) are rendered once into a pixmap and
        # reused while the data and the visible region stay the same; a step then only paints
        # the pixmap, blanks the cells not filled in yet and draws the marks.
        self._layout()
        if self._view[2] == 0:
            return
        if not self._cached:
            p = QPainter(self)
            try:
                self._paint_layer(p, blank_all=False)
                paint_marks(p, self._window, self._winner, self._current, self._view, self._geom)
            finally:
                p.end()
            return
        key = (self._version, self._view, self._geom, self.width(), self.height(), self._scale, self._caption,
               self.devicePixelRatioF())
        if key != self._cache_key:
            self._cache_full = self._render_layer(blank_all=False)
            self._cache_key = key
        # The empty grid shows no values: a new map with the same shape and place reuses it.
        empty_key = key[1:] + (self._values.shape, self._label_offset)
        if self._filled is not None and (self._cache_empty is None or empty_key != self._cache_empty_key):
            self._cache_empty = self._render_layer(blank_all=True)
            self._cache_empty_key = empty_key
        p = QPainter(self)
        p.drawPixmap(0, 0, self._cache_full)
        if self._filled is not None:
            dpr = self._cache_empty.devicePixelRatio()
            for rect in unfilled_rects(self._filled, self._values.shape[1], self._view, self._geom):
                source = QRectF(rect.x() * dpr, rect.y() * dpr, rect.width() * dpr, rect.height() * dpr)
                p.drawPixmap(rect, self._cache_empty, source)
        paint_marks(p, self._window, self._winner, self._current, self._view, self._geom)
        p.end()

    def _render_layer(self, blank_all: bool) -> QPixmap:
        """The cells as a pixmap the size of the widget; ``blank_all`` gives the empty grid instead."""
        dpr = self.devicePixelRatioF()
        pixmap = QPixmap(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
        pixmap.setDevicePixelRatio(dpr)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        try:
            self._paint_layer(p, blank_all)
        finally:  # a painter left active on a pixmap that is then freed crashes the process
            p.end()
        return pixmap

    def _paint_layer(self, p: QPainter, blank_all: bool) -> None:
        """Paint the cells (colours, padding hatching, grid, numbers, edge numbers, caption)."""
        r0, c0, rows, cols = self._view
        x0, y0, cell = self._geom
        block = self._values[r0:r0 + rows, c0:c0 + cols]
        padding = padding_block(self._padding_mask, self._interior, r0, c0, rows, cols)
        blank = np.isnan(block) | blank_all
        colors = cell_colors(block, self._colors, self._range)
        base = self.palette().base().color()
        area = QRectF(x0, y0, cols * cell, rows * cell)
        if blank_all:
            # Cells not computed yet: a dotted grey slot, so a computed 0 (its colour, "0") stands apart.
            p.fillRect(area, PENDING_CELL)
            p.fillRect(area, QBrush(PENDING_DOTS, Qt.BrushStyle.Dense7Pattern))
        else:
            paint_cells(p, colors, blank, base, area)
        if not blank_all:
            hatch = QBrush(PADDING_CELL.darker(130), Qt.BrushStyle.BDiagPattern)
            for rr, cc in np.argwhere(padding).tolist():
                p.fillRect(QRectF(x0 + cc * cell, y0 + rr * cell, cell, cell), hatch)
        p.setPen(QPen(self.palette().mid().color(), 1))
        lines = [QLineF(x0, y0 + rr * cell, x0 + cols * cell, y0 + rr * cell) for rr in range(rows + 1)]
        lines += [QLineF(x0 + cc * cell, y0, x0 + cc * cell, y0 + rows * cell) for cc in range(cols + 1)]
        p.drawLines(lines)
        if not blank_all:
            paint_numbers(p, self.font(), block, blank, padding, colors, x0, y0, cell, also=self._extremes)
        if self._show_indices:
            paint_indices(p, self.font(), self.palette().windowText().color(), self._view, self._geom,
                          self._margin(), self._label_offset, self._index_scale())
        if self._caption:
            paint_caption(p, scaled_font(self.font(), 14, self._scale, 9, bold=True),
                          self.palette().windowText().color(), self._caption, x0, y0, self._margin())

    # --- mouse ----------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            hit = self.cell_at(event.position())
            if hit is not None:
                self.cell_clicked.emit(*hit)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        hit = self.cell_at(event.position())
        self.cell_hovered.emit(*(hit if hit is not None else (-1, -1)))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.cell_hovered.emit(-1, -1)
        super().leaveEvent(event)
