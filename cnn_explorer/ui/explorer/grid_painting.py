"""How the animation's number grids paint their cells (colours, numbers, marks, edge numbers) and tell a repeat.

Plain functions over a QPainter and the laid-out geometry (``view`` = first row, first col,
rows, cols shown; ``geom`` = x0, y0 and the cell side in pixels), so that
:class:`~cnn_explorer.ui.explorer.animation_grid.NumberGridView` keeps only its state,
layout and caching.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from cnn_explorer.core.colormaps import text_is_dark
from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.colorbar import diverging_lut, lut_index
from cnn_explorer.ui.theme import DARK_TEXT, LIGHT_TEXT, WINDOW_MARK, WINNER_MARK


def cell_colors(block: np.ndarray, colors: str, value_range: tuple[float, float]) -> np.ndarray:
    """(rows, cols, 3) uint8 colours of a block of values: 'grey' maps [lo, hi] to black..white,
    'diverging' maps [−m, m] through the diverging LUT."""
    lo, hi = value_range
    finite = np.where(np.isfinite(block), block, lo)
    if colors == "diverging":
        m = max(abs(lo), abs(hi)) or 1.0
        return diverging_lut()[lut_index(finite, m)]
    span = (hi - lo) or 1.0
    g = np.clip(np.rint((finite - lo) / span * 255.0), 0, 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


#: smallest number font (pixels) worth painting; below it the colours speak alone
MIN_NUMBER_PIXELS = 8


def number_font(base: QFont, block, cell: float, *, texts=None, also=()) -> QFont:
    """The font the numbers of ``block`` get in cells ``cell`` pixels wide: 0.42 of the cell, narrowed
    so the longest text (of the block and of the values in ``also``, e.g. the array's range, so the
    size does not change with the part shown) fits in 0.9 of the cell."""
    if texts is None:
        texts = [format_number(v, "cell") for v in np.asarray(block, dtype=np.float64).ravel().tolist()
                 if v == v]
    candidates = list(texts) + [format_number(float(v), "cell") for v in also if np.isfinite(v)]
    longest = max(candidates, key=len, default="0") or "0"
    font = QFont(base)
    font.setPixelSize(max(6, int(cell * 0.42)))
    width = QFontMetricsF(font).horizontalAdvance(longest)
    if width > cell * 0.9:
        font.setPixelSize(max(6, int(font.pixelSize() * cell * 0.9 / width)))
    return font


def paint_cells(p: QPainter, colors: np.ndarray, blank: np.ndarray, base: QColor, area: QRectF) -> None:
    """All the cells in one image, one pixel a cell (``colors`` (rows, cols, 3) uint8, ``blank`` cells in
    ``base``), scaled into ``area`` without smoothing: one draw call instead of one fillRect per cell."""
    rows, cols = blank.shape
    pixels = np.uint32(0xFF000000) | (colors[..., 0].astype(np.uint32) << 16) \
        | (colors[..., 1].astype(np.uint32) << 8) | colors[..., 2].astype(np.uint32)
    pixels[blank] = base.rgba()
    pixels = np.ascontiguousarray(pixels)
    image = QImage(pixels.data, cols, rows, 4 * cols, QImage.Format.Format_ARGB32)
    smooth = p.testRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    p.drawImage(area, image)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)


def paint_caption(p: QPainter, font: QFont, color: QColor, text: str, x0: float, y0: float, margin: float) -> None:
    """A short name (a channel's 'R') in the corner left of and above the cells at (x0, y0)."""
    p.setFont(font)
    p.setPen(color)
    width = QFontMetricsF(font).horizontalAdvance(text) + 4
    left = max(0.0, x0 - margin - width)
    p.drawText(QRectF(left, y0 - margin - 2, width, margin), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
               text)


def paint_numbers(p: QPainter, base: QFont, block, blank, padding, colors, x0, y0, cell, *, also=()) -> None:
    """Each cell's value at its centre, black or white for contrast, italic in the padding."""
    texts = [["" if b else format_number(v, "cell") for v, b in zip(value_row, blank_row)]
             for value_row, blank_row in zip(block.tolist(), blank.tolist())]
    font = number_font(base, block, cell, texts=[t for row in texts for t in row if t], also=also)
    if font.pixelSize() < MIN_NUMBER_PIXELS:
        return                                          # unreadable: the colours speak alone
    dark = text_is_dark(colors)
    italic = QFont(font)
    italic.setItalic(True)
    for is_padding, face in ((False, font), (True, italic)):
        p.setFont(face)
        fm = QFontMetricsF(face)
        advance: dict[str, float] = {}
        baseline = (cell + fm.ascent() - fm.descent()) / 2
        for is_dark, pen in ((True, DARK_TEXT), (False, LIGHT_TEXT)):
            p.setPen(pen)
            for rr, cc in np.argwhere((padding == is_padding) & (dark == is_dark) & ~blank).tolist():
                text = texts[rr][cc]
                if text not in advance:
                    advance[text] = fm.horizontalAdvance(text)
                x = x0 + cc * cell + (cell - advance[text]) / 2
                p.drawText(QPointF(x, y0 + rr * cell + baseline), text)


def paint_marks(p: QPainter, window, winner, current, view, geom) -> None:
    """The sliding window (each cell and its outline), the max-pool winner and the current output cell."""
    r0, c0, rows, cols = view
    x0, y0, cell = geom
    visible = QRectF(x0, y0, cols * cell, rows * cell)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if window is not None and window[0].size:
        wr, wc = window
        p.setPen(QPen(WINDOW_MARK, max(1.5, cell * 0.05)))
        for r in wr:
            for c in wc:
                rect = QRectF(x0 + (c - c0) * cell, y0 + (r - r0) * cell, cell, cell)
                if visible.intersects(rect):
                    p.drawRect(rect.adjusted(1, 1, -1, -1))
        box = QRectF(x0 + (wc.min() - c0) * cell, y0 + (wr.min() - r0) * cell,
                     (wc.max() - wc.min() + 1) * cell, (wr.max() - wr.min() + 1) * cell)
        p.setPen(QPen(WINDOW_MARK, max(3.0, cell * 0.1)))
        p.drawRect(box)
    if winner is not None:
        r, c = winner
        rect = QRectF(x0 + (c - c0) * cell, y0 + (r - r0) * cell, cell, cell)
        p.setPen(QPen(WINNER_MARK, max(3.0, cell * 0.1)))
        p.drawRect(rect.adjusted(2, 2, -2, -2))
    if current is not None:
        r, c = current
        rect = QRectF(x0 + (c - c0) * cell, y0 + (r - r0) * cell, cell, cell)
        p.setPen(QPen(WINDOW_MARK, max(3.0, cell * 0.1)))
        p.drawRect(rect)


def paint_indices(p: QPainter, base: QFont, color: QColor, view, geom, margin: float, label_offset, scale: float) -> None:
    """Row and column numbers on the top and left edges (minus ``label_offset``), every other one when cramped."""
    r0, c0, rows, cols = view
    x0, y0, cell = geom
    font = QFont(base)
    font.setPixelSize(max(7, int(min(cell * 0.32, 12 * scale))))
    p.setFont(font)
    p.setPen(color)
    oy, ox = label_offset
    step = 1 if cell >= 18 * scale else 2
    for cc in range(0, cols, step):
        rect = QRectF(x0 + cc * cell, y0 - margin, cell, margin)
        label = str(c0 + cc - ox).replace("-", "−")
        p.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, label)
    for rr in range(0, rows, step):
        rect = QRectF(x0 - margin - 2, y0 + rr * cell, margin, cell)
        label = str(r0 + rr - oy).replace("-", "−")
        p.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)


def cells_between(a: int, b: int, width: int, view, geom) -> QRectF:
    """Widget rectangle covering the cells numbered a .. b−1 in row-major order of a grid ``width``
    cells wide (their fill changed)."""
    if b <= a or width == 0:
        return QRectF()
    r0, c0, rows, cols = view
    x0, y0, cell = geom
    (ra, ca), (rb, cb) = divmod(a, width), divmod(b - 1, width)
    if ra != rb:
        ca, cb = c0, c0 + cols - 1
    return QRectF(x0 + (ca - c0) * cell - 1, y0 + (ra - r0) * cell - 1, (cb - ca + 1) * cell + 2,
                  (rb - ra + 1) * cell + 2)


def unfilled_rects(filled: int, width: int, view, geom) -> list[QRectF]:
    """Widget rectangles covering the visible cells from number ``filled`` on (row-major order)."""
    r0, c0, rows, cols = view
    x0, y0, cell = geom
    fr, fc = divmod(int(filled), width)
    rects = []
    if r0 <= fr < r0 + rows and fc < c0 + cols:
        first = max(fc, c0)
        rects.append(QRectF(x0 + (first - c0) * cell, y0 + (fr - r0) * cell, (c0 + cols - first) * cell + 1,
                            cell + 1))
    below = max(fr + 1, r0)
    if below < r0 + rows:
        rects.append(QRectF(x0, y0 + (below - r0) * cell, cols * cell + 1, (r0 + rows - below) * cell + 1))
    return rects


def scroll_origin(old0: int, old_n: int, n: int, f0: int, f1: int, total: int) -> int:
    """First index shown along one axis: keep the old one while the focus [f0, f1] stays inside with
    a cell to spare (the picture stands still as the window slides), else centre the focus."""
    if old_n == n and old0 + 1 <= f0 and f1 <= old0 + n - 2 and old0 + n <= total:
        return old0
    if old_n == n and (f0 < old0 + 1 or f1 > old0 + n - 2) and f1 - f0 + 3 <= n:
        # Moving on: jump so the focus sits near the edge it came from, a page at a time.
        if f1 > old0 + n - 2 and f0 >= old0:
            return min(max(0, f0 - 1), total - n)
        if f0 < old0 + 1 and f1 <= old0 + n - 1:
            return min(max(0, f1 + 2 - n), total - n)
    return min(max(0, (f0 + f1) // 2 - n // 2), total - n)


def padding_block(mask, interior, r0: int, c0: int, rows: int, cols: int) -> np.ndarray:
    """(rows, cols) bool: which visible cells are padding."""
    if mask is not None:
        return np.asarray(mask[r0:r0 + rows, c0:c0 + cols], dtype=bool)
    out = np.zeros((rows, cols), dtype=bool)
    if interior is not None:
        ir0, ir1, ic0, ic1 = interior
        rr = np.arange(r0, r0 + rows)[:, None]
        cc = np.arange(c0, c0 + cols)[None, :]
        out = ~((rr >= ir0) & (rr < ir1) & (cc >= ic0) & (cc < ic1))
    return out


def marks_rect(window, winner, current, view, geom) -> QRectF:
    """Widget rectangle covering the window, winner and current-cell marks (pen included)."""
    r0, c0, rows, cols = view
    x0, y0, cell = geom
    rect = QRectF()
    boxes = []
    if window is not None and window[0].size and window[1].size:
        wr, wc = window
        boxes.append((int(wr.min()), int(wc.min()), int(wr.max()), int(wc.max())))
    for mark in (winner, current):
        if mark is not None:
            boxes.append((mark[0], mark[1], mark[0], mark[1]))
    pen = max(3.0, cell * 0.1) + 2.0
    for ra, ca, rb, cb in boxes:
        box = QRectF(x0 + (ca - c0) * cell, y0 + (ra - r0) * cell, (cb - ca + 1) * cell, (rb - ra + 1) * cell)
        rect = rect.united(box.adjusted(-pen, -pen, pen, pen))
    return rect


def same_grid(new: tuple, old: tuple) -> bool:
    """Whether (values, colors, value_range, interior, padding_mask, label_offset) ``new`` shows exactly
    what ``old`` shows (a new range of None, or values sharing memory with the old ones, never do)."""
    values, colors, value_range, interior, padding_mask, label_offset = new
    old_values, old_colors, old_range, old_interior, old_mask, old_offset = old
    if values.shape != old_values.shape or value_range is None:
        return False
    if np.may_share_memory(values, old_values):
        return False                    # the same memory may have been edited in place (a stroke)
    if (colors, (float(value_range[0]), float(value_range[1])), interior, tuple(label_offset)) != \
            (old_colors, old_range, old_interior, tuple(old_offset)):
        return False
    if (padding_mask is None) != (old_mask is None) or (
            padding_mask is not None and not np.array_equal(padding_mask, old_mask)):
        return False
    return bool(np.array_equal(values, old_values, equal_nan=True))
