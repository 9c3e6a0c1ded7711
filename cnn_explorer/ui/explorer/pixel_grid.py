"""PixelGrid: the image (or one RGB channel) as a table of numbers, for grids up to 16x16.

Click a cell and type a number to set that pixel (one undo step per cell);
arrow keys and Tab move. Text that is not a number is refused with a message and
the pixel keeps its value. Cells are shaded by value like the canvas.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidgetItem, QWidget

from cnn_explorer.core.format import format_number
from cnn_explorer.core.io.grid_text import parse_number
from cnn_explorer.ui.explorer.canvas import (
    NUMBERS_MAX_SIDE,
    display_range,
)
from cnn_explorer.ui.explorer.state import ExplorerState
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled
from cnn_explorer.ui.theme import grey
from cnn_explorer.ui.widgets.number_table import NumberTable

_CHANNEL_NAMES = ("R", "G", "B")


class PixelGrid(NumberTable):
    """An editable number grid over ``state.image`` (``channel`` 0/1/2 for one RGB channel)."""

    message = Signal(str)

    def __init__(self, state: ExplorerState, *, channel: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._channel = channel
        self._scale = 1.0
        self._updating = False
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setMinimumSectionSize(8)
        self.itemChanged.connect(self._on_item_changed)
        state.image_changed.connect(self.refresh)
        self.refresh()
        # Ctrl+C stays the window's Copy image (the input at its own resolution)
        name = "input grid" if channel is None else f"input grid ({('red', 'green', 'blue')[channel]} channel)"
        install_figure_export(self, name, values=self.plane, vector=True, copy_key=False)

    @property
    def channel(self) -> int | None:
        return self._channel

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self._resize_cells()

    def plane(self) -> np.ndarray | None:
        """The 2-D values this grid shows, or None when the image is too large or lacks the channel."""
        image = self._state.image
        if max(image.shape[:2]) > NUMBERS_MAX_SIDE:
            return None
        if image.ndim == 3:
            return image[:, :, self._channel] if self._channel is not None else None
        return image if self._channel is None else None

    def refresh(self) -> None:
        """Re-read the state's image."""
        plane = self.plane()
        self._updating = True
        try:
            if plane is None:
                self.setRowCount(0)
                self.setColumnCount(0)
                return
            h, w = plane.shape
            if self.rowCount() != h or self.columnCount() != w:
                self.setRowCount(h)
                self.setColumnCount(w)
                self.setHorizontalHeaderLabels([str(c) for c in range(w)])
                self.setVerticalHeaderLabels([str(r) for r in range(h)])
                self._resize_cells()
            lo, hi = display_range(self._state.image)
            for r in range(h):
                for c in range(w):
                    item = self.item(r, c)
                    if item is None:
                        item = QTableWidgetItem()
                        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                        self.setItem(r, c, item)
                    value = float(plane[r, c])
                    item.setText(format_number(value, "pixel"))
                    level = min(max((value - lo) / (hi - lo), 0.0), 1.0)
                    shade = int(255 - 150 * level)
                    item.setBackground(QBrush(grey(shade)))
        finally:
            self._updating = False

    def _resize_cells(self) -> None:
        size = scaled(34, self._scale)
        self.horizontalHeader().setDefaultSectionSize(size)
        self.verticalHeader().setDefaultSectionSize(scaled(26, self._scale))
        for c in range(self.columnCount()):
            self.setColumnWidth(c, size)
        for r in range(self.rowCount()):
            self.setRowHeight(r, scaled(26, self._scale))

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating:
            return
        r, c = item.row(), item.column()
        plane = self.plane()
        if plane is None:
            return
        text = item.text().strip().replace(",", ".")  # a decimal comma; the one number parser does the rest
        try:
            value = parse_number(text)
        except ValueError as exc:
            where = f"{_CHANNEL_NAMES[self._channel]} " if self._channel is not None else ""
            reason = "'' is not a number" if str(exc) == "empty" else str(exc)
            self.message.emit(f"pixel {where}(row {r}, col {c}): {reason}; value kept")
            self.refresh()
            return
        if self._channel is None:
            self._state.set_cell(r, c, value, text="Set pixel")
        else:
            pixel = np.array(self._state.image[r, c], dtype=np.float64)
            pixel[self._channel] = value
            self._state.set_cell(r, c, pixel, text=f"Set {_CHANNEL_NAMES[self._channel]} value")
