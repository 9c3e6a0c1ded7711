"""KernelGrid: the editable cells of one kernel plane, for the kernel editor.

A cell that is not a finite number is marked red and ignored: ``plane()`` keeps
the last valid value of every cell until the cell is fixed.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidgetItem, QWidget

from cnn_explorer.core.format import format_number
from cnn_explorer.core.io.grid_text import parse_number
from cnn_explorer.ui import theme
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled
from cnn_explorer.ui.widgets.number_table import NumberTable


def parse_cell(text: str) -> float:
    """A kernel cell's number: ``3``, ``-0.5``, ``1/9``, Unicode minus, decimal comma. Raises ValueError."""
    text = text.strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return parse_number(text)


class KernelGrid(NumberTable):
    """One (rows, cols) kernel plane as editable cells; each cell keeps its exact value (UserRole, tooltip).

    ``cell_edited`` fires after the user changed a cell, valid or not; ``invalid_cells`` maps
    (row, col) to the text that is not a number.
    """

    cell_edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = 1.0
        self._updating = False
        self.invalid_cells: dict[tuple[int, int], str] = {}
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setMinimumSectionSize(8)
        self.itemChanged.connect(self._on_item_changed)
        install_figure_export(self, "kernel", values=self.plane, vector=True)

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self._resize_cells()

    def show_plane(self, plane: np.ndarray) -> None:
        """Show ``plane``, clearing the invalid marks; only cells whose value changed are rewritten,
        so typing in one cell does not rebuild the table (nor re-lay out the column) at every key."""
        was_invalid = set(self.invalid_cells)
        self.invalid_cells.clear()
        self._updating = True
        try:
            rows, cols = plane.shape
            resized = (self.rowCount(), self.columnCount()) != (rows, cols)
            if resized:
                self.setRowCount(rows)
                self.setColumnCount(cols)
                self.setHorizontalHeaderLabels([str(c) for c in range(cols)])
                self.setVerticalHeaderLabels([str(r) for r in range(rows)])
            for r in range(rows):
                for c in range(cols):
                    value = float(plane[r, c])
                    text = format_number(value, "plain")
                    item = self.item(r, c)
                    if item is None:
                        item = QTableWidgetItem()
                        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                        self.setItem(r, c, item)
                    elif item.data(Qt.ItemDataRole.UserRole) == value and (r, c) not in was_invalid \
                            and item.text() == text:
                        continue
                    item.setText(text)
                    item.setData(Qt.ItemDataRole.UserRole, value)
                    item.setToolTip(repr(value))
                    if (r, c) in was_invalid:
                        item.setBackground(QBrush())
        finally:
            self._updating = False
        if resized:
            self._resize_cells()

    def plane(self) -> np.ndarray:
        """The cells' last valid values, (rows, cols) float64."""
        return np.array([[float(self.item(r, c).data(Qt.ItemDataRole.UserRole)) for c in range(self.columnCount())]
                         for r in range(self.rowCount())])

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating:
            return
        r, c = item.row(), item.column()
        try:
            value = parse_cell(item.text())
        except ValueError:
            self.invalid_cells[(r, c)] = item.text()
        else:
            self.invalid_cells.pop((r, c), None)
            self._updating = True
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setToolTip(repr(value))
            self._updating = False
        self._mark_cells()
        self.cell_edited.emit()

    def _mark_cells(self) -> None:
        self._updating = True
        try:
            for r in range(self.rowCount()):
                for c in range(self.columnCount()):
                    item = self.item(r, c)
                    bad = (r, c) in self.invalid_cells
                    item.setBackground(QBrush(theme.INVALID_CELL) if bad else QBrush())
                    if bad:
                        item.setToolTip("not a number: ignored until fixed")
        finally:
            self._updating = False

    def _resize_cells(self) -> None:
        size, height = scaled(46, self._scale), scaled(28, self._scale)
        for c in range(self.columnCount()):
            self.setColumnWidth(c, size)
        for r in range(self.rowCount()):
            self.setRowHeight(r, height)
        width = self.verticalHeader().width() + size * self.columnCount() + 2 * self.frameWidth() + 2
        full = self.horizontalHeader().height() + height * self.rowCount() + 2 * self.frameWidth() + 2
        self.setMinimumHeight(min(full, height * 6 + 30))
        self.setMaximumHeight(full)
        self.setMaximumWidth(max(width, 120))
