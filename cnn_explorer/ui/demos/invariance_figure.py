"""The pooling-invariance figure: the picture, its convolution map and its pooled map, before and after the move.

Two rows of three number grids (9x9 picture, 7x7 map, 4x4 pooled map), all at one cell size so the
grids shrink as the layer does; the cells that changed are outlined in both rows. Painted here with
the animation's cell painting (``ui.explorer.grid_painting``); the numbers come from core.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.core.conv.invariance import InvarianceResult, transform_words
from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.grid_painting import (
    MIN_NUMBER_PIXELS,
    cell_colors,
    number_font,
    paint_numbers,
)
from cnn_explorer.ui.scale import scaled, scaled_font
from cnn_explorer.ui.theme import GRID_LINE, MUTED_TEXT, PLOT_TEXT, WINDOW_MARK

#: the three grids of a row: (stage of the result or "picture", title)
COLUMNS = (("picture", "Picture"), ("conv", "Convolution ÷9"), ("pool", "Max-pool"))
_GAP_CELLS = 1.0          # space between two grids, in cells
_BLOCK_GAP_CELLS = 2.0    # space between the original and the moved X when side by side, in cells
_MIN_CELL = 15            # pixels at 100 %: below it the figure scrolls
_HINT_CELL = 30
_MAX_CELL = 64
_MIN_NUMBER_PIXELS = 7    # the maps' numbers at least this times the presenter scale (and 8)


class InvarianceFigure(QWidget):
    """Paints an :class:`InvarianceResult`; ``changed_cells(row, column)`` says what it outlines (for tests)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("invariance_figure")
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._result: InvarianceResult | None = None
        self._scale = 1.0
        self.setToolTip("Top: the slide's X and its maps. Bottom: the same after the move. Outlined: the cells "
                        "whose value changed. Right-click to copy or save the figure.")

    # ------------------------------------------------------------------ API
    def set_result(self, result: InvarianceResult) -> None:
        self._result = result
        self.updateGeometry()
        self.update()

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.updateGeometry()
        self.update()

    def grids(self, row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row 0 (original) or 1 (moved): the picture, the convolution map and the pooled map shown."""
        r = self._result
        if r is None:
            raise RuntimeError("no result shown yet")
        if row == 0:
            return r.image, r.stage("conv").before, r.stage("pool").before
        return r.moved, r.stage("conv").after, r.stage("pool").after

    def changed_cells(self, column: str) -> np.ndarray:
        """(H, W) bool: the cells outlined in grid ``column`` ("picture", "conv" or "pool")."""
        r = self._result
        if r is None:
            raise RuntimeError("no result shown yet")
        if column == "picture":
            return np.abs(r.moved - r.image) > 1e-12
        return r.stage(column).changed

    def row_titles(self) -> tuple[str, str]:
        r = self._result
        what = transform_words(r.transform, r.amount) if r is not None else ""
        return "Original", f"{what[0].upper()}{what[1:]}" if what else ""

    # ------------------------------------------------------------------ geometry
    def _text_heights(self) -> tuple[float, float]:
        caption = QFontMetricsF(self._caption_font()).height()
        title = QFontMetricsF(self._title_font()).height()
        return caption, title

    def _caption_font(self):
        return scaled_font(self.font(), 15, self._scale, bold=True)

    def _title_font(self):
        return scaled_font(self.font(), 12, self._scale)

    def _block_cells(self) -> float:
        """One row's width in cells: the three grids and the gaps between them."""
        return 9 + 7 + 4 + 2 * _GAP_CELLS

    def _extent(self, wide: bool) -> tuple[float, float, float, float]:
        """(cells wide, cells tall, text height, margins height) of the figure: ``wide`` puts the moved X
        beside the original (one row of six grids), else under it."""
        caption, title = self._text_heights()
        margin = scaled(6, self._scale)
        if wide:
            return 2 * self._block_cells() + _BLOCK_GAP_CELLS, 9.0, caption + title, 2 * margin
        return self._block_cells(), 18.5, 2 * (caption + title), 3 * margin

    def _cell_in(self, width: float, height: float, wide: bool) -> float:
        cells_wide, cells_tall, text, margins = self._extent(wide)
        margin = scaled(6, self._scale)
        return min((width - 2 * margin) / cells_wide, (height - text - margins) / cells_tall,
                   _MAX_CELL * self._scale)

    def _size_for(self, cell: float, wide: bool = False) -> QSize:
        cells_wide, cells_tall, text, margins = self._extent(wide)
        margin = scaled(6, self._scale)
        return QSize(int(cells_wide * cell + 2 * margin) + 1, int(cells_tall * cell + text + margins) + 1)

    def smallest_cell(self) -> float:
        """The cell side (pixels) below which the maps' numbers would be smaller than the scale's readable size:
        the figure asks for at least this much room (the page scrolls rather than shrink the numbers)."""
        target = max(MIN_NUMBER_PIXELS, round(_MIN_NUMBER_PIXELS * self._scale))
        texts = (["−0.11"] if self._result is None else
                 [format_number(float(v), "cell") for v in self._result.stage("conv").before.ravel().tolist()])
        font = QFont(self.font())
        font.setPixelSize(100)
        widest = QFontMetricsF(font).horizontalAdvance(max(texts + ["−1"], key=len))
        # number_font: 0.42 of the cell, narrowed so the widest fits 0.9 of it (3 % for its rounding down)
        return max(_MIN_CELL * self._scale, target / 0.42, target * widest / 100 / 0.9) * 1.03

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        # as narrow as two rows, as low as one: heightForWidth says which a width needs
        smallest = self.smallest_cell()
        return QSize(self._size_for(smallest).width(), self._size_for(smallest, True).height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self._size_for(max(_HINT_CELL * self._scale, self.smallest_cell()))

    def wide_width(self) -> int:
        """The width the figure needs to draw the two X side by side at readable numbers."""
        return self._size_for(self.smallest_cell(), True).width()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        """Wide enough for the two X side by side at readable numbers: one row's height, else two rows'."""
        smallest = self.smallest_cell()
        wide = self._size_for(smallest, True)
        return wide.height() if width >= wide.width() else self._size_for(smallest).height()

    def best_cell(self, width: float, height: float) -> float:
        """The cell side the figure would draw at in ``width`` × ``height`` pixels (the better arrangement)."""
        return max(self._cell_in(width, height, True), self._cell_in(width, height, False))

    def is_wide(self) -> bool:
        """True when the moved X is drawn beside the original (it gives bigger cells), False when under it."""
        return self._cell_in(self.width(), self.height(), True) > self._cell_in(self.width(), self.height(), False)

    def cell_size(self) -> float:
        """The side of a cell in pixels, as painted now."""
        return max(4.0, self._cell_in(self.width(), self.height(), self.is_wide()))

    def number_pixel_size(self) -> int:
        """The pixel size of the maps' numbers as painted now (0 when the cells are too small for them)."""
        if self._result is None:
            return 0
        font = number_font(self.font(), self.grids(0)[1], self.cell_size(), also=(-1.0,))
        return font.pixelSize() if font.pixelSize() >= MIN_NUMBER_PIXELS else 0

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.fillRect(self.rect(), self.palette().base())
            if self._result is not None:
                self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        wide = self.is_wide()
        cell = self.cell_size()
        caption_h, title_h = self._text_heights()
        margin = scaled(6, self._scale)
        cells_wide, cells_tall, text, margins = self._extent(wide)
        block_w = self._block_cells() * cell
        x_start = margin + (self.width() - 2 * margin - cells_wide * cell) / 2
        for row, caption in enumerate(self.row_titles()):
            if wide:
                x0, y = x_start + row * (block_w + _BLOCK_GAP_CELLS * cell), float(margin)
            else:
                x0, y = x_start, margin + row * (caption_h + title_h + 9 * cell + margin + cell * 0.5)
            p.setFont(self._caption_font())
            p.setPen(PLOT_TEXT)
            p.drawText(QRectF(x0, y, block_w, caption_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, caption)
            y += caption_h
            x = x0
            for (column, title), grid in zip(COLUMNS, self.grids(row)):
                rows, cols = grid.shape
                p.setFont(self._title_font())
                p.setPen(MUTED_TEXT)
                room = (cols + _GAP_CELLS * 0.8) * cell
                p.drawText(QRectF(x, y, room, title_h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                           self._fitting(p, (f"{title} {rows}×{cols}", title, f"{rows}×{cols}"), room))
                self._paint_grid(p, grid, self.changed_cells(column), x, y + title_h, cell)
                x += (cols + _GAP_CELLS) * cell
        if wide:        # a rule between the original and the moved X
            p.setPen(QPen(GRID_LINE, max(1.0, self._scale)))
            x = x_start + block_w + _BLOCK_GAP_CELLS * cell / 2
            p.drawLine(int(x), int(margin), int(x), int(margin + caption_h + title_h + 9 * cell))

    @staticmethod
    def _fitting(p: QPainter, texts, width: float) -> str:
        """The first of ``texts`` that fits ``width`` pixels in the painter's font (else the last)."""
        metrics = QFontMetricsF(p.font())
        return next((t for t in texts if metrics.horizontalAdvance(t) <= width), texts[-1])

    def _paint_grid(self, p: QPainter, grid: np.ndarray, changed: np.ndarray, x0: float, y0: float,
                    cell: float) -> None:
        colors = cell_colors(grid, "diverging", (-1.0, 1.0))
        rows, cols = grid.shape
        p.setPen(Qt.PenStyle.NoPen)
        for r in range(rows):
            for c in range(cols):
                p.fillRect(QRectF(x0 + c * cell, y0 + r * cell, cell, cell), QColor(*colors[r, c].tolist()))
        p.setPen(QPen(GRID_LINE, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for r in range(rows + 1):
            p.drawLine(int(x0), int(y0 + r * cell), int(x0 + cols * cell), int(y0 + r * cell))
        for c in range(cols + 1):
            p.drawLine(int(x0 + c * cell), int(y0), int(x0 + c * cell), int(y0 + rows * cell))
        none = np.zeros(grid.shape, dtype=bool)
        paint_numbers(p, self.font(), grid, none, none, colors, x0, y0, cell, also=(-1.0,))
        p.setPen(QPen(WINDOW_MARK, max(2.5, cell * 0.1)))
        inset = max(1.5, cell * 0.06)
        for r, c in np.argwhere(changed).tolist():
            p.drawRect(QRectF(x0 + c * cell, y0 + r * cell, cell, cell).adjusted(inset, inset, -inset, -inset))
