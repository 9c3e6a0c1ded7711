"""The application icon, drawn with QPainter: a small input grid, a highlighted 3x3 window and its output cell."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPen, QPixmap

from cnn_explorer.ui.theme import ACCENT, ICON_CELLS, ICON_WINDOW

_SIZES = (16, 24, 32, 48, 64, 128, 256)


def _draw(size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 16.0
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ACCENT)
    painter.drawRoundedRect(QRectF(0, 0, size, size), 3 * s, 3 * s)
    cell = 2.0 * s
    for r in range(5):
        for c in range(5):
            painter.setBrush(ICON_CELLS[(r * 2 + c) % 3])
            painter.drawRect(QRectF(1.5 * s + c * cell, 1.5 * s + r * cell, cell - 0.3 * s, cell - 0.3 * s))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(ICON_WINDOW, max(1.0, 0.8 * s)))
    painter.drawRect(QRectF(1.3 * s, 1.3 * s, 3 * cell, 3 * cell))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ICON_WINDOW)
    painter.drawRect(QRectF(12.0 * s, 10.0 * s, 3.0 * s, 3.0 * s))
    painter.end()
    return pixmap


def app_icon() -> QIcon:
    """The window icon at the usual sizes."""
    icon = QIcon()
    for size in _SIZES:
        icon.addPixmap(_draw(size))
    return icon
