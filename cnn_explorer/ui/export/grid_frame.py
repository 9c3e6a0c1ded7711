"""A number grid painted into any QPainter (a QImage, a PDF page) with the step view's own painting code.

:func:`lay_out` picks the cells shown and their size in a rectangle (the whole grid when its
cells are big enough, else a neighbourhood around the focus that stands still while the
window slides, as :class:`~cnn_explorer.ui.explorer.animation_grid.NumberGridView` does);
:func:`paint_grid` paints them with the functions of ``ui/explorer/grid_painting.py``:
colours, padding hatching, pending (not yet computed) cells, numbers, edge numbers and the
window, winner and current-cell marks. No widget is involved, so a worker thread may paint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen

from cnn_explorer.ui.explorer.grid_painting import (
    cell_colors,
    padding_block,
    paint_indices,
    paint_marks,
    paint_numbers,
    scroll_origin,
    unfilled_rects,
)
from cnn_explorer.ui.theme import GRID_LINE, PADDING_CELL, PENDING_CELL, PENDING_DOTS

#: the row/column numbers' strip on the top and left edges, at scale 1
INDEX_MARGIN = 22.0


@dataclass
class GridLook:
    """What one grid shows (besides its values): colours, padding, edge numbers and marks."""

    colors: str = "grey"
    value_range: tuple[float, float] = (0.0, 1.0)
    padding_mask: np.ndarray | None = None
    interior: tuple[int, int, int, int] | None = None
    label_offset: tuple[int, int] = (0, 0)
    indices: bool = True
    window: tuple[np.ndarray, np.ndarray] | None = None
    winner: tuple[int, int] | None = None
    current: tuple[int, int] | None = None
    filled: int | None = None


def focus_of(look: GridLook) -> tuple[int, int, int, int]:
    """Bounding box (r0, r1, c0, c1), inclusive, that must stay visible: the window, else the current cell."""
    if look.window is not None and np.size(look.window[0]) and np.size(look.window[1]):
        rows, cols = look.window
        return int(np.min(rows)), int(np.max(rows)), int(np.min(cols)), int(np.max(cols))
    if look.current is not None:
        return look.current[0], look.current[0], look.current[1], look.current[1]
    return 0, 0, 0, 0


def lay_out(shape, rect: QRectF, look: GridLook, old_view=(0, 0, 0, 0), *, min_cell: float = 18.0,
            max_cell: float = 64.0, scale: float = 1.0):
    """(view, geom): view = (first row, first col, rows, cols) shown, geom = (x0, y0, cell side) in ``rect``.

    Centred in ``rect``; edge numbers take ``INDEX_MARGIN``·scale on the top and left when shown.
    """
    h, w = int(shape[0]), int(shape[1])
    m = INDEX_MARGIN * scale if look.indices else 1.0
    avail_w = max(1.0, rect.width() - m - 2)
    avail_h = max(1.0, rect.height() - m - 2)
    cell = min(max_cell * scale, avail_w / w, avail_h / h)
    if cell >= min_cell * scale:
        r0, c0, rows, cols = 0, 0, h, w
    else:
        fr0, fr1, fc0, fc1 = focus_of(look)
        rows = min(h, max(fr1 - fr0 + 1, int(avail_h // (min_cell * scale))))
        cols = min(w, max(fc1 - fc0 + 1, int(avail_w // (min_cell * scale))))
        cell = min(max_cell * scale, avail_w / cols, avail_h / rows)
        r0 = scroll_origin(old_view[0], old_view[2], rows, fr0, fr1, h)
        c0 = scroll_origin(old_view[1], old_view[3], cols, fc0, fc1, w)
    x0 = rect.x() + m + (avail_w - cols * cell) / 2
    y0 = rect.y() + m + (avail_h - rows * cell) / 2
    return (r0, c0, rows, cols), (x0, y0, cell)


def paint_grid(p: QPainter, font: QFont, values: np.ndarray, look: GridLook, view, geom, *,
               text_color: QColor, scale: float = 1.0) -> None:
    """Paint the ``view`` part of ``values`` at ``geom`` as the step view paints its grids."""
    r0, c0, rows, cols = view
    x0, y0, cell = geom
    if rows == 0 or cols == 0:
        return
    block = np.asarray(values[r0:r0 + rows, c0:c0 + cols], dtype=np.float64)
    padding = padding_block(look.padding_mask, look.interior, r0, c0, rows, cols)
    pending = np.zeros((rows, cols), dtype=bool)
    if look.filled is not None:
        index = (np.arange(r0, r0 + rows)[:, None] * values.shape[1] + np.arange(c0, c0 + cols)[None, :])
        pending = index >= look.filled
    blank = np.isnan(block) | pending
    colors = cell_colors(block, look.colors, look.value_range)
    area = QRectF(x0, y0, cols * cell, rows * cell)
    pixels = np.uint32(0xFF000000) | (colors[..., 0].astype(np.uint32) << 16) \
        | (colors[..., 1].astype(np.uint32) << 8) | colors[..., 2].astype(np.uint32)
    pixels[np.isnan(block)] = QColor(Qt.GlobalColor.white).rgba()
    pixels = np.ascontiguousarray(pixels)
    image = QImage(pixels.data, cols, rows, 4 * cols, QImage.Format.Format_ARGB32)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    p.drawImage(area, image)
    hatch = QBrush(PADDING_CELL.darker(130), Qt.BrushStyle.BDiagPattern)
    for rr, cc in np.argwhere(padding & ~pending).tolist():
        p.fillRect(QRectF(x0 + cc * cell, y0 + rr * cell, cell, cell), hatch)
    if look.filled is not None:
        for r in unfilled_rects(look.filled, values.shape[1], view, geom):
            r = r.intersected(area)
            p.fillRect(r, PENDING_CELL)
            p.fillRect(r, QBrush(PENDING_DOTS, Qt.BrushStyle.Dense7Pattern))
    p.setPen(QPen(GRID_LINE, 1))
    lines = [QLineF(x0, y0 + rr * cell, x0 + cols * cell, y0 + rr * cell) for rr in range(rows + 1)]
    lines += [QLineF(x0 + cc * cell, y0, x0 + cc * cell, y0 + rows * cell) for cc in range(cols + 1)]
    p.drawLines(lines)
    finite = values[np.isfinite(values)]
    also = (float(finite.min()), float(finite.max())) if finite.size else ()
    paint_numbers(p, font, block, blank, padding, colors, x0, y0, cell, also=also)
    if look.indices:
        paint_indices(p, font, text_color, view, geom, INDEX_MARGIN * scale, look.label_offset, scale)
    paint_marks(p, look.window, look.winner, look.current, view, geom)


def cell_rect(view, geom, r: int, c: int) -> QRectF:
    """The rectangle of grid cell (r, c) as laid out by :func:`lay_out`."""
    r0, c0, _, _ = view
    x0, y0, cell = geom
    return QRectF(x0 + (c - c0) * cell, y0 + (r - r0) * cell, cell, cell)
