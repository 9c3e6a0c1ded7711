"""XoCanvas: a 9×9 picture of +1 (ink, white) and −1 (paper, black) cells, drawn with the mouse, with undo.

Press on paper and drag to draw ink; press on ink and drag to erase; the right button always erases.
Each cell shows its number, as the slides write the X. Ctrl+Z / Ctrl+Shift+Z undo and redo a stroke
(or a stock picture, or Clear).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.ui import theme
from cnn_explorer.ui.demos.keys import add_demo_action
from cnn_explorer.ui.explorer.grid_painting import cell_colors, paint_numbers
from cnn_explorer.ui.export.figure_export import install_figure_export

SIDE = 9
#: undo keeps this many pictures
UNDO_DEPTH = 100


class XoCanvas(QWidget):
    """Draw an X or an O; ``picture()`` is the (9, 9) float ±1 array."""

    picture_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picture = -np.ones((SIDE, SIDE))
        self._undo: list[np.ndarray] = []
        self._redo: list[np.ndarray] = []
        self._paint_value: float | None = None
        self._last: tuple[int, int] | None = None
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("Draw with the mouse: drag over paper to draw ink (+1), over ink to erase (−1); "
                        "right button erases. Ctrl+Z undoes a stroke.")
        self.setAccessibleName("X/O drawing, 9 by 9 cells")
        for key_id, standard, slot in (("undo", QKeySequence.StandardKey.Undo, self.undo),
                                       ("redo", QKeySequence.StandardKey.Redo, self.redo)):
            add_demo_action(self, "xo-vote", key_id, slot, standard)
        install_figure_export(self, "X-O drawing", values=lambda: self._picture.copy(), vector=True)

    # ------------------------------------------------------------------ content
    def picture(self) -> np.ndarray:
        return self._picture.copy()

    def set_picture(self, picture: np.ndarray) -> None:
        """Show ``picture`` (9×9, values ±1); undoable."""
        arr = np.where(np.asarray(picture, dtype=np.float64) > 0, 1.0, -1.0)
        if arr.shape != (SIDE, SIDE):
            raise ValueError(f"picture: expected {SIDE}x{SIDE}, got {arr.shape}")
        if np.array_equal(arr, self._picture):
            return
        self._remember()
        self._picture = arr
        self._changed()

    def clear(self) -> None:
        self.set_picture(-np.ones((SIDE, SIDE)))

    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> None:
        if self._undo:
            self._redo.append(self._picture)
            self._picture = self._undo.pop()
            self._changed()

    def redo(self) -> None:
        if self._redo:
            self._undo.append(self._picture)
            self._picture = self._redo.pop()
            self._changed()

    def _remember(self) -> None:
        self._undo.append(self._picture.copy())
        del self._undo[:-UNDO_DEPTH]
        self._redo.clear()

    def _changed(self) -> None:
        self.update()
        self.picture_changed.emit()

    # ------------------------------------------------------------------ geometry
    def _max_side(self) -> int:
        """The grid is never wider than this: big cells, but a 9×9 drawing need not fill a wide column."""
        return SIDE * max(34, int(self.fontMetrics().height() * 2.6))

    def _cell_side(self) -> float:
        return max(4.0, float(int(min(self.width(), self.height(), self._max_side()) / SIDE)))

    def grid_rect(self) -> QRectF:
        cell = self._cell_side()
        side = cell * SIDE
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        r = self.grid_rect()
        if not r.contains(pos):
            return None
        cell = self._cell_side()
        return (min(SIDE - 1, int((pos.y() - r.top()) / cell)), min(SIDE - 1, int((pos.x() - r.left()) / cell)))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        side = SIDE * max(34, int(self.fontMetrics().height() * 2.2))
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        side = SIDE * max(22, int(self.fontMetrics().height() * 1.4))
        return QSize(side, side)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        return max(min(width, self._max_side()), self.minimumSizeHint().height())

    # ------------------------------------------------------------------ mouse
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        cell = self.cell_at(event.position())
        if cell is None:
            return
        if event.button() == Qt.MouseButton.RightButton:
            self._paint_value = -1.0
        else:
            self._paint_value = -1.0 if self._picture[cell] > 0 else 1.0
        self._remember()
        self._last = None
        self._paint_to(cell)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._paint_value is None:
            return
        cell = self.cell_at(event.position())
        if cell is not None:
            self._paint_to(cell)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._paint_value is not None and self._undo and np.array_equal(self._undo[-1], self._picture):
            self._undo.pop()                     # a stroke that changed nothing is not an undo step
        self._paint_value = None
        self._last = None

    def _paint_to(self, cell: tuple[int, int]) -> None:
        r0, c0 = self._last if self._last is not None else cell
        n = max(abs(cell[0] - r0), abs(cell[1] - c0), 1)
        changed = False
        for t in np.linspace(0.0, 1.0, n + 1):
            rc = (int(round(r0 + (cell[0] - r0) * t)), int(round(c0 + (cell[1] - c0) * t)))
            if self._picture[rc] != self._paint_value:
                self._picture[rc] = self._paint_value
                changed = True
        self._last = cell
        if changed:
            self._changed()

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        rect = self.grid_rect()
        cell = self._cell_side()
        colors = np.ascontiguousarray(cell_colors(self._picture, "grey", (-1.0, 1.0)))
        image = QImage(colors.data, SIDE, SIDE, 3 * SIDE, QImage.Format.Format_RGB888)
        p.drawImage(rect, image)
        p.setPen(QPen(theme.GRID_LINE, 1))
        for i in range(SIDE + 1):
            p.drawLine(QPointF(rect.left() + i * cell, rect.top()), QPointF(rect.left() + i * cell, rect.bottom()))
            p.drawLine(QPointF(rect.left(), rect.top() + i * cell), QPointF(rect.right(), rect.top() + i * cell))
        blank = np.zeros((SIDE, SIDE), dtype=bool)
        paint_numbers(p, self.font(), self._picture, blank, blank, colors, rect.left(), rect.top(), cell)
        p.end()
