"""Pieces of the learn-kernel demo: a flowing row of figures, one titled grid, and the loss curve.

``FlowRow`` lays its widgets out left to right and wraps them onto the next line when the room ends
(a projector at 200 % gets the same figures, two lines instead of one). ``Figure`` is a heading over
a ``NumberGridView`` (the step view's own grid painting). ``LossCurve`` paints the loss of every step
taken so far, on a log scale once it spans more than two decades.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QLabel,
    QLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
    QWidgetItem,
)

from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.animation_grid import NumberGridView
from cnn_explorer.ui.explorer.grid_painting import MIN_NUMBER_PIXELS
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled, scaled_font
from cnn_explorer.ui.theme import ACCENT, GRID_LINE, WINDOW_MARK


class FlowLayout(QLayout):
    """Items left to right at their size hints, wrapped onto a new line when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 10) -> None:
        super().__init__(parent)
        self._items: list = []
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:  # noqa: N802 - Qt API
        self._items.append(item)

    def add(self, widget: QWidget) -> None:
        self.addChildWidget(widget)
        self.addItem(QWidgetItem(widget))
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802 - Qt API
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802 - Qt API
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def set_gap(self, pixels: int) -> None:
        self._gap = int(pixels)
        self.invalidate()

    def expandingDirections(self):  # noqa: N802 - Qt API
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt API
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        visible = [i for i in self._items if not i.isEmpty()]
        width = sum(i.sizeHint().width() for i in visible) + self._gap * max(0, len(visible) - 1)
        return QSize(width, max((i.sizeHint().height() for i in visible), default=0))

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt API
        visible = [i for i in self._items if not i.isEmpty()]
        return QSize(max((i.sizeHint().width() for i in visible), default=0),
                     max((i.sizeHint().height() for i in visible), default=0))

    def _place(self, rect: QRect, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            if item.isEmpty():
                continue
            size = item.sizeHint()
            if x > rect.x() and x + size.width() > rect.right() + 1:
                x, y, line = rect.x(), y + line + self._gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), size))
            x += size.width() + self._gap
            line = max(line, size.height())
        return y + line - rect.y()


class FlowRow(QWidget):
    """A widget holding a FlowLayout: its height follows its width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = FlowLayout(self)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def add(self, widget: QWidget) -> QWidget:
        self.flow.add(widget)
        return widget


class Figure(QWidget):
    """A heading (word-wrapped, with a tooltip) over a numbered grid that keeps its cells at a readable size."""

    cell_clicked = Signal(int, int)

    def __init__(self, title: str, tip: str, parent: QWidget | None = None, *, cell: float = 30.0,
                 name: str = "") -> None:
        super().__init__(parent)
        self._cell = cell
        self._scale = 1.0
        self._range = None
        self.heading = QLabel(title, self)
        self.heading.setWordWrap(True)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
        self.heading.setToolTip(tip)
        self.grid = NumberGridView(self, min_cell=cell, max_cell=cell, show_indices=False, hint_cell=cell,
                                   name=name or title)
        self.grid.setToolTip(tip)
        self.grid.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.grid.cell_clicked.connect(self.cell_clicked)
        self.grid.cell_hovered.connect(self._on_grid_cell_hovered)
        self._tip = tip
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.heading)
        layout.addWidget(self.grid, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def _on_grid_cell_hovered(self, r: int, c: int) -> None:
        """The exact value under the mouse in the tooltip (cells too small for their numbers show colours only)."""
        values = self.grid.values()
        if 0 <= r < values.shape[0] and 0 <= c < values.shape[1] and self.grid.text_at(r, c):
            self.grid.setToolTip(f"{self.heading.text()} [{r}, {c}] = {format_number(float(values[r, c]))}")
        else:
            self.grid.setToolTip(self._tip)

    def set_values(self, values, **kwargs) -> None:
        self._range = kwargs.get("value_range")
        self.grid.set_values(values, **kwargs)
        self._fit()

    def cell_side(self) -> float:
        """The cells' side in pixels: the figure's own size times the scale, wider when the numbers are long
        (a kernel near the target's, 0.0012) so that they stay at least 0.3 of that size, never dropped
        (at most twice the size: beyond that the numbers narrow)."""
        base = self._cell * self._scale
        values = np.asarray(self.grid.values(), dtype=np.float64).ravel()
        extra = [float(v) for v in (self._range or ()) if np.isfinite(v)]
        texts = [format_number(float(v), "cell") for v in values.tolist() + extra if np.isfinite(v)]
        if not texts:
            return base
        target = max(MIN_NUMBER_PIXELS, round(0.3 * base)) + 1
        font = QFont(self.font())
        font.setPixelSize(100)
        widest = QFontMetricsF(font).horizontalAdvance(max(texts, key=len))
        # at most twice as wide: an error map of 1e−07s keeps a sane size, its numbers narrowed (still readable)
        return min(2 * base, max(base, target / 0.42, target * widest / 100 / 0.9))

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        self.grid.set_scale(f)
        self._fit()

    def _fit(self) -> None:
        """The grid at its cells' size; the heading wraps at the grid's width (never narrower than its longest word)."""
        h, w = self.grid.values().shape
        cell = self.cell_side()
        self.grid.set_cell_range(cell / self._scale, cell / self._scale)
        self.grid.setFixedSize(int(w * cell + 4), int(h * cell + 4))
        fm = self.heading.fontMetrics()
        word = max((fm.horizontalAdvance(t) for t in self.heading.text().split()), default=0)
        width = max(self.grid.width(), word + 4, scaled(90, self._scale))
        self.setFixedWidth(width)
        self.setFixedHeight(self.heading.heightForWidth(width) + 2 + self.grid.height())
        self.updateGeometry()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() == event.Type.FontChange and self.grid.values().size:
            self._fit()


class LossCurve(QWidget):
    """The loss at every step so far (a log scale once it spans two decades), the step shown marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._losses: list[float] = []
        self._current = 0
        self._scale = 1.0
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setToolTip("The loss after each step: it falls fast at first, then ever more slowly as the kernel "
                        "nears the target's.")
        install_figure_export(self, "loss curve", values=self.values)
        self._resize()

    def values(self) -> np.ndarray | None:
        return np.array([self._losses]) if self._losses else None

    def set_losses(self, losses, current: int) -> None:
        self._losses = [float(v) for v in losses]
        self._current = int(current)
        self.update()

    def losses(self) -> list[float]:
        return list(self._losses)

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        self._resize()

    def _resize(self) -> None:
        self.setFixedSize(scaled(300, self._scale), scaled(170, self._scale))

    def log_scale(self) -> bool:
        finite = [v for v in self._losses if v > 0 and math.isfinite(v)]
        return bool(finite) and max(finite) / min(finite) > 100.0

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        font = scaled_font(self.font(), 11, self._scale, 8)
        p.setFont(font)
        fm = QFontMetricsF(font)
        finite = [v for v in self._losses if math.isfinite(v)]
        log = self.log_scale()
        floor = min((v for v in finite if v > 0), default=1.0)

        def y_of(v: float) -> float:
            return math.log10(max(v, floor)) if log else v

        ys = [y_of(v) for v in finite] or [0.0, 1.0]
        lo, hi = min(ys), max(ys)
        if not log:
            lo = min(lo, 0.0)
        if hi - lo < 1e-12:
            hi = lo + 1.0
        ticks = [(value, format_number(10 ** value if log else value, "cell")) for value in (hi, lo)]
        left = max(fm.horizontalAdvance(text) for _v, text in ticks) + 8
        bottom = fm.height() + 6
        plot = QRectF(left, fm.height() * 0.6, self.width() - left - 8, self.height() - bottom - fm.height() * 0.6)
        p.setPen(QPen(GRID_LINE, 1))
        p.drawRect(plot)
        p.setPen(self.palette().windowText().color())
        p.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), fm.height()), Qt.AlignmentFlag.AlignCenter,
                   f"step (0 to {max(0, len(self._losses) - 1)})")
        if not finite:
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "no steps yet")
            return
        n = max(1, len(self._losses) - 1)

        def point(i: int, v: float) -> QPointF:
            return QPointF(plot.left() + plot.width() * i / n, plot.bottom() - plot.height() * (y_of(v) - lo) / (hi - lo))

        for (value, text), align in zip(ticks, (Qt.AlignmentFlag.AlignTop, Qt.AlignmentFlag.AlignBottom)):
            p.drawText(QRectF(0, plot.top() - 2 if align == Qt.AlignmentFlag.AlignTop else plot.bottom() - fm.height(),
                              left - 4, fm.height() + 2), align | Qt.AlignmentFlag.AlignRight, text)
        path = QPainterPath()
        for i, v in enumerate(self._losses):
            if not math.isfinite(v):
                break
            pt = point(i, v)
            path.moveTo(pt) if i == 0 else path.lineTo(pt)
        p.setPen(QPen(ACCENT, max(1.5, 2 * self._scale)))
        p.drawPath(path)
        if 0 <= self._current < len(self._losses) and math.isfinite(self._losses[self._current]):
            pt = point(self._current, self._losses[self._current])
            p.setPen(QPen(WINDOW_MARK, max(2.0, 2.5 * self._scale)))
            radius = 4 * self._scale
            p.drawEllipse(pt, radius, radius)
        if log:
            p.setPen(self.palette().windowText().color())
            p.drawText(plot.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, "log scale")
