"""The step-by-step panel's body: input grid(s) | arithmetic | output grid, laid out for the room there is."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QWidget,
)

from cnn_explorer.ui.explorer.animation_arithmetic import ArithmeticView
from cnn_explorer.ui.explorer.animation_grid import NumberGridView
from cnn_explorer.ui.explorer.maps_panel import CHANNEL_NAMES
from cnn_explorer.ui.scale import TEACHER_MAX_SCALE, scaled_font
from cnn_explorer.ui.widgets.containers import box_of, clear_grid

#: the step grids' cell side at scale 1, (smallest, largest): the whole grid when it fits, else a
#: neighbourhood. Largest / smallest ≤ 1.25, so each presenter step (25 %) makes the numbers bigger,
#: however the room is shared out.
CELL_RANGE = (34.0, 42.0)
CHANNEL_CELL_RANGE = (28.0, 35.0)     # three channel grids side by side
#: in the presenter view the titles, notes and the grids' least size stop growing at this scale: beyond it
#: the grids take the room there is (cells as large as fit, all the window's rows in sight), never scroll
PRESENTER_FLOOR_SCALE = 2.0


def channel_caption(c: int, channels: int) -> str:
    """'R', 'G', 'B' for three channels, else 'c1', 'c2', …"""
    return CHANNEL_NAMES[c] if channels == 3 else f"c{c + 1}"


class InputArea(QWidget):
    """Holds the input grid(s); several channel grids go side by side or stacked, whichever is roomier."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(6)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        wide = self.width() >= self.height()
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.box.direction() != direction:
            self.box.setDirection(direction)
        super().resizeEvent(event)


class _FillingGrid(QGridLayout):
    """The body's layout. In the presenter view it tells its scroll area it has no height-for-width: the
    area then fits the content to the room it shows (scrolling only below the content's minimum) instead
    of giving it its preferred height for the width, which pushed the grids' bottom rows out of sight;
    its minimum then counts the titles and notes at the lines they wrap onto at their present width."""

    def __init__(self, parent: QWidget, fits, wrapped) -> None:
        super().__init__(parent)
        self._fits = fits                     # () -> True in the presenter view
        self._wrapped = wrapped               # () -> [labels of one column, …]

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return not self._fits() and super().hasHeightForWidth()

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt override
        size = super().minimumSize()
        if not self._fits():
            return size
        extra = 0
        for labels in self._wrapped():
            extra = max(extra, sum(max(0, label.heightForWidth(label.width()) - label.minimumSizeHint().height())
                                   for label in labels if label.isVisibleTo(self.parentWidget()) and label.width()))
        return QSize(size.width(), size.height() + extra)


class AnimationBody(QScrollArea):
    """Titles, grids and arithmetic; scrolls (never squashes or clips) when there is too little room.

    Wide: input | arithmetic | output. Narrow (a side column, a big presenter scale):
    input | output with the arithmetic below.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input_title = QLabel(self)
        self.input_region = QLabel(self)
        self.input_views: list[NumberGridView] = []
        self.input_area = InputArea(self)
        self.output_title = QLabel(self)
        self.output_region = QLabel(self)
        for label in (self.input_title, self.input_region, self.output_title, self.output_region):
            # Never wider than the column: a long title wraps onto more lines rather than scroll sideways.
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.output_view = NumberGridView(self, min_cell=CELL_RANGE[0], max_cell=CELL_RANGE[1], name="step output")
        self.arithmetic = ArithmeticView(self)
        self.arithmetic.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._scale = 1.0
        self._presenter = False
        tb = QBoxLayout.Direction.TopToBottom
        self._left_box = box_of((self.input_title, self.input_region, self.input_area), self, tb,
                                stretch_of=self.input_area)
        self._right_box = box_of((self.output_title, self.output_region, self.output_view), self, tb,
                                 stretch_of=self.output_view)
        self._body = QWidget(self)
        self._grid = _FillingGrid(self._body, self.fits_room, lambda: ((self.input_title, self.input_region),
                                                                      (self.output_title, self.output_region)))
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._wide: bool | None = None
        self.arrange(wide=True)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setWidget(self._body)

    def arrange(self, wide: bool) -> None:
        """Input | arithmetic | output on one line (wide), or the arithmetic under input | output."""
        if wide == self._wide:
            return
        self._wide = wide
        clear_grid(self._grid, (self._left_box, self.arithmetic, self._right_box), 3)
        if wide:
            for col, w in enumerate((self._left_box, self.arithmetic, self._right_box)):
                self._grid.addWidget(w, 0, col)
            self._stretch_columns()
            self._grid.setRowStretch(0, 1)
        else:
            self._grid.addWidget(self._left_box, 0, 0)
            self._grid.addWidget(self._right_box, 0, 1)
            self._grid.addWidget(self.arithmetic, 1, 0, 1, 2)
            self._grid.setColumnStretch(0, 3)
            self._grid.setColumnStretch(1, 2)
            self._grid.setRowStretch(0, 3)
            self._grid.setRowStretch(1, 2)

    def _stretch_columns(self) -> None:
        """Share the width of the wide arrangement: input 3, arithmetic 3, output 2; in the presenter view the
        arithmetic gets more (input 2, arithmetic 3, output 2), so its window, kernel and products grow with
        the scale instead of the input's neighbourhood of cells the class does not need."""
        if not self._wide:
            return
        shares = (2, 3, 2) if self._presenter else (3, 3, 2)
        for col, stretch in enumerate(shares):
            self._grid.setColumnStretch(col, stretch)

    @staticmethod
    def cell_range(channels: int) -> tuple[float, float]:
        """(smallest, largest) cell side at scale 1 of an input grid among ``channels`` side by side."""
        return CELL_RANGE if channels == 1 else CHANNEL_CELL_RANGE

    def wide_width(self) -> int:
        """The narrowest width in which input | arithmetic | output fit side by side."""
        parts = (self._left_box, self.arithmetic, self._right_box)
        return sum(w.minimumSizeHint().width() for w in parts) + 2 * self._grid.horizontalSpacing() + \
            self.verticalScrollBar().sizeHint().width()

    def ensure_input_views(self, n: int) -> list[NumberGridView]:
        """Show ``n`` input grids (one a channel), making the missing ones; returns the new ones."""
        new = []
        while len(self.input_views) < n:
            view = NumberGridView(self.input_area, min_cell=CELL_RANGE[0], max_cell=CELL_RANGE[1], name="step input")
            view.set_scale(self._scale)
            view.set_floor_scale(PRESENTER_FLOOR_SCALE if self._presenter else None)
            self.input_area.box.addWidget(view, 1)
            self.input_views.append(view)
            new.append(view)
        for idx, view in enumerate(self.input_views):
            view.setVisible(idx < n)
        return new

    def fits_room(self) -> bool:
        """True in the presenter view: the grids fit the room shown (the written-out sum gets what they
        leave), never scrolled out of sight; elsewhere the body scrolls when room runs out."""
        return self._presenter

    def set_presenter(self, on: bool) -> None:
        """In the presenter view the grids fit the room (see PRESENTER_FLOOR_SCALE)."""
        self._presenter = bool(on)
        self._stretch_columns()
        self._grid.invalidate()
        floor = PRESENTER_FLOOR_SCALE if self._presenter else None
        for view in [*self.input_views, self.output_view]:
            view.set_floor_scale(floor)
        self.arithmetic.set_floor_scale(floor)
        self.set_scale(self._scale)

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        # in the presenter view the notes (the teacher's) and the titles stop growing, the grids take the room
        note_f = min(f, TEACHER_MAX_SCALE) if self._presenter else f
        f = min(f, PRESENTER_FLOOR_SCALE) if self._presenter else f
        font = scaled_font(self.font(), 13, note_f, 9)
        for w in (self.input_region, self.output_region):
            w.setFont(font)
        title = scaled_font(font, 15, f, 10, bold=True)
        self.input_title.setFont(title)
        self.output_title.setFont(title)
        for view in self.input_views:
            view.set_scale(self._scale)
        self.output_view.set_scale(self._scale)
        self.arithmetic.set_scale(self._scale)

    def update_region_notes(self) -> None:
        """Say which rows and columns the grids show when only a neighbourhood fits."""
        if self.input_views:
            self._set_note(self.input_region, region_note(self.input_views[0]))
        self._set_note(self.output_region, region_note(self.output_view))

    @staticmethod
    def _set_note(label: QLabel, text: str) -> None:
        """An empty note takes no height (the grids get it)."""
        if text != label.text():
            label.setText(text)
        if label.isVisibleTo(label.parentWidget()) != bool(text):
            label.setVisible(bool(text))


def region_note(view: NumberGridView) -> str:
    """'showing rows 293–307, cols 192–208' (the grid's own numbering) when only a neighbourhood fits."""
    r0, c0, rows, cols = view.visible_region()
    h, w = view.values().shape
    if rows >= h and cols >= w:
        return ""
    oy, ox = view.label_offset()
    first_r, first_c = r0 - oy, c0 - ox
    text = f"showing rows {first_r}–{first_r + rows - 1}, cols {first_c}–{first_c + cols - 1}"
    return text.replace("-", "−")
