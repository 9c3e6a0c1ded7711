"""ShapeTable: the live shape/parameter table of the edited spec (the engine's ``shape_table``), with totals.

When a layer is invalid the rows before it are shown, then that layer in red
with the engine's message; the totals line says the model cannot be built.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.model.spec import shape_table, shape_text
from cnn_explorer.ui import theme

COLUMNS = ("#", "Layer", "Output", "Weights", "Biases", "Params")


class ShapeTable(QWidget):
    """Rows: input, then one per layer; ``totals_label`` sums the parameters."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.totals_label = QLabel(self)
        self.totals_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals_label)

    def show_spec(self, spec, error=None) -> None:
        """Fill the table for ``spec``; ``error`` is its SpecError (or None)."""
        bad = error.layer_index if error is not None else None
        rows = []
        if error is None:
            rows = shape_table(spec)
        elif bad:
            try:
                rows = shape_table(replace(spec, layers=spec.layers[:bad]))
            except Exception:  # an input problem: no rows to show
                rows = []
        self.table.setRowCount(0)
        self._row(["", "input", shape_text(spec.input_shape), "", "", ""])
        for r in rows:
            label = f"{r.name}: {r.layer_type} {r.details}".strip()
            self._row([str(r.index), label, shape_text(r.output_shape), f"{r.weights:,}", f"{r.biases:,}",
                       f"{r.params:,}"])
        if bad is not None and bad < len(spec.layers):
            layer = spec.layers[bad]
            self._row([str(bad + 1), f"{layer.display}: {error}", "—", "", "", ""], error=str(error))
        if error is None:
            w, b, p = sum(r.weights for r in rows), sum(r.biases for r in rows), sum(r.params for r in rows)
            self.totals_label.setText(f"<b>Total: {p:,} parameters</b> ({w:,} weights + {b:,} biases)")
        else:
            self.totals_label.setText(f"<span style='color:{theme.ERROR_FG.name()}'>Cannot build: {error}</span>")

    def _row(self, cells: list[str], error: str | None = None) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if col in (0, 3, 4, 5):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if error:
                item.setBackground(QBrush(theme.INVALID_CELL))
                item.setForeground(QBrush(QColor(theme.ERROR_FG)))
                item.setToolTip(error)
            self.table.setItem(row, col, item)

    def output_shapes(self) -> list[str]:
        """The Output column's texts (input first), for tests and screen readers."""
        return [self.table.item(r, 2).text() for r in range(self.table.rowCount())]
