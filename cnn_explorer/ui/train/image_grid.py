"""ImageGrid: a wrapping grid of small pictures with captions, painted pixel-exact.

Used for filters, activation maps, sample previews and the misclassified
gallery. Pictures are (h, w, 3) uint8 RGB arrays; helpers turn filters and maps
into pictures (filters on the diverging blue-white-red map, zero white; maps on
a grey ramp, each map its own range).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.core.colormaps import diverging_rgb, grey_rgb, symmetric_limit
from cnn_explorer.ui import theme
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled


def filter_pictures(filters: np.ndarray) -> list[np.ndarray]:
    """(F, C, kh, kw) weights -> F pictures: RGB weights as colours (3 channels), else the channel sum, diverging.

    All filters share one colour scale, so their strengths compare.
    """
    f = np.asarray(filters, dtype=np.float64)
    if f.shape[1] == 3:
        m = symmetric_limit(f)
        rgb = np.clip((f / m + 1.0) * 127.5, 0, 255).astype(np.uint8)
        return [np.ascontiguousarray(np.transpose(k, (1, 2, 0))) for k in rgb]
    summed = f.sum(axis=1)
    vmax = symmetric_limit(summed)
    return [diverging_rgb(k, vmax) for k in summed]


def map_pictures(maps: np.ndarray, limit: int | None = None) -> list[np.ndarray]:
    """(F, h, w) activations -> grey pictures, each on its own range (black lowest, white highest)."""
    maps = np.asarray(maps)[:limit]
    return [grey_rgb(m) for m in maps]


def image_picture(image: np.ndarray) -> np.ndarray:
    """(H, W, C) uint8 0..255 or float 0..1 -> (H, W, 3) uint8."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        img = np.clip(np.rint(img.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)
    if img.ndim == 2:
        img = img[..., None]
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    return np.ascontiguousarray(img[..., :3])


def _qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ImageGrid(QWidget):
    """Pictures in rows that wrap to the widget's width; ``cell`` is the picture side in pixels (before scale)."""

    def __init__(self, cell: int = 48, parent: QWidget | None = None, *, max_rows: int | None = None,
                 name: str = "pictures") -> None:
        super().__init__(parent)
        #: the exact numbers behind the pictures (the filters, the maps) for Save as CSV / NPY; None: pictures only
        self.values: np.ndarray | None = None
        self._cell = cell
        self._scale = 1.0
        self._images: list[QImage] = []
        self._captions: list[str] = []
        self._colors: list[QColor | None] = []
        self._note = ""
        self.max_rows = max_rows
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        install_figure_export(self, name, values=lambda: self.values if self._images else None, vector=True)

    # ------------------------------------------------------------------ content
    def set_pictures(self, pictures: Sequence[np.ndarray], captions: Sequence[str] = (),
                     colors: Sequence[QColor | None] = (), note: str = "") -> None:
        """Show ``pictures`` ((h, w, 3) uint8) with optional captions and caption colours; ``note`` when empty."""
        relayout = len(pictures) != len(self._images) or bool(captions) != bool(self._captions)
        self._images = [_qimage(p) for p in pictures]
        self._captions = list(captions)
        self._colors = list(colors)
        self._note = note
        if relayout:
            self.updateGeometry()
        self.update()

    def count(self) -> int:
        return len(self._images)

    def captions(self) -> list[str]:
        return list(self._captions)

    def set_cell(self, cell: int) -> None:
        if cell == self._cell:  # live views call this on every redraw: a relayout only when it changes
            return
        self._cell = cell
        self.updateGeometry()
        self.update()

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.updateGeometry()
        self.update()

    # ------------------------------------------------------------------ geometry
    def _metrics(self) -> tuple[int, int, int]:
        """(cell side, caption height, gap) in pixels at the current scale."""
        side = max(8, scaled(self._cell, self._scale))
        caption = QFontMetrics(self._font()).height() + 2 if self._captions else 0
        return side, caption, max(3, scaled(4, self._scale))

    def _font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        return font

    def _columns(self, width: int) -> int:
        side, _, gap = self._metrics()
        return max(1, (width + gap) // (side + gap))

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        side, caption, gap = self._metrics()
        n = len(self._images)
        if n == 0:
            return QFontMetrics(self.font()).height() + 6
        rows = -(-n // self._columns(width))
        if self.max_rows is not None:
            rows = min(rows, self.max_rows)
        return rows * (side + caption + gap)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        side, caption, gap = self._metrics()
        cols = min(max(1, len(self._images)), 8)
        width = cols * (side + gap)
        return QSize(width, self.heightForWidth(max(width, self.width())))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        side, caption, gap = self._metrics()
        return QSize(side + gap, side + caption + gap if self._images else QFontMetrics(self.font()).height() + 6)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        if not self._images:
            if self._note:
                painter.setPen(self.palette().placeholderText().color())
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                                 | Qt.TextFlag.TextWordWrap, self._note)
            painter.end()
            return
        side, caption, gap = self._metrics()
        cols = self._columns(self.width())
        painter.setFont(self._font())
        frame = QPen(theme.GRID_LINE)
        for i, img in enumerate(self._images):
            row, col = divmod(i, cols)
            if self.max_rows is not None and row >= self.max_rows:
                break
            x, y = col * (side + gap), row * (side + caption + gap)
            h, w = img.height(), img.width()
            cell = min(side / w, side / h)
            target = QRectF(x + (side - w * cell) / 2, y + (side - h * cell) / 2, w * cell, h * cell)
            painter.drawImage(target, img)
            painter.setPen(frame)
            painter.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5))
            if caption and i < len(self._captions):
                color = self._colors[i] if i < len(self._colors) and self._colors[i] is not None else None
                painter.setPen(color or self.palette().windowText().color())
                painter.drawText(QRectF(x - gap / 2, y + side, side + gap, caption),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, self._captions[i])
        painter.end()
