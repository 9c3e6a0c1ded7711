"""DigitCanvas: a square drawing surface for digits (mouse, pen and touch), with undo and clear.

The picture is ``SIDE`` x ``SIDE`` px (280, ten times MNIST's 28) held in a
QImage; the widget shows it scaled to fit. A round, anti-aliased brush draws
ink that contrasts with the paper (white on black by default; black on a
loaded light picture). ``drawing_changed`` fires on every drawn segment (the
page coalesces), ``stroke_finished`` when the pen lifts.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

#: The canvas's side in picture pixels.
SIDE = 280
#: Default brush diameter in picture pixels (about MNIST's stroke on a digit 200 px tall).
BRUSH = 22
#: How many strokes Undo remembers.
UNDO_DEPTH = 64


class DigitCanvas(QWidget):
    """Draw with a round brush; ``array()`` gives the picture as (SIDE, SIDE, 3) uint8."""

    drawing_changed = Signal()
    stroke_finished = Signal()
    undo_available = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.brush = BRUSH
        self._image = QImage(SIDE, SIDE, QImage.Format.Format_RGB32)
        self._paper = QColor("black")
        self._image.fill(self._paper)
        self._undo: list[tuple[QImage, QColor]] = []
        self._last: QPointF | None = None
        self._drawing = False
        self._revision = 0
        self._empty = True
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setMinimumSize(QSize(200, 200))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit with the mouse, a pen or a finger")

    # ----------------------------------------------------------------- state
    @property
    def revision(self) -> int:
        """Grows by one with every change of the picture."""
        return self._revision

    def is_empty(self) -> bool:
        return self._empty

    def array(self) -> np.ndarray:
        """The picture as a new (SIDE, SIDE, 3) uint8 RGB array."""
        ptr = self._image.constBits()
        a = np.frombuffer(ptr, np.uint8, count=self._image.sizeInBytes()).reshape(SIDE, self._image.bytesPerLine())
        bgra = a[:, : SIDE * 4].reshape(SIDE, SIDE, 4)
        return bgra[..., 2::-1].copy()

    def ink_colour(self) -> QColor:
        """White on dark paper, black on light paper."""
        return QColor("black") if self._paper.lightness() > 127 else QColor("white")

    def can_undo(self) -> bool:
        return bool(self._undo)

    def _push_undo(self) -> None:
        self._undo.append((self._image.copy(), QColor(self._paper)))
        del self._undo[:-UNDO_DEPTH]
        self.undo_available.emit(True)

    def _changed(self) -> None:
        self._revision += 1
        self.update()
        self.drawing_changed.emit()

    def clear(self) -> None:
        """Blank black paper (undoable)."""
        if self._empty and self._paper == QColor("black"):
            return
        self._push_undo()
        self._paper = QColor("black")
        self._image.fill(self._paper)
        self._empty = True
        self._changed()
        self.stroke_finished.emit()

    def undo(self) -> bool:
        """Take back the last stroke, clear or loaded picture; False when there is nothing to undo."""
        if not self._undo:
            return False
        self._image, self._paper = self._undo.pop()
        self._empty = False
        self.undo_available.emit(bool(self._undo))
        self._changed()
        self.stroke_finished.emit()
        return True

    def set_picture(self, rgb: np.ndarray) -> None:
        """Replace the drawing with a picture (H, W, 3) uint8, letterboxed on its own paper colour (undoable)."""
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        h, w = rgb.shape[:2]
        border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
        paper = np.median(border, axis=0).astype(int)
        self._push_undo()
        self._paper = QColor(int(paper[0]), int(paper[1]), int(paper[2]))
        self._image.fill(self._paper)
        picture = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        scale = SIDE / max(h, w)
        target = QRectF((SIDE - w * scale) / 2, (SIDE - h * scale) / 2, w * scale, h * scale)
        p = QPainter(self._image)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(target, picture)
        p.end()
        self._empty = False
        self._changed()
        self.stroke_finished.emit()

    # ----------------------------------------------------------------- geometry
    def picture_rect(self) -> QRectF:
        """Where the picture is shown, in widget coordinates (square, centred)."""
        side = float(min(self.width(), self.height()))
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_picture(self, pos: QPointF) -> QPointF:
        r = self.picture_rect()
        return QPointF((pos.x() - r.left()) * SIDE / r.width(), (pos.y() - r.top()) * SIDE / r.height())

    def to_widget(self, x: float, y: float) -> QPointF:
        """The widget position of picture point (x, y) (tests aim the mouse with it)."""
        r = self.picture_rect()
        return QPointF(r.left() + x * r.width() / SIDE, r.top() + y * r.height() / SIDE)

    # ----------------------------------------------------------------- drawing
    def _begin(self, pos: QPointF) -> None:
        self._push_undo()
        self._drawing = True
        self._last = self.to_picture(pos)
        self._segment(self._last, self._last)

    def _extend(self, pos: QPointF, pressure: float = 1.0) -> None:
        if not self._drawing:
            return
        point = self.to_picture(pos)
        self._segment(self._last, point, pressure)
        self._last = point

    def _end(self) -> None:
        if not self._drawing:
            return
        self._drawing = False
        self._last = None
        self.stroke_finished.emit()

    def _segment(self, a: QPointF, b: QPointF, pressure: float = 1.0) -> None:
        p = QPainter(self._image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        width = self.brush * (0.5 + 0.5 * min(max(pressure, 0.0), 1.0))
        p.setPen(QPen(self.ink_colour(), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        if a == b:
            p.drawPoint(a)
        else:
            p.drawLine(a, b)
        p.end()
        self._empty = False
        self._changed()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        # The press decides, not event.buttons(): some synthetic moves carry no button state.
        self._extend(event.position())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._extend(event.position())
            self._end()

    def tabletEvent(self, event) -> None:  # noqa: N802 - Qt API
        kind = event.type()
        pressure = float(event.pressure()) if event.pressure() > 0 else 1.0
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QEvent.Type.TabletMove:
            self._extend(event.position(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()

    def event(self, event) -> bool:  # noqa: D401 - Qt API
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            points = event.points()
            if points:
                pos = points[0].position()
                if kind == QEvent.Type.TouchBegin:
                    self._begin(pos)
                elif kind == QEvent.Type.TouchUpdate:
                    self._extend(pos)
                else:
                    self._end()
            event.accept()
            return True
        return super().event(event)

    # ----------------------------------------------------------------- painting
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        r = self.picture_rect()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(r, self._image)
        p.setPen(QPen(QColor("#9aa5b1"), 1))
        p.drawRect(r.adjusted(0, 0, -1, -1))
        if self._empty:
            p.setPen(QColor("#8a96a3"))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "draw a digit here")
        p.end()
