"""Small containers the pages share: a frameless scroll area, a titled group box, a row or column of widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)


def scroll_area(widget: QWidget, parent: QWidget, *,
                horizontal: Qt.ScrollBarPolicy = Qt.ScrollBarPolicy.ScrollBarAsNeeded) -> QScrollArea:
    """``widget`` in a frameless, resizable scroll area (``horizontal``: its horizontal scroll-bar policy)."""
    area = QScrollArea(parent)
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(horizontal)
    return area


class FillColumn(QWidget):
    """A scroll area's content that fills the viewport and scrolls only below its minimum size.

    Word-wrapped labels make a layout height-for-width, and QScrollArea would then
    size the content to its (tall) preferred height instead of the visible area.
    """

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return False

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        return -1  # QScrollArea asks the layout's height-for-width directly; -1 = "fill the viewport"

    def sizeHint(self):  # noqa: N802 - Qt API
        return self.minimumSizeHint()

    def minimumSizeHint(self):  # noqa: N802 - Qt API
        # The least height at the width it has, wrapped text included: below it the column scrolls
        # instead of squashing buttons and spin boxes under their size (the layout's own minimum
        # counts a wrapped label as one line).
        hint = super().minimumSizeHint()
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth() and self.width() > 0:
            hint.setHeight(max(hint.height(), layout.totalMinimumHeightForWidth(self.width())))
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()        # the minimum height depends on the width (wrapped text)


def scrolling_column(owner: QWidget) -> tuple[QVBoxLayout, QScrollArea]:
    """Give ``owner`` one column of content that scrolls when the window is too small for it (a projector at
    300 %) instead of squashing it; returns the column's layout, to fill, and the scroll area."""
    content = FillColumn(owner)
    column = QVBoxLayout(content)
    scroll = scroll_area(content, owner)
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(scroll)
    return column, scroll


def headed_box(title: str, parent: QWidget | None = None) -> QGroupBox:
    """A framed box headed ``title``, with a vertical layout (thin margins) that holds the heading.

    The heading is a bold label inside the frame that wraps onto more lines in a narrow column
    (a QGroupBox's own title never wraps: it is cut, or it widens the column). The box's
    ``accessibleName`` and ``heading`` property carry the title; add the content to ``box.layout()``."""
    box = QGroupBox(parent)
    box.setObjectName("headedBox")
    box.setAccessibleName(title)
    box.setProperty("heading", title)
    heading = QLabel(title, box)
    heading.setObjectName("boxHeading")
    heading.setWordWrap(True)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(heading)
    return box


def group_box(title: str, widget: QWidget, parent: QWidget) -> QGroupBox:
    """``widget`` in a :func:`headed_box` headed ``title``."""
    box = headed_box(title, parent)
    box.layout().addWidget(widget)
    return box


def box_of(widgets, parent: QWidget, direction: QBoxLayout.Direction, stretch_of: QWidget | None = None) -> QWidget:
    """A margin-less holder laying ``widgets`` out along ``direction``; only ``stretch_of`` stretches."""
    holder = QWidget(parent)
    layout = QBoxLayout(direction, holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w, 1 if w is stretch_of else 0)
    return holder


def clear_grid(grid: QGridLayout, widgets, lines: int) -> None:
    """Take ``widgets`` out of ``grid`` and reset the stretch of its first ``lines`` rows and columns
    (before the widgets are placed again another way)."""
    for w in widgets:
        grid.removeWidget(w)
    for i in range(lines):
        grid.setColumnStretch(i, 0)
        grid.setRowStretch(i, 0)
