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
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeySequence,
    QPainter,
    QPen,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.ui import theme

#: The canvas's side in picture pixels.
SIDE = 280
#: Default brush diameter in picture pixels (about MNIST's stroke on a digit 200 px tall).
BRUSH = 22
#: How many strokes Undo remembers.
UNDO_DEPTH = 64


class _PictureCommand(QUndoCommand):
    """One stroke, clear or loaded picture: the picture and paper colour before and after."""

    def __init__(self, canvas: "DigitCanvas", before: tuple[QImage, QColor], after: tuple[QImage, QColor], text: str) -> None:
        super().__init__(text)
        self._canvas = canvas
        self._before = before
        self._after = after
        self._done = True  # the change is already on the canvas when the command is pushed

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self._canvas._restore(*self._after)

    def undo(self) -> None:
        self._canvas._restore(*self._before)


class DigitCanvas(QWidget):
    """Draw with a round brush; ``array()`` gives the picture as (SIDE, SIDE, 3) uint8.

    Every stroke, clear and loaded picture is one step of ``undo_stack`` (a
    QUndoStack the window's Edit menu can drive; Ctrl+Z on the canvas works too).
    """

    drawing_changed = Signal()
    stroke_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.brush = BRUSH
        self._image = QImage(SIDE, SIDE, QImage.Format.Format_RGB32)
        self._paper = QColor("black")
        self._image.fill(self._paper)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_DEPTH)
        self._before: tuple[QImage, QColor] | None = None
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
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
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

    def _snapshot(self) -> tuple[QImage, QColor]:
        return self._image.copy(), QColor(self._paper)

    def _push(self, before: tuple[QImage, QColor], text: str) -> None:
        self.undo_stack.push(_PictureCommand(self, before, self._snapshot(), text))

    def _restore(self, image: QImage, paper: QColor) -> None:
        self._image = image.copy()
        self._paper = QColor(paper)
        self._empty = self._is_blank()
        self._changed()
        self.stroke_finished.emit()

    def _is_blank(self) -> bool:
        a = self.array()
        return bool((a == a[0, 0]).all())

    def _changed(self, dirty: QRectF | None = None) -> None:
        """The picture changed (within ``dirty``, picture px, when known): repaint that part and tell the page."""
        self._revision += 1
        if dirty is None:
            self.update()
        else:
            r = self.picture_rect()
            k = r.width() / SIDE
            self.update(QRectF(r.left() + dirty.left() * k, r.top() + dirty.top() * k,
                               dirty.width() * k, dirty.height() * k).toAlignedRect().adjusted(-2, -2, 2, 2))
        self.drawing_changed.emit()

    def clear(self) -> None:
        """Blank black paper (undoable)."""
        if self._empty and self._paper == QColor("black"):
            return
        before = self._snapshot()
        self._paper = QColor("black")
        self._image.fill(self._paper)
        self._empty = True
        self._push(before, "Clear drawing")
        self._changed()
        self.stroke_finished.emit()

    def undo(self) -> bool:
        """Take back the last stroke, clear or loaded picture; False when there is nothing to undo."""
        if not self.undo_stack.canUndo():
            return False
        self.undo_stack.undo()
        return True

    def set_picture(self, rgb: np.ndarray) -> None:
        """Replace the drawing with a picture (H, W, 3) uint8, letterboxed on its own paper colour (undoable)."""
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        h, w = rgb.shape[:2]
        border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
        paper = np.median(border, axis=0).astype(int)
        before = self._snapshot()
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
        self._push(before, "Open picture")
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
        if self._drawing:
            self._end()
        self._before = self._snapshot()
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
        if self._before is not None:
            self._push(self._before, "Stroke")
            self._before = None
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
        was_empty, self._empty = self._empty, False
        pad = width / 2 + 2
        dirty = QRectF(min(a.x(), b.x()) - pad, min(a.y(), b.y()) - pad,
                       abs(a.x() - b.x()) + 2 * pad, abs(a.y() - b.y()) + 2 * pad)
        self._changed(None if was_empty else dirty)  # the first dab also removes the placeholder text

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

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        # Reached only when no enabled window shortcut takes Ctrl+Z (the page's stack may not be the window's).
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
        elif event.matches(QKeySequence.StandardKey.Redo):
            self.undo_stack.redo()
        else:
            super().keyPressEvent(event)

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
        p.setPen(QPen(theme.GRID_LINE, 1))
        p.drawRect(r.adjusted(0, 0, -1, -1))
        if self._empty:
            p.setPen(theme.CANVAS_HINT)
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "draw a digit here")
        p.end()
