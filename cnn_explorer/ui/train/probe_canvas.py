"""ProbeCanvas: a small drawing canvas for the probe image whose activations the page shows.

Holds an (H, W) float 0..1 grey picture at the dataset's size (colour
datasets get the grey picture in every channel, or a sample's colours). Left
button draws white, right button (or the eraser) draws black; ``image_changed``
fires once per mouse move at most, and the page coalesces it with its update rate.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.ui import theme
from cnn_explorer.ui.train.image_grid import image_picture


class ProbeCanvas(QWidget):
    """Draw with the mouse; ``image()`` is (H, W, C) float32 0..1."""

    image_changed = Signal()

    def __init__(self, shape=(9, 9, 1), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = np.zeros(tuple(shape), dtype=np.float32)
        self.brush = 1
        self._drawing: float | None = None
        self._last: tuple[float, float] | None = None
        self.setMinimumSize(QSize(96, 96))
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a probe image: left button white, right button black")

    # ------------------------------------------------------------------ content
    def image(self) -> np.ndarray:
        return self._image.copy()

    def set_image(self, image: np.ndarray) -> None:
        """Show ``image`` ((H, W, C) uint8 or float 0..1); it becomes the canvas's picture."""
        img = np.asarray(image)
        img = img.astype(np.float32) / 255.0 if img.dtype == np.uint8 else img.astype(np.float32)
        self._image = np.clip(img, 0.0, 1.0).copy()
        self.brush = max(1, round(min(self._image.shape[:2]) / 14))
        self.update()
        self.image_changed.emit()

    def clear(self) -> None:
        self._image[:] = 0.0
        self.update()
        self.image_changed.emit()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(160, 160)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        return width

    # ------------------------------------------------------------------ geometry
    def image_rect(self) -> QRectF:
        h, w = self._image.shape[:2]
        cell = min(self.width() / w, self.height() / h)
        if cell >= 2:
            cell = float(int(cell))
        return QRectF((self.width() - cell * w) / 2, (self.height() - cell * h) / 2, cell * w, cell * h)

    def _cell(self, pos: QPointF) -> tuple[float, float]:
        r = self.image_rect()
        h, w = self._image.shape[:2]
        return (pos.y() - r.top()) / r.height() * h, (pos.x() - r.left()) / r.width() * w

    # ------------------------------------------------------------------ drawing
    def _dab(self, row: float, col: float, value: float) -> None:
        h, w = self._image.shape[:2]
        radius = self.brush / 2
        rr, cc = np.mgrid[0:h, 0:w]
        mask = (rr + 0.5 - row) ** 2 + (cc + 0.5 - col) ** 2 <= max(radius, 0.5) ** 2 + 0.25
        self._image[mask] = value

    def _stroke_to(self, pos: QPointF) -> None:
        row, col = self._cell(pos)
        if self._last is None:
            self._dab(row, col, self._drawing)
        else:
            r0, c0 = self._last
            n = max(1, int(max(abs(row - r0), abs(col - c0)) * 2))
            for t in np.linspace(0, 1, n + 1):
                self._dab(r0 + (row - r0) * t, c0 + (col - c0) * t, self._drawing)
        self._last = (row, col)
        self.update()
        self.image_changed.emit()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._drawing = 0.0 if event.button() == Qt.MouseButton.RightButton else 1.0
        self._last = None
        self._stroke_to(event.position())

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._drawing is not None:
            self._stroke_to(event.position())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._drawing = None
        self._last = None

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        rgb = image_picture(self._image)
        h, w = rgb.shape[:2]
        qimg = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        rect = self.image_rect()
        painter.drawImage(rect, qimg)
        painter.setPen(QPen(theme.GRID_LINE))
        painter.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.end()
