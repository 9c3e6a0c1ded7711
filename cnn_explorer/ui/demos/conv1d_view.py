"""The 1-D convolution drawn as rows of cells: the padded input, each filter under the window, the products
and the output rows filling in, one step at a time (the numbers come from ``core.conv.conv1d``)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.core.conv.conv1d import Conv1d
from cnn_explorer.ui.explorer.grid_painting import (
    cell_colors,
    paint_marks,
    paint_numbers,
)
from cnn_explorer.ui.theme import (
    GRID_LINE,
    MUTED_TEXT,
    PADDING_CELL,
    PENDING_CELL,
    WINDOW_MARK,
)

#: largest and smallest cell side at 100 % (pixels)
MAX_CELL = 64
MIN_CELL = 26          # times the presenter scale: smaller, the page scrolls (the numbers stay readable, and grow)


def _range(*arrays) -> tuple[float, float]:
    m = max((float(np.max(np.abs(a))) for a in arrays if np.size(a)), default=1.0) or 1.0
    return -m, m


class Conv1dView(QWidget):
    """Rows of cells for ``Conv1d`` at ``position`` (cells done, 0 .. length): input, filters, products, outputs.

    ``output_clicked(j)``: the user clicked output cell ``j`` (of any filter's row).
    """

    output_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conv1d_view")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("The row (padding in italics), each filter under the window, the products, and the output "
                        "row(s). Click an output cell to see its sum; Space plays, Right and Left step, Home and "
                        "End jump.")
        self._conv: Conv1d | None = None
        self._position = 0
        self._scale = 1.0

    # ------------------------------------------------------------------ API
    def set_state(self, conv: Conv1d | None, position: int) -> None:
        shape_changed = conv is None or self._conv is None or conv.padded.size != self._conv.padded.size \
            or len(conv.filters) != len(self._conv.filters)
        self._conv = conv
        self._position = int(position)
        if shape_changed:
            self.updateGeometry()      # its minimum size follows the row's length and the filters' count
        self.update()

    def set_scale(self, factor: float) -> None:
        self._scale = float(factor)
        self.updateGeometry()
        self.update()

    def position(self) -> int:
        return self._position

    def row_labels(self) -> list[str]:
        """The rows drawn, top to bottom."""
        if self._conv is None:
            return []
        k = len(self._conv.filters)
        names = ["row x"]
        for n in range(k):
            tag = f" {n + 1}" if k > 1 else ""
            names += [f"filter{tag}", f"products{tag}"]
        names += [f"output{' ' + str(n + 1) if k > 1 else ''}" for n in range(k)]
        return names

    def cell_size(self) -> float:
        """The side of a cell in pixels as last laid out."""
        return self._layout()[2]

    def output_cell_rect(self, j: int, k: int = 0) -> QRectF:
        """Where output cell ``j`` of filter ``k`` is drawn (widget pixels)."""
        if self._conv is None:
            return QRectF()
        x0, _top, cell, _gap = self._layout()
        return QRectF(x0 + j * cell, self._row_y(1 + 2 * len(self._conv.filters) + k), cell, cell)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().mousePressEvent(event)
        if self._conv is None or event.button() != Qt.MouseButton.LeftButton:
            return
        for k in range(len(self._conv.filters)):
            for j in range(self._conv.length):
                if self.output_cell_rect(j, k).contains(event.position()):
                    self.output_clicked.emit(j)
                    return

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        # small: the view takes the room the texts leave (it is Expanding), and a layout that asks the
        # height for a width (the wrapped texts beside it) adds up size hints, not minimums
        return QSize(int(560 * self._scale), self.minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        rows = len(self.row_labels()) or 4
        cell = MIN_CELL * self._scale
        gap = 6 * self._scale
        fm = QFontMetricsF(self._label_font())
        width = 240 * self._scale
        if self._conv is not None:
            label_w = max(fm.horizontalAdvance(t) for t in self.row_labels()) + 12 * self._scale
            width = max(width, label_w + max(self._conv.padded.size, self._conv.length) * cell + 8 * self._scale)
        height = fm.height() + 4 * self._scale + rows * (cell + gap) + 2 * gap + 4
        return QSize(int(width) + 1, int(height) + 1)

    # ------------------------------------------------------------------ layout
    def _label_font(self) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(max(9, int(13 * self._scale)))
        return font

    def _layout(self) -> tuple[float, float, float, float]:
        """(x0 of the cells, y0 of the first row, cell side, gap between rows)."""
        c = self._conv
        if c is None:
            return 0.0, 0.0, MIN_CELL * self._scale, 0.0
        fm = QFontMetricsF(self._label_font())
        label_w = max(fm.horizontalAdvance(t) for t in self.row_labels()) + 12 * self._scale
        cols = max(c.padded.size, c.length)
        rows = len(self.row_labels())
        top = fm.height() + 4 * self._scale                  # the index numbers above the row
        gap = 6 * self._scale
        room_w = self.width() - label_w - 8 * self._scale
        room_h = self.height() - top - (rows + 1) * gap - 4
        cell = min(room_w / cols, room_h / rows, MAX_CELL * self._scale)
        cell = max(cell, MIN_CELL * self._scale)
        return label_w, top, cell, gap

    def _row_y(self, n: int) -> float:
        _x0, top, cell, gap = self._layout()
        extra = gap * 2 if n >= 1 + 2 * len(self._conv.filters) else 0.0   # the outputs stand apart
        return top + n * (cell + gap) + extra

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.fillRect(self.rect(), self.palette().base())
            if self._conv is not None:
                self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        c = self._conv
        x0, top, cell, _gap = self._layout()
        k = len(c.filters)
        labels = self.row_labels()
        padded = c.padded
        current = min(max(self._position - 1, 0), c.length - 1)
        steps = [c.step(current, n) for n in range(k)]
        done = self._position > 0
        in_range, w_range = _range(padded), _range(*c.filters)
        out_range = _range(c.outputs, *(s.products for s in steps))
        # labels
        p.setFont(self._label_font())
        p.setPen(MUTED_TEXT)
        for n, text in enumerate(labels):
            p.drawText(QRectF(0, self._row_y(n), x0 - 8 * self._scale, cell),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        # index numbers above the row: the row's own cells count from 0, the padding before it negative
        index_font = self._label_font()
        index_font.setPixelSize(max(7, min(index_font.pixelSize(), int(cell * 0.42))))
        p.setFont(index_font)
        for col in range(padded.size):
            label = str(col - c.padding).replace("-", "−")
            p.drawText(QRectF(x0 + col * cell, 0, cell, top - 2), Qt.AlignmentFlag.AlignHCenter |
                       Qt.AlignmentFlag.AlignBottom, label)
        pad_mask = np.zeros(padded.size, dtype=bool)
        pad_mask[: c.padding] = True
        pad_mask[c.padding + c.row.size:] = True
        self._cells(p, padded, pad_mask, np.zeros_like(pad_mask), x0, self._row_y(0), cell, in_range)
        start = x0 + steps[0].positions[0] * cell
        for n, s in enumerate(steps):
            self._cells(p, s.weights, np.zeros(s.weights.size, bool), np.zeros(s.weights.size, bool), start,
                        self._row_y(1 + 2 * n), cell, w_range)
            blank = np.full(s.products.size, not done)
            self._cells(p, s.products, np.zeros(s.products.size, bool), blank, start, self._row_y(2 + 2 * n),
                        cell, out_range)
        filled = np.arange(c.length) >= self._position
        for n in range(k):
            self._cells(p, c.outputs[n], np.zeros(c.length, bool), filled, x0, self._row_y(1 + 2 * k + n), cell,
                        out_range)
        # the window on the row, and the output cell it gives
        view = (0, 0, 1, padded.size)
        paint_marks(p, (np.array([0]), np.asarray(steps[0].positions)), None, None, view, (x0, self._row_y(0), cell))
        if done:
            for n in range(k):
                paint_marks(p, None, None, (0, current), (0, 0, 1, c.length), (x0, self._row_y(1 + 2 * k + n), cell))
            pen = QPen(WINDOW_MARK, max(1.5, cell * 0.04))
            pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            width = steps[0].positions.size * cell
            p.drawLine(QPointF(start + width / 2, self._row_y(2 * k) + cell),
                       QPointF(x0 + (current + 0.5) * cell, self._row_y(1 + 2 * k)))

    def _cells(self, p: QPainter, values, padding, blank, x0: float, y0: float, cell: float, value_range) -> None:
        block = np.asarray(values, dtype=np.float64)[None, :]
        colors = cell_colors(block, "diverging", value_range)
        pad, empty = np.asarray(padding)[None, :], np.asarray(blank)[None, :]
        p.setPen(QPen(GRID_LINE, 1))
        for j in range(block.shape[1]):
            rect = QRectF(x0 + j * cell, y0, cell, cell)
            if empty[0, j]:
                p.setBrush(PENDING_CELL)
            elif pad[0, j]:
                p.setBrush(PADDING_CELL)
            else:
                r, g, b = (int(v) for v in colors[0, j])
                p.setBrush(QColor(r, g, b))
            p.drawRect(rect)
        shown_colors = colors.copy()
        shown_colors[pad] = (PADDING_CELL.red(), PADDING_CELL.green(), PADDING_CELL.blue())
        paint_numbers(p, self.font(), block, empty, pad, shown_colors, x0, y0, cell)

