"""A few X/O test pictures as the networks see them: the originals on top, the same pictures shuffled below."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.ui.explorer.grid_painting import cell_colors
from cnn_explorer.ui.scale import scaled, scaled_font
from cnn_explorer.ui.theme import GRID_LINE, MUTED_TEXT, PLOT_TEXT

_MIN_CELL = 6
_HINT_CELL = 13
_GAP = 1.5          # between pictures, in cells


class SwapPictures(QWidget):
    """``set_pictures(originals, shuffled, labels)``: (N, 9, 9) each in 0..1 and N class names."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("column_swap_pictures")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._originals = np.zeros((0, 9, 9))
        self._shuffled = np.zeros((0, 9, 9))
        self._labels: list[str] = []
        self._scale = 1.0
        self.setToolTip("Top: test pictures as drawn. Bottom: the same pictures after the one fixed shuffle, "
                        "the way both networks get them. Right-click to copy or save.")

    def set_pictures(self, originals: np.ndarray, shuffled: np.ndarray, labels: list[str]) -> None:
        self._originals = np.asarray(originals, dtype=np.float64)
        self._shuffled = np.asarray(shuffled, dtype=np.float64)
        self._labels = list(labels)
        self.updateGeometry()
        self.update()

    def values(self) -> np.ndarray:
        """(2N, 9, 9): the originals then the shuffled pictures (what Save as… CSV / NPY writes)."""
        return np.concatenate([self._originals, self._shuffled]) if len(self._labels) else np.zeros((0, 9, 9))

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.updateGeometry()
        self.update()

    def _label_font(self):
        return scaled_font(self.font(), 13, self._scale)

    def _label_width(self) -> float:
        metrics = QFontMetricsF(self._label_font())
        return max(metrics.horizontalAdvance(t) for t in ("Original", "Shuffled")) + scaled(8, self._scale)

    def _size_for(self, cell: float) -> QSize:
        n = max(1, len(self._labels))
        text = QFontMetricsF(self._label_font()).height()
        width = self._label_width() + n * 9 * cell + (n - 1) * _GAP * cell
        height = text + 2 * 9 * cell + cell
        return QSize(int(width) + 2, int(height) + 2)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self._size_for(_MIN_CELL * self._scale)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self._size_for(_HINT_CELL * self._scale)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        return self._size_for(self._cell_for(width)).height()

    def _cell_for(self, width: float) -> float:
        n = max(1, len(self._labels))
        cell = (width - self._label_width() - 2) / (n * 9 + (n - 1) * _GAP)
        return max(_MIN_CELL * self._scale, min(cell, _HINT_CELL * self._scale))

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        if not self._labels:
            return
        cell = min(self._cell_for(self.width()), (self.height() - QFontMetricsF(self._label_font()).height()
                                                  - 2) / 19.0)
        font = self._label_font()
        p.setFont(font)
        text_h = QFontMetricsF(font).height()
        label_w = self._label_width()
        for i, name in enumerate(self._labels):
            x = label_w + i * (9 + _GAP) * cell
            p.setPen(PLOT_TEXT)
            p.drawText(QRectF(x, 0, 9 * cell, text_h), Qt.AlignmentFlag.AlignCenter, name)
        for row, (title, pictures) in enumerate((("Original", self._originals), ("Shuffled", self._shuffled))):
            y = text_h + row * (9 * cell + cell)
            p.setPen(MUTED_TEXT)
            p.drawText(QRectF(0, y, label_w - scaled(4, self._scale), 9 * cell),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, title)
            for i, picture in enumerate(pictures):
                self._paint_picture(p, picture, label_w + i * (9 + _GAP) * cell, y, cell)

    @staticmethod
    def _paint_picture(p: QPainter, picture: np.ndarray, x0: float, y0: float, cell: float) -> None:
        colors = cell_colors(picture, "grey", (1.0, 0.0))   # ink dark on white, as drawn on paper
        rows, cols = picture.shape
        for r in range(rows):
            for c in range(cols):
                p.fillRect(QRectF(x0 + c * cell, y0 + r * cell, cell, cell), QColor(*colors[r, c].tolist()))
        p.setPen(QPen(GRID_LINE, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(x0, y0, cols * cell, rows * cell))
