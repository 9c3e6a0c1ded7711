"""DrawingCanvas: paints the state's image and lets the user draw on it with the mouse.

The image is shown pixel-exact (nearest neighbour), centred and as large as the
widget allows. A stroke edits the state's array in place (one undo step per
stroke, see ``ExplorerState.push_stroke``); the maps recompute once per event-loop
turn, never per mouse event. Grids up to 16x16 also show each value as a number.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.core.format import format_number
from cnn_explorer.ui import theme
from cnn_explorer.ui.explorer.state import ExplorerState

#: Grids up to this many cells per side show their numbers.
NUMBERS_MAX_SIDE = 16
_TINTS = ((1.0, 0.25, 0.25), (0.25, 0.85, 0.25), (0.3, 0.45, 1.0))


def display_range(image: np.ndarray) -> tuple[float, float]:
    """The value range mapped to black..white: 0..255 for pictures (max above 16), min..max for other grids."""
    lo, hi = float(image.min()), float(image.max())
    if lo >= 0.0 and 16.0 < hi <= 255.0:
        return 0.0, 255.0
    if hi - lo < 1e-12:
        return (min(lo, 0.0), max(hi, 1.0)) if lo >= 0 else (lo, lo + 1.0)
    return lo, hi


class DrawingCanvas(QWidget):
    """A view of ``state.image`` (or one channel of it) that draws with a round brush.

    ``channel``: None shows the image (grey or colour); 0/1/2 shows that RGB
    channel tinted. ``read_only`` turns drawing off (the channel views).
    """

    stroke_finished = Signal()
    hovered = Signal(str)

    def __init__(self, state: ExplorerState, *, channel: int | None = None, read_only: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._channel = channel
        self._read_only = read_only
        self.brush_size = 1
        self.ink_value = 255.0
        self.eraser_value = 0.0
        self.erasing = False
        self.paint_channel: int | None = None  # None: all channels
        self._scale = 1.0
        self._qimage: QImage | None = None
        self._qimage_revision = -1
        self._pixels = np.zeros((0, 0, 3), dtype=np.uint8)  # a view of the QImage's memory
        self._range = (0.0, 1.0)
        self._image_ndim = 2
        self._before: np.ndarray | None = None
        self._last: tuple[float, float] | None = None
        self.setMouseTracking(True)
        self.setMinimumSize(QSize(120, 120))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.ArrowCursor if read_only else Qt.CursorShape.CrossCursor)
        state.image_changed.connect(self._on_state_image_changed)

    @property
    def stroking(self) -> bool:
        """True between mouse press and release of a stroke."""
        return self._before is not None

    # ----------------------------------------------------------------- geometry
    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.update()

    def image_rect(self) -> QRectF:
        """Where the image is drawn, in widget coordinates (square pixels, centred)."""
        h, w = self._state.image.shape[:2]
        cell = min(self.width() / w, self.height() / h)
        if cell >= 2:
            cell = float(int(cell))
        width, height = cell * w, cell * h
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def cell_at(self, pos: QPointF) -> tuple[float, float] | None:
        """(row, col) in image pixels (fractional) under a widget position, or None outside."""
        rect = self.image_rect()
        h, w = self._state.image.shape[:2]
        col = (pos.x() - rect.left()) / rect.width() * w
        row = (pos.y() - rect.top()) / rect.height() * h
        if 0 <= row < h and 0 <= col < w:
            return row, col
        return None

    def widget_point(self, row: float, col: float) -> QPointF:
        """The widget position of the centre of pixel (row, col) (used by tests to aim the mouse)."""
        rect = self.image_rect()
        h, w = self._state.image.shape[:2]
        return QPointF(rect.left() + (col + 0.5) * rect.width() / w, rect.top() + (row + 0.5) * rect.height() / h)

    # ----------------------------------------------------------------- drawing
    def _stamp_line(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        image = self._state.image
        h, w = image.shape[:2]
        value = self.eraser_value if self.erasing else self.ink_value
        radius = (self.brush_size - 1) / 2.0
        (r0, c0), (r1, c1) = start, end
        steps = max(1, int(np.ceil(max(abs(r1 - r0), abs(c1 - c0)) * 2)))
        t = np.linspace(0.0, 1.0, steps + 1)
        centres_r = np.floor(r0 + (r1 - r0) * t).astype(int)
        centres_c = np.floor(c0 + (c1 - c0) * t).astype(int)
        centres = np.unique(np.stack([centres_r, centres_c], axis=1), axis=0)
        span = int(np.ceil(radius))
        dr, dc = np.mgrid[-span : span + 1, -span : span + 1]
        disc = (dr**2 + dc**2) <= (radius + 0.5) ** 2
        offsets_r, offsets_c = dr[disc], dc[disc]
        rows = (centres[:, :1] + offsets_r[None, :]).ravel()
        cols = (centres[:, 1:] + offsets_c[None, :]).ravel()
        inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
        rows, cols = rows[inside], cols[inside]
        if rows.size == 0:
            return
        if image.ndim == 3 and self.paint_channel is not None:
            image[rows, cols, self.paint_channel] = value
        else:
            image[rows, cols] = value
        self._state.notify_image_edited((rows.min(), rows.max() + 1, cols.min(), cols.max() + 1))

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._read_only or event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        cell = self.cell_at(event.position())
        if cell is None:
            return
        self._before = self._state.image.copy()
        self._last = cell
        self._stamp_line(cell, cell)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        cell = self.cell_at(event.position())
        if cell is not None:
            r, c = int(cell[0]), int(cell[1])
            value = self._state.image[r, c]
            text = ", ".join(format_number(v, "pixel") for v in np.atleast_1d(value))
            self.hovered.emit(f"pixel (row {r}, col {c}) = {text}")
        if self._before is None or self._last is None or cell is None:
            return
        self._stamp_line(self._last, cell)
        self._last = cell

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._before is None:
            return super().mouseReleaseEvent(event)
        before, self._before, self._last = self._before, None, None
        self._state.push_stroke(before, "Eraser stroke" if self.erasing else "Stroke")
        self.stroke_finished.emit()

    # ----------------------------------------------------------------- painting
    def _on_state_image_changed(self) -> None:
        self.update()

    def _to_rgb(self, values: np.ndarray, lo: float, hi: float) -> np.ndarray:
        """uint8 (h, w, 3) pixels of an image region as this view shows them."""
        image = self._state.image
        scale = 255.0 / (hi - lo)
        if image.ndim == 3 and self._channel is None:
            if (lo, hi) == (0.0, 255.0):
                return np.clip(values, 0, 255).astype(np.uint8)
            return np.clip((values - lo) * scale, 0, 255).astype(np.uint8)
        plane = values[:, :, self._channel] if values.ndim == 3 else values
        grey = np.clip((plane - lo) * scale, 0, 255)
        if self._channel is None:
            return np.repeat(grey.astype(np.uint8)[:, :, None], 3, axis=2)
        return (grey[:, :, None] * np.array(_TINTS[self._channel])).astype(np.uint8)

    def to_qimage(self) -> QImage:
        """The picture for the current image; after a stroke only the edited rectangle is converted again."""
        state = self._state
        revision = state.image_revision
        if self._qimage is not None and self._qimage_revision == revision:
            return self._qimage
        image = state.image
        h, w = image.shape[:2]
        rect = state.changed_since(self._qimage_revision) if self._qimage is not None else None
        if rect is not None and (self._qimage.height(), self._qimage.width()) == (h, w) and self._image_ndim == image.ndim:
            r0, r1, c0, c1 = rect
            patch = image[r0:r1, c0:c1]
            lo, hi = self._range
            if patch.size == 0 or (patch.min() >= lo and patch.max() <= hi):
                if patch.size:
                    self._pixels[r0:r1, c0:c1] = self._to_rgb(patch, lo, hi)
                self._qimage_revision = revision
                return self._qimage
        self._range = display_range(image)
        self._image_ndim = image.ndim
        self._qimage = QImage(w, h, QImage.Format.Format_RGB888)
        bytes_per_line = self._qimage.bytesPerLine()
        self._pixels = np.frombuffer(self._qimage.bits(), dtype=np.uint8).reshape(h, bytes_per_line)[:, : 3 * w].reshape(h, w, 3)
        self._pixels[:] = self._to_rgb(image, *self._range)
        self._qimage_revision = revision
        return self._qimage

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        rect = self.image_rect()
        painter.drawImage(rect, self.to_qimage())
        image = self._state.image
        h, w = image.shape[:2]
        cell = rect.width() / w
        if h <= NUMBERS_MAX_SIDE and w <= NUMBERS_MAX_SIDE and cell >= 14:
            self._paint_grid(painter, rect, cell)
        painter.end()

    def _paint_grid(self, painter: QPainter, rect: QRectF, cell: float) -> None:
        image = self._state.image
        h, w = image.shape[:2]
        painter.setPen(QPen(theme.GRID_LINE, 1))
        for r in range(h + 1):
            painter.drawLine(QPointF(rect.left(), rect.top() + r * cell), QPointF(rect.right(), rect.top() + r * cell))
        for c in range(w + 1):
            painter.drawLine(QPointF(rect.left() + c * cell, rect.top()), QPointF(rect.left() + c * cell, rect.bottom()))
        plane = image if image.ndim == 2 else (image[:, :, self._channel] if self._channel is not None else None)
        if plane is None:
            return
        texts = [[format_number(v, "pixel") for v in row] for row in plane]
        longest = max(len(t) for row in texts for t in row)
        font = QFont(self.font())
        font.setPixelSize(max(7, int(min(cell * 0.42, cell * 1.5 / max(longest, 1)))))
        painter.setFont(font)
        lo, hi = self._range
        tint = _TINTS[self._channel] if self._channel is not None else (1.0, 1.0, 1.0)
        brightness = 0.299 * tint[0] + 0.587 * tint[1] + 0.114 * tint[2]
        for r in range(h):
            for c in range(w):
                level = (plane[r, c] - lo) / (hi - lo) * brightness
                painter.setPen(theme.DARK_TEXT if level > 0.55 else theme.LIGHT_TEXT)
                painter.drawText(QRectF(rect.left() + c * cell, rect.top() + r * cell, cell, cell), Qt.AlignmentFlag.AlignCenter, texts[r][c])
