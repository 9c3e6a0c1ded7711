"""Splitter handles that are easy to grab: wider (8 px at scale 1, growing with presenter scale), with a drawn grip.

The pages build plain QSplitters; :class:`SplitterGrips` widens their handles and
paints a track and a column of dots on them in the theme's colours (the accent
while hovered), through an event filter, so no page needs a splitter subclass.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSplitter, QSplitterHandle

from cnn_explorer.ui.scale import scaled
from cnn_explorer.ui.theme import ACCENT, BAR_TRACK, GRID_LINE

#: handle width in pixels at presenter scale 1
HANDLE_WIDTH = 8
_DOTS = 5


def default_sizes(splitter: QSplitter) -> list[int]:
    """The splitter's default layout for the room it has now: each pane's share by its stretch factor
    (``QSplitter.setStretchFactor``; panes without one count 1). QSplitter then keeps minimum sizes."""
    horizontal = splitter.orientation() == Qt.Orientation.Horizontal
    weights = []
    for i in range(splitter.count()):
        policy = splitter.widget(i).sizePolicy()
        weights.append((policy.horizontalStretch() if horizontal else policy.verticalStretch()) or 1)
    total = sum(splitter.sizes())
    return [round(total * w / sum(weights)) for w in weights]


class SplitterGrips(QObject):
    """Widens and draws the handles of the splitters given to :meth:`add`, and puts them back to their defaults."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._splitters: list[QSplitter] = []
        self._factor = 1.0

    def add(self, splitter: QSplitter) -> None:
        """Give ``splitter`` wide, drawn handles (idempotent)."""
        if splitter in self._splitters:
            return
        self._splitters.append(splitter)
        splitter.setHandleWidth(scaled(HANDLE_WIDTH, self._factor, HANDLE_WIDTH))
        for i in range(1, splitter.count()):
            handle = splitter.handle(i)
            handle.setAttribute(Qt.WidgetAttribute.WA_Hover)
            handle.installEventFilter(self)
        splitter.destroyed.connect(lambda *_: self._forget(splitter))

    def splitters(self) -> list[QSplitter]:
        return list(self._splitters)

    def set_scale(self, factor: float) -> None:
        """Presenter scale: handles grow with it (never below the scale-1 width)."""
        self._factor = factor
        width = scaled(HANDLE_WIDTH, factor, HANDLE_WIDTH)
        for splitter in self._splitters:
            if splitter.handleWidth() != width:  # setting it lays the panes out again, even when unchanged
                splitter.setHandleWidth(width)

    def reset_sizes(self) -> None:
        """Every splitter back to its default layout (see :func:`default_sizes`)."""
        for splitter in self._splitters:
            splitter.setSizes(default_sizes(splitter))

    def _forget(self, splitter) -> None:
        self._splitters = [s for s in self._splitters if s is not splitter]

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if isinstance(watched, QSplitterHandle):
            kind = event.type()
            if kind in (QEvent.Type.HoverEnter, QEvent.Type.HoverLeave):
                watched.update()
            elif kind == QEvent.Type.Paint:
                paint_grip(watched)
                return True
        return False


def paint_grip(handle: QSplitterHandle) -> None:
    """A short column (or row) of dots across the handle's middle, on a light track while hovered."""
    painter = QPainter(handle)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(handle.rect())
    hovered = handle.underMouse()
    if hovered:  # a track only while hovered: a squeezed splitter's handle may lie over a pane's edge
        painter.fillRect(rect, BAR_TRACK)
    vertical_handle = handle.orientation() == Qt.Orientation.Horizontal  # a horizontal splitter's handle stands up
    thickness = rect.width() if vertical_handle else rect.height()
    dot = max(2.0, thickness * 0.4)
    gap = dot * 1.6
    run = (_DOTS - 1) * gap + dot
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ACCENT if hovered else GRID_LINE)
    centre = rect.center()
    for k in range(_DOTS):
        offset = -run / 2 + k * gap
        if vertical_handle:
            painter.drawEllipse(QRectF(centre.x() - dot / 2, centre.y() + offset, dot, dot))
        else:
            painter.drawEllipse(QRectF(centre.x() + offset, centre.y() - dot / 2, dot, dot))
    painter.end()
