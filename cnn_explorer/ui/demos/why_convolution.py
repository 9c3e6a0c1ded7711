"""Why convolution: a table of the weights a dense layer and a convolution layer need on the same picture."""

from __future__ import annotations

from typing import Mapping

from PySide6.QtCore import QEvent, QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from cnn_explorer.core.lessons.demos import demo_info
from cnn_explorer.core.model.why_convolution import why_convolution
from cnn_explorer.ui.widgets.containers import scrolling_column

_COLUMNS = ("Layer", "Weights", "Biases", "Parameters", "Weights counted as")


class WhyConvolutionDemo(QWidget):
    """Spin boxes for the picture and the layer, the two rows of the table, and what they mean."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        info = demo_info("why-convolution")
        self.spins: dict[str, QSpinBox] = {}
        form = QFormLayout()
        labels = {"height": "Picture height", "width": "Picture width", "channels": "Channels (3 = R, G, B)",
                  "units": "Outputs (dense) = filters (conv)", "kernel": "Filter size"}
        for p in info.params:
            spin = QSpinBox(self)
            spin.setObjectName(f"why_{p.name}")
            low, high = (1, 4096) if p.name in ("height", "width") else (1, 64) if p.name == "channels" else \
                (1, 100_000) if p.name == "units" else (1, 15)
            spin.setRange(low, high)
            spin.setValue(int(p.default))
            spin.setToolTip(p.help)
            spin.setAccelerated(True)
            spin.valueChanged.connect(self._update)
            self.spins[p.name] = spin
            form.addRow(labels[p.name], spin)
        self.table = QTableWidget(2, len(_COLUMNS), self)
        self.table.setObjectName("why_table")
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)   # the formula wraps
        self.table.setWordWrap(True)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for part in (self.table, header):
            part.installEventFilter(self)      # their fonts change after ours (presenter scale): rows refit
        self.verdict = QLabel(self)
        self.verdict.setObjectName("why_verdict")
        self.verdict.setWordWrap(True)
        self.slide = QLabel(
            "The slides (deck 003): a 256×256 colour picture is three matrices, R, G and B: 256×256×3 = 196,608 "
            "numbers, each one input of a dense network. A convolution filter looks at a small window and is reused "
            "at every position, so its weights do not grow with the picture.", self)
        self.slide.setWordWrap(True)
        column, _scroll = scrolling_column(self)      # a projector at 300 % scrolls instead of clipping
        column.addLayout(form)
        column.addWidget(self.table)
        column.addWidget(self.verdict)
        column.addWidget(self.slide)
        column.addStretch(1)
        self._update()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.Resize) and watched in (
                self.table, self.table.horizontalHeader()):
            self._fit_table()
        return super().eventFilter(watched, event)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:      # presenter scale: the rows grow with the font
            self._fit_table()

    def set_params(self, params: Mapping[str, object]) -> None:
        for name, spin in self.spins.items():
            if name in params:
                with QSignalBlocker(spin):
                    spin.setValue(int(params[name]))
        self._update()

    def values(self) -> dict[str, int]:
        return {name: spin.value() for name, spin in self.spins.items()}

    def params(self) -> dict[str, object]:
        """What ``set_params`` takes to show this view again."""
        return dict(self.values())

    def _update(self) -> None:
        dense, conv = why_convolution(**self.values())
        for row, count in enumerate((dense, conv)):
            for col, text in enumerate((count.layer, f"{count.weights:,}", f"{count.biases:,}", f"{count.params:,}",
                                        count.formula)):
                item = QTableWidgetItem(text)
                if 1 <= col <= 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self._fit_table()
        ratio = dense.weights / conv.weights
        self.verdict.setText(f"The dense layer needs {dense.weights:,} weights, the convolution layer {conv.weights:,}: "
                             f"{ratio:,.0f} times fewer. Double the picture's sides and the dense layer needs four "
                             "times as many; the convolution layer needs the same.")

    def _fit_table(self) -> None:
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().height() + sum(self.table.rowHeight(r) for r in range(2))
        self.table.setFixedHeight(height + 2 * self.table.frameWidth() + 2)
        # the numbers' columns whole and a few words of the formula: narrower, the page scrolls sideways
        numbers = sum(self.table.columnWidth(c) for c in range(len(_COLUMNS) - 1))
        header = self.table.horizontalHeader()
        formula = max(12 * self.table.fontMetrics().averageCharWidth(),
                      header.sectionSizeFromContents(len(_COLUMNS) - 1).width())
        self.table.setMinimumWidth(numbers + formula + 2 * self.table.frameWidth() + 2)
