"""SettingsPanel: stride, padding, dilation, activation and pooling, with the output-size formula live.

The formula is ``core.output_size_formula`` with this case's numbers, e.g.
``(7 − 3 + 2·1) / 1 + 1 = 7``. Impossible settings show an inline message; the
maps keep the previous result until the settings work again.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.conv.convolution import (
    ACTIVATIONS,
    PoolSettings,
    output_shape,
    output_size_formula,
    pool_output_shape,
)
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.ui.explorer.state import ExplorerState
from cnn_explorer.ui.widgets.fold import FoldRow, stack_rows_when_narrow, wrapping_check
from cnn_explorer.ui.widgets.inline_message import InlineMessage

ACTIVATION_LABELS = {
    "relu": "ReLU  max(0, x)",
    "leaky_relu": "leaky ReLU (slope 0.01)",
    "sigmoid": "sigmoid  1/(1+e⁻ˣ)",
    "tanh": "tanh",
    "none": "none (identity)",
}


def _spin(parent: QWidget, low: int, high: int, tip: str) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setToolTip(tip)
    return spin


class SettingsPanel(QWidget):
    """Edits ``state.conv`` (stride, padding, dilation), ``state.activation`` and ``state.pool``."""

    status_message = Signal(str)

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._updating = False
        self._formula_key: tuple | None = None      # what the formulas shown were written for
        self.stride_rows = _spin(self, 1, 64, "Stride down the rows: how far the window moves each step")
        self.stride_cols = _spin(self, 1, 64, "Stride along the columns")
        self.padding_combo = QComboBox(self)
        self.padding_combo.addItem("valid (no padding)", "valid")
        self.padding_combo.addItem("same (output = input / stride)", "same")
        self.padding_combo.addItem("amount", "amount")
        self.padding_combo.setToolTip("'same' follows the TensorFlow rule: an odd extra row/column goes at the bottom/right")
        self.padding_spin = _spin(self, 0, 64, "Rows/columns of padding added on every side")
        self.padding_mode = QComboBox(self)
        for mode, text in (("zeros", "zeros"), ("edge", "edge (repeat border)"), ("reflect", "reflect (mirror)")):
            self.padding_mode.addItem(text, mode)
        self.padding_mode.setToolTip("What the padding cells hold")
        self.dilation_spin = _spin(self, 1, 16, "Dilation: gaps between kernel taps (effective size d·(k−1)+1)")
        self.activation_combo = QComboBox(self)
        for name in ACTIVATIONS:
            self.activation_combo.addItem(ACTIVATION_LABELS.get(name, name), name)
        self.pool_combo = QComboBox(self)
        for mode, text in ((None, "none"), ("max", "max pooling"), ("avg", "average pooling")):
            self.pool_combo.addItem(text, mode)
        self.pool_size = _spin(self, 1, 16, "Pooling window size")
        self.pool_stride = _spin(self, 0, 16, "Pooling stride (0 = same as the window size)")
        self.pool_stride.setSpecialValueText("= size")
        self.pool_ceil = QCheckBox("ceil (keep the edge)", self)
        self.pool_ceil.setToolTip("Ceil mode: a partial window at the right/bottom edge still gives an output (the slides' 7×7 → 4×4)")

        self.formula = QLabel(self)
        self.formula.setObjectName("formula")
        self.formula.setWordWrap(True)
        self.pool_formula = QLabel(self)
        self.pool_formula.setObjectName("formula")
        self.pool_formula.setWordWrap(True)
        self.message = InlineMessage(self)

        # Rows fold, form rows wrap and texts wrap when the column is narrow (small screen, big presenter scale).
        stride_row = FoldRow([self.stride_rows, QLabel("×", self), self.stride_cols], self)
        padding_row = FoldRow([self.padding_combo, self.padding_spin], self, stretch=self.padding_combo)
        pool_row = FoldRow([QLabel("size", self), self.pool_size, QLabel("stride", self), self.pool_stride], self)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Stride", stride_row)
        form.addRow("Padding", padding_row)
        form.addRow("Pad with", self.padding_mode)
        form.addRow("Dilation", self.dilation_spin)
        form.addRow("Activation", self.activation_combo)
        form.addRow("Pooling", self.pool_combo)
        form.addRow("", pool_row)
        layout = QVBoxLayout(self)
        heading = QLabel("Output size  ⌊(n − f + 2p) / s⌋ + 1 :", self)
        heading.setWordWrap(True)
        heading.setToolTip("n input size, f (dilated) kernel size, p padding, s stride; per dimension")
        layout.addWidget(heading)
        layout.addWidget(self.formula)
        layout.addWidget(self.pool_formula)
        layout.addWidget(self.message)
        layout.addLayout(form)
        stack_rows_when_narrow(form, self)
        layout.addWidget(wrapping_check(self.pool_ceil, self))  # a box layout gives a wrapped text its height
        layout.addStretch(1)

        for spin in (self.stride_rows, self.stride_cols, self.padding_spin, self.dilation_spin, self.pool_size, self.pool_stride):
            spin.valueChanged.connect(self._on_control_changed)
        for combo in (self.padding_combo, self.padding_mode, self.activation_combo, self.pool_combo):
            combo.currentIndexChanged.connect(self._on_control_changed)
        self.pool_ceil.toggled.connect(self._on_control_changed)
        state.settings_changed.connect(self._sync_from_state)
        state.kernels_changed.connect(self._update_formula)
        state.image_changed.connect(self._on_state_image_changed)
        state.error_occurred.connect(self._on_state_error_occurred)
        state.error_cleared.connect(self._on_state_error_cleared)
        self._last_hw: tuple[int, int] | None = None
        self._sync_from_state()

    # ----------------------------------------------------------------- from the state
    def _sync_from_state(self) -> None:
        conv, pool = self._state.conv, self._state.pool
        self._updating = True
        try:
            self.stride_rows.setValue(conv.stride[0])
            self.stride_cols.setValue(conv.stride[1])
            padding = conv.padding
            if isinstance(padding, str):
                self.padding_combo.setCurrentIndex(self.padding_combo.findData(padding))
            else:
                self.padding_combo.setCurrentIndex(self.padding_combo.findData("amount"))
                values = (padding,) if isinstance(padding, int) else tuple(padding)
                self.padding_spin.setValue(int(max(values)))
            self.padding_spin.setEnabled(not isinstance(padding, str))
            self.padding_mode.setCurrentIndex(max(0, self.padding_mode.findData(conv.padding_mode)))
            self.dilation_spin.setValue(conv.dilation[0])
            self.activation_combo.setCurrentIndex(max(0, self.activation_combo.findData(self._state.activation)))
            self.pool_combo.setCurrentIndex(self.pool_combo.findData(pool.mode) if pool is not None else 0)
            if pool is not None:
                self.pool_size.setValue(pool.size[0])
                self.pool_stride.setValue(0 if pool.stride is None or tuple(pool.stride) == tuple(pool.size) else pool.stride[0])
                self.pool_ceil.setChecked(bool(pool.ceil_mode))
            for widget in (self.pool_size, self.pool_stride, self.pool_ceil):
                widget.setEnabled(pool is not None)
        finally:
            self._updating = False
        self._update_formula()

    def _on_state_image_changed(self) -> None:
        hw = self._state.image.shape[:2]
        if hw != self._last_hw:
            self._last_hw = hw
            self._update_formula()

    def _on_state_error_occurred(self, text: str) -> None:
        self.message.show_error(f"{text} — the maps show the last valid result")

    def _on_state_error_cleared(self) -> None:
        self.message.clear_message()

    def _update_formula(self) -> None:
        hw = self._state.image.shape[:2]
        kernel_hw = self._state.kernels[0].shape[:2]
        key = (hw, kernel_hw, self._state.conv, self._state.pool)
        if key == self._formula_key:
            return                            # a kernel's values changed, not its size: the same formulas
        self._formula_key = key
        try:
            text = output_size_formula(hw, kernel_hw, self._state.conv)
            out = output_shape(hw, kernel_hw, self._state.conv)
        except CnnExplorerError as exc:
            self.formula.setText(f"input {hw[0]}×{hw[1]}, kernel {kernel_hw[0]}×{kernel_hw[1]}: {exc}")
            self.pool_formula.setText("")
            return
        self.formula.setText(f"{text}\nconv: {hw[0]}×{hw[1]} → {out[0]}×{out[1]} per kernel")
        pool = self._state.pool
        if pool is None:
            self.pool_formula.setText("no pooling")
            return
        try:
            pooled = pool_output_shape(out, pool)
        except CnnExplorerError as exc:
            self.pool_formula.setText(f"pool: {exc}")
            return
        self.pool_formula.setText(f"pool {pool.mode} {pool.size[0]}×{pool.size[1]}: {out[0]}×{out[1]} → {pooled[0]}×{pooled[1]}")

    # ----------------------------------------------------------------- to the state
    def _on_control_changed(self, *_args) -> None:
        if self._updating:
            return
        padding_kind = self.padding_combo.currentData()
        self.padding_spin.setEnabled(padding_kind == "amount")
        padding = self.padding_spin.value() if padding_kind == "amount" else padding_kind
        mode = self.pool_combo.currentData()
        for widget in (self.pool_size, self.pool_stride, self.pool_ceil):
            widget.setEnabled(mode is not None)
        try:
            conv = dataclasses.replace(
                self._state.conv,
                stride=(self.stride_rows.value(), self.stride_cols.value()),
                padding=padding,
                padding_mode=self.padding_mode.currentData(),
                dilation=(self.dilation_spin.value(), self.dilation_spin.value()),
            )
            pool = None
            if mode is not None:
                size = (self.pool_size.value(), self.pool_size.value())
                stride = None if self.pool_stride.value() == 0 else (self.pool_stride.value(),) * 2
                base = self._state.pool if self._state.pool is not None else PoolSettings()
                pool = dataclasses.replace(base, mode=mode, size=size, stride=stride, ceil_mode=self.pool_ceil.isChecked())
        except CnnExplorerError as exc:
            self.message.show_error(f"{' '.join(str(exc).split())} — previous settings kept")
            return
        self._state.set_settings(conv=conv, activation=self.activation_combo.currentData(), pool=pool, text="Settings")
