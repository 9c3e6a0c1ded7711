"""Small pictures the app draws itself (no image files): one per start-view journey, reused by the help guide.

Each is drawn into any square with QPainter in the theme's colours, so it stays sharp
at every presenter scale and device pixel ratio.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

from cnn_explorer.ui.theme import (
    ACCENT,
    GRID_LINE,
    ICON_CELLS,
    ICON_WINDOW,
    WINNER_MARK,
)

#: the pictogram names :func:`draw_pictogram` knows
PICTOGRAMS = ("convolve", "edges", "xo", "digit", "train", "digits", "lesson")

_INK = QColor(250, 250, 250)
_PAPER = QColor(34, 40, 49)


def draw_pictogram(painter: QPainter, rect: QRectF, name: str) -> None:
    """Draw pictogram ``name`` (one of PICTOGRAMS) into ``rect`` (a square works best); unknown: nothing."""
    draw = _DRAWERS.get(name)
    if draw is None:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    side = min(rect.width(), rect.height())
    square = QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ACCENT.lighter(185))
    painter.drawRoundedRect(square, side * 0.12, side * 0.12)
    draw(painter, square.adjusted(side * 0.12, side * 0.12, -side * 0.12, -side * 0.12))
    painter.restore()


def pictogram_image(name: str, size: int, ratio: float = 1.0) -> QImage:
    """Pictogram ``name`` as a transparent ``size``×``size`` (logical pixels) image at device pixel ratio ``ratio``."""
    pixels = max(1, round(size * ratio))
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    image.setDevicePixelRatio(ratio)
    painter = QPainter(image)
    draw_pictogram(painter, QRectF(0, 0, size, size), name)
    painter.end()
    return image


def _cells(painter: QPainter, r: QRectF, n: int, fill) -> float:
    cell = r.width() / n
    for i in range(n):
        for j in range(n):
            painter.setBrush(fill(i, j))
            painter.drawRect(QRectF(r.x() + j * cell, r.y() + i * cell, cell * 0.92, cell * 0.92))
    return cell


def _convolve(p: QPainter, r: QRectF) -> None:
    cell = _cells(p, r, 5, lambda i, j: ICON_CELLS[(i * 2 + j) % 3])
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(ICON_WINDOW, max(1.5, cell * 0.18)))
    p.drawRect(QRectF(r.x() + cell, r.y() + cell, 3 * cell - cell * 0.08, 3 * cell - cell * 0.08))


def _edges(p: QPainter, r: QRectF) -> None:
    p.setBrush(_PAPER)
    p.drawRect(r)
    path = QPainterPath(QPointF(r.left(), r.bottom() - r.height() * 0.2))
    path.lineTo(r.left() + r.width() * 0.35, r.top() + r.height() * 0.3)
    path.lineTo(r.left() + r.width() * 0.6, r.top() + r.height() * 0.6)
    path.lineTo(r.left() + r.width() * 0.8, r.top() + r.height() * 0.15)
    path.lineTo(r.right(), r.top() + r.height() * 0.45)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(_INK, max(1.5, r.width() * 0.07)))
    p.drawPath(path)


def _xo(p: QPainter, r: QRectF) -> None:
    _cells(p, r, 7, lambda i, j: ICON_CELLS[2] if i == j or i + j == 6 else ICON_CELLS[0])


def _digit(p: QPainter, r: QRectF) -> None:
    p.setBrush(_PAPER)
    p.drawRect(r)
    p.setPen(QPen(_INK, max(2.0, r.width() * 0.12), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                  Qt.PenJoinStyle.RoundJoin))
    path = QPainterPath(QPointF(r.left() + r.width() * 0.25, r.top() + r.height() * 0.25))
    path.lineTo(r.left() + r.width() * 0.75, r.top() + r.height() * 0.25)
    path.lineTo(r.left() + r.width() * 0.42, r.bottom() - r.height() * 0.18)
    p.drawPath(path)


def _curve(p: QPainter, r: QRectF) -> None:
    p.setPen(QPen(GRID_LINE, max(1.0, r.width() * 0.04)))
    p.drawLine(QPointF(r.left(), r.top()), QPointF(r.left(), r.bottom()))
    p.drawLine(QPointF(r.left(), r.bottom()), QPointF(r.right(), r.bottom()))
    path = QPainterPath(QPointF(r.left() + r.width() * 0.05, r.top() + r.height() * 0.1))
    path.cubicTo(QPointF(r.left() + r.width() * 0.25, r.bottom() - r.height() * 0.1),
                 QPointF(r.left() + r.width() * 0.45, r.bottom() - r.height() * 0.15), QPointF(r.right(), r.bottom() - r.height() * 0.12))
    p.setPen(QPen(ACCENT, max(1.5, r.width() * 0.08)))
    p.drawPath(path)


def _train(p: QPainter, r: QRectF) -> None:
    _curve(p, r)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WINNER_MARK)
    d = r.width() * 0.22
    p.drawEllipse(QRectF(r.right() - d, r.top(), d, d))


def _digits(p: QPainter, r: QRectF) -> None:
    _curve(p, r)
    small = QRectF(r.right() - r.width() * 0.42, r.top(), r.width() * 0.42, r.width() * 0.42)
    _digit(p, small)


def _lesson(p: QPainter, r: QRectF) -> None:
    p.setBrush(_INK)
    p.setPen(QPen(ACCENT, max(1.0, r.width() * 0.05)))
    half = r.width() / 2
    p.drawRect(QRectF(r.left(), r.top() + r.height() * 0.1, half, r.height() * 0.8))
    p.drawRect(QRectF(r.left() + half, r.top() + r.height() * 0.1, half, r.height() * 0.8))
    p.setPen(QPen(GRID_LINE, max(1.0, r.width() * 0.04)))
    for k in range(4):
        y = r.top() + r.height() * (0.28 + 0.15 * k)
        p.drawLine(QPointF(r.left() + half * 0.2, y), QPointF(r.left() + half * 0.8, y))
        p.drawLine(QPointF(r.left() + half * 1.2, y), QPointF(r.left() + half * 1.8, y))


_DRAWERS = {"convolve": _convolve, "edges": _edges, "xo": _xo, "digit": _digit, "train": _train,
            "digits": _digits, "lesson": _lesson}
