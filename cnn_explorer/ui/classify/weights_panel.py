"""WeightsPanel: knock out a filter or edit one weight of a conv layer, see the prediction change, reset exactly.

The filter is shown as a grid of its weights (one input channel at a time,
blue negative, red positive); click a cell to pick that weight, then change
it in the spin box. Every change goes through the controller's ModelEditor,
so Reset restores the original weights bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.colormaps import (
    diverging_rgb,
    grey_rgb,
    symmetric_limit,
    text_is_dark,
)
from cnn_explorer.core.interpret import block_end, conv_names, find_layer
from cnn_explorer.ui import theme
from cnn_explorer.ui.classify.pictures import ImageView
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled


class KernelGrid(QWidget):
    """A (kh, kw) kernel as coloured cells with their values; clicking a cell emits ``cell_clicked(row, col)``."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._k: np.ndarray | None = None
        self._vmax = 1.0
        self._selected = (0, 0)
        self._scale = 1.0
        self.setMinimumSize(QSize(120, 120))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(220)
        install_figure_export(self, "filter weights", values=lambda: self._k, vector=True)

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.setFixedHeight(scaled(220, factor))
        self.update()

    def set_kernel(self, k: np.ndarray, vmax: float, selected: tuple[int, int]) -> None:
        self._k, self._vmax, self._selected = np.asarray(k, np.float64), vmax, selected
        self.update()

    def _geometry(self) -> tuple[float, float, float]:
        kh, kw = self._k.shape
        cell = min(self.width() / kw, self.height() / kh, 64.0 * self._scale)
        return cell, (self.width() - cell * kw) / 2, (self.height() - cell * kh) / 2

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._k is None:
            return
        cell, x0, y0 = self._geometry()
        c = int((event.position().x() - x0) // cell)
        r = int((event.position().y() - y0) // cell)
        if 0 <= r < self._k.shape[0] and 0 <= c < self._k.shape[1]:
            self.cell_clicked.emit(r, c)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._k is None:
            return
        p = QPainter(self)
        cell, x0, y0 = self._geometry()
        rgb = diverging_rgb(self._k, self._vmax)
        dark = text_is_dark(rgb)
        f = QFont(self.font())
        f.setPixelSize(max(8, int(cell * 0.26)))
        p.setFont(f)
        for r in range(self._k.shape[0]):
            for c in range(self._k.shape[1]):
                rect = QRectF(x0 + c * cell, y0 + r * cell, cell, cell)
                p.fillRect(rect, QColor(*rgb[r, c]))
                p.setPen(theme.DARK_TEXT if dark[r, c] else theme.LIGHT_TEXT)
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{self._k[r, c]:.2f}")
                p.setPen(QPen(theme.GRID_LINE, 1))
                p.drawRect(rect)
        r, c = self._selected
        p.setPen(QPen(theme.ACCENT, 3))
        p.drawRect(QRectF(x0 + c * cell + 1.5, y0 + r * cell + 1.5, cell - 3, cell - 3))
        p.end()


class WeightsPanel(QWidget):
    """Pick a conv layer and a filter: knock it out, edit a weight, send it to the explorer, or reset everything."""

    send_requested = Signal(str, int)            # conv layer, filter
    status_message = Signal(str)

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._syncing = False
        self.layer = QComboBox()
        self.filter = QSpinBox()
        self.channel = QSpinBox()
        self.channel.setToolTip("Input channel of the filter shown (a filter has one 2-D kernel per input channel)")
        self.row = QSpinBox()
        self.col = QSpinBox()
        self.value = QDoubleSpinBox()
        self.value.setDecimals(4)
        self.value.setRange(-100.0, 100.0)
        self.value.setSingleStep(0.1)
        self.value.setKeyboardTracking(False)
        self.value.setToolTip("The weight's value: the prediction changes as soon as it changes")
        self.knocked = QCheckBox("Knock out this filter")
        self.knocked.setToolTip("Zero this filter's feature map everywhere after its ReLU")
        self.send = QPushButton("Send filter to Explorer")
        self.send.setToolTip("Open this learned filter as the kernel on the Explorer page")
        self.reset = QPushButton("Reset all edits")
        self.reset.setToolTip("Put back the original weights exactly and bring every filter back")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.grid = KernelGrid()
        self.bias = QLabel()
        self.map_view = ImageView(minimum=120, name="filter response")
        self.map_caption = QLabel()
        self.map_caption.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Conv layer", self.layer)
        form.addRow("Filter", self.filter)
        form.addRow("Input channel", self.channel)
        pos = QHBoxLayout()
        pos.addWidget(QLabel("row"))
        pos.addWidget(self.row)
        pos.addWidget(QLabel("col"))
        pos.addWidget(self.col)
        form.addRow("Weight at", pos)
        form.addRow("Value", self.value)
        form.addRow("", self.knocked)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.send)
        side.addWidget(self.reset)
        side.addWidget(self.summary)
        side.addSpacing(8)
        side.addWidget(QLabel("<b>Its feature map on your drawing</b>"))
        side.addWidget(self.map_view, 1)
        side.addWidget(self.map_caption)
        right = QVBoxLayout()
        right.addWidget(QLabel("<b>The filter's weights</b> (click one to edit it)"))
        right.addWidget(self.grid)
        right.addWidget(self.bias)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(side, 1)
        layout.addLayout(right, 1)

        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        for spin in (self.filter, self.channel, self.row, self.col):
            spin.valueChanged.connect(self._sync)
        self.value.valueChanged.connect(self._on_value_changed)
        self.knocked.toggled.connect(self._on_knocked_toggled)
        self.grid.cell_clicked.connect(self._on_grid_cell_clicked)
        self.send.clicked.connect(lambda: self.send_requested.emit(self.layer.currentText(), self.filter.value()))
        self.reset.clicked.connect(self._controller.reset_edits)
        controller.model_changed.connect(self._on_model_changed)
        controller.edits_changed.connect(self._sync)
        self.setEnabled(False)

    def refresh_map(self) -> None:
        """Show the chosen filter's final feature map (after its ReLU) for the current drawing."""
        ctrl = self._controller
        acts = ctrl.activations() if ctrl.loaded is not None and self.layer.currentText() else None
        if acts is None:
            self.map_view.set_rgb(None, "draw a digit")
            self.map_caption.setText("")
            return
        end = block_end(ctrl.loaded.model, self.layer.currentText())
        maps = acts[end]  # (C, h, w)
        f = self.filter.value()
        m = maps[f]
        peak = float(np.abs(maps).max()) or 1.0
        rgb = diverging_rgb(m, peak) if float(maps.min()) < 0 else grey_rgb(m, 0.0, peak)
        self.map_view.set_rgb(rgb)
        off = " — knocked out" if ctrl.is_knocked_out(self.layer.currentText(), f) else ""
        self.map_caption.setText(f"{end}, map {f}: {m.shape[0]}×{m.shape[1]}, max {float(m.max()):.3f}"
                                 f" (scale: the layer's strongest response){off}")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.refresh_map()

    def set_scale(self, factor: float) -> None:
        self.grid.set_scale(factor)

    def _module(self) -> Any:
        return find_layer(self._controller.loaded.model, self.layer.currentText())

    def _on_model_changed(self, loaded: Any) -> None:
        names = conv_names(loaded.model)
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.addItems(names)
        self.layer.blockSignals(False)
        self.setEnabled(bool(names))
        if names:
            self._on_layer_changed()

    def _on_layer_changed(self) -> None:
        if not self.layer.currentText():
            return
        m = self._module()
        f, c, kh, kw = m.weight.shape
        self._syncing = True
        for spin, n in ((self.filter, f), (self.channel, c), (self.row, kh), (self.col, kw)):
            spin.setRange(0, n - 1)
        self._syncing = False
        self._sync()

    def select(self, layer: str, channel: int) -> None:
        """Show filter ``channel`` of conv ``layer``."""
        self.layer.setCurrentText(layer)
        self.filter.setValue(channel)

    def _on_grid_cell_clicked(self, r: int, c: int) -> None:
        self._syncing = True
        self.row.setValue(r)
        self._syncing = False
        self.col.setValue(c)
        self.value.setFocus()
        self.value.selectAll()

    def _sync(self) -> None:
        """Show the chosen filter and weight as the model has them now."""
        if self._syncing or self._controller.loaded is None or not self.layer.currentText():
            return
        ctrl = self._controller
        layer, f, ch = self.layer.currentText(), self.filter.value(), self.channel.value()
        m = self._module()
        w = m.weight.detach()[f].float().cpu().numpy()  # (C_in, kh, kw)
        index = (f, ch, self.row.value(), self.col.value())
        self._syncing = True
        self.value.setValue(ctrl.editor.weight(layer, index))
        self.knocked.setChecked(ctrl.is_knocked_out(layer, f))
        self._syncing = False
        self.grid.set_kernel(w[ch], symmetric_limit(w), (self.row.value(), self.col.value()))
        bias = getattr(m, "bias", None)
        self.bias.setText(f"bias {float(bias.detach()[f]):.4f}" if bias is not None else "no bias (BatchNorm follows)")
        off = len(ctrl.editor.knocked_out)
        changed = len(ctrl.edited_weights)
        edited = ctrl.editor.edited
        parts = []
        if off:
            parts.append(f"{off} filter{'s' if off != 1 else ''} knocked out")
        if changed:
            parts.append(f"{changed} weight{'s' if changed != 1 else ''} changed")
        self.summary.setText("Edited: " + ", ".join(parts) + ". Reset puts everything back exactly."
                             if parts else "Original weights.")
        self.reset.setEnabled(edited)
        if self.isVisible():
            self.refresh_map()

    def _on_value_changed(self, value: float) -> None:
        if self._syncing:
            return
        index = (self.filter.value(), self.channel.value(), self.row.value(), self.col.value())
        self._controller.set_weight(self.layer.currentText(), index, value)

    def _on_knocked_toggled(self, on: bool) -> None:
        if self._syncing:
            return
        self._controller.knock_out(self.layer.currentText(), self.filter.value(), on)
