"""LayerForm: edit one layer of the spec through fields (no JSON): filters, kernel, stride, padding, pooling...

``layer_edited(index, layer, field)`` carries the new frozen layer after each
change; :meth:`show_layer` fills the fields (without echoing an edit back).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from cnn_explorer.core.model.spec import (
    ACTIVATION_KINDS,
    ACTIVATIONS,
    Activation,
    AvgPool,
    Conv2D,
    Dense,
    Dropout,
    MaxPool,
)
from cnn_explorer.ui.widgets.fold import stack_rows_when_narrow


class PairEdit(QWidget):
    """Two spin boxes "h × w" for a (height, width) pair."""

    def __init__(self, minimum: int, maximum: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.h, self.w = QSpinBox(self), QSpinBox(self)
        for spin in (self.h, self.w):
            spin.setRange(minimum, maximum)
            spin.setAccelerated(True)
        self.h.setToolTip("height")
        self.w.setToolTip("width")
        layout.addWidget(self.h)
        layout.addWidget(QLabel("×", self))
        layout.addWidget(self.w)
        layout.addStretch(1)
        self.h.valueChanged.connect(self._on_h_changed)

    def _on_h_changed(self, value: int) -> None:
        # square by default: typing the height sets the width too while they were equal
        if self.w.value() == self._last_h:
            self.w.setValue(value)
        self._last_h = value

    _last_h = 0

    def value(self) -> tuple[int, int]:
        return self.h.value(), self.w.value()

    def set_value(self, pair) -> None:
        with QSignalBlocker(self.h), QSignalBlocker(self.w):
            self.h.setValue(int(pair[0]))
            self.w.setValue(int(pair[1]))
        self._last_h = int(pair[0])


class LayerForm(QWidget):
    """The fields of the selected layer; ``layer_edited(index, layer, field)`` on every change."""

    layer_edited = Signal(int, object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = -1
        self.layer = None
        self.fields: dict[str, QWidget] = {}
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # narrow column: field under its label
        stack_rows_when_narrow(self._form, self)  # and every field under its label when one would not fit
        self._title = QLabel("Select a layer to edit it.", self)
        self._title.setWordWrap(True)
        self._form.addRow(self._title)

    # ------------------------------------------------------------------ public
    def show_layer(self, index: int, layer) -> None:
        """Fill the fields for ``layer`` at ``index`` (rebuilding them when the type changed)."""
        same_kind = self.layer is not None and layer is not None and type(layer) is type(self.layer)
        self.index, self.layer = index, layer
        if not same_kind:
            self._rebuild()
        self._fill()

    # ------------------------------------------------------------------ building
    def _clear(self) -> None:
        while self._form.rowCount() > 1:
            self._form.removeRow(1)
        self.fields = {}

    def _spin(self, name: str, label: str, lo: int, hi: int, tip: str) -> None:
        spin = QSpinBox(self)
        spin.setRange(lo, hi)
        spin.setAccelerated(True)
        spin.setToolTip(tip)
        spin.valueChanged.connect(lambda _v, n=name: self._on_field_changed(n))
        self._add(name, label, spin)

    def _pair(self, name: str, label: str, lo: int, hi: int, tip: str) -> None:
        pair = PairEdit(lo, hi, self)
        pair.setToolTip(tip)
        pair.h.valueChanged.connect(lambda _v, n=name: self._on_field_changed(n))
        pair.w.valueChanged.connect(lambda _v, n=name: self._on_field_changed(n))
        self._add(name, label, pair)

    def _combo(self, name: str, label: str, items, tip: str) -> None:
        combo = QComboBox(self)
        combo.addItems(list(items))
        combo.setToolTip(tip)
        combo.currentTextChanged.connect(lambda _t, n=name: self._on_field_changed(n))
        self._add(name, label, combo)

    def _check(self, name: str, label: str, tip: str) -> None:
        box = QCheckBox(label, self)
        box.setToolTip(tip)
        box.toggled.connect(lambda _b, n=name: self._on_field_changed(n))
        self._add(name, "", box)

    def _double(self, name: str, label: str, lo: float, hi: float, step: float, tip: str) -> None:
        spin = QDoubleSpinBox(self)
        spin.setRange(lo, hi)
        spin.setDecimals(3)
        spin.setSingleStep(step)
        spin.setToolTip(tip)
        spin.valueChanged.connect(lambda _v, n=name: self._on_field_changed(n))
        self._add(name, label, spin)

    def _add(self, name: str, label: str, widget: QWidget) -> None:
        widget.setObjectName(f"field_{name}")
        self.fields[name] = widget
        self._form.addRow(label, widget)

    def _rebuild(self) -> None:
        self._clear()
        layer = self.layer
        if layer is None:
            self._title.setText("Select a layer to edit it.")
            return
        if isinstance(layer, Conv2D):
            self._spin("filters", "Filters", 1, 1024, "number of filters = output channels")
            self._pair("kernel", "Kernel", 1, 31, "filter size (height × width)")
            self._pair("stride", "Stride", 1, 16, "step between two filter positions")
            self._combo("padding_mode", "Padding", ("valid", "same", "pixels"),
                        "valid: none; same: output = ceil(input / stride); pixels: zeros around the map")
            self._pair("padding", "Padding pixels", 0, 15, "zero padding (top/bottom × left/right)")
            self._pair("dilation", "Dilation", 1, 8, "spacing between the kernel's taps")
            self._combo("activation", "Activation", [a for a in ACTIVATIONS if a != "softmax"],
                        "applied after the convolution")
            self._check("bias", "Bias", "add one learned bias per filter")
        elif isinstance(layer, (MaxPool, AvgPool)):
            self._pair("size", "Pool size", 1, 16, "window size")
            self._check("stride_same", "Stride = pool size", "move the window by its own size")
            self._pair("stride", "Stride", 1, 16, "step between two windows")
            self._pair("padding", "Padding", 0, 8, "padding around the map (at most half the window)")
            self._check("ceil", "Ceil mode (keep the edge)", "keep a partial window at the edge: 7×7 → 4×4")
        elif isinstance(layer, Activation):
            self._combo("kind", "Function", ACTIVATION_KINDS, "the activation function")
            self._double("negative_slope", "Negative slope", -1.0, 1.0, 0.01,
                         "slope for negative inputs (LeakyReLU only)")
        elif isinstance(layer, Dropout):
            self._double("rate", "Rate", 0.0, 0.99, 0.05, "fraction of values set to zero while training")
        elif isinstance(layer, Dense):
            self._spin("units", "Units", 1, 100000, "number of outputs (the last Dense: one per class)")
            self._combo("activation", "Activation", ACTIVATIONS, "softmax only on the last layer")
            self._check("bias", "Bias", "add one learned bias per unit")
        self._title.setText(self._heading())

    def _heading(self) -> str:
        extra = "" if self.fields else " — no settings"
        return f"<b>Layer {self.index + 1}: {self.layer.display}</b>{extra}"

    # ------------------------------------------------------------------ values
    def _fill(self) -> None:
        layer, f = self.layer, self.fields
        if layer is None:
            return
        self._title.setText(self._heading())
        blockers = [QSignalBlocker(w) for w in f.values()]
        blockers += [QSignalBlocker(s) for w in f.values() if isinstance(w, PairEdit) for s in (w.h, w.w)]
        if isinstance(layer, Conv2D):
            f["filters"].setValue(layer.filters)
            f["kernel"].set_value(layer.kernel)
            f["stride"].set_value(layer.stride)
            mode = layer.padding if isinstance(layer.padding, str) else "pixels"
            f["padding_mode"].setCurrentText(mode)
            f["padding"].set_value(layer.padding if mode == "pixels" else (0, 0))
            f["padding"].setEnabled(mode == "pixels")
            f["dilation"].set_value(layer.dilation)
            f["activation"].setCurrentText(layer.activation)
            f["bias"].setChecked(bool(layer.bias))
        elif isinstance(layer, (MaxPool, AvgPool)):
            f["size"].set_value(layer.size)
            f["stride_same"].setChecked(layer.stride is None)
            f["stride"].set_value(layer.step)
            f["stride"].setEnabled(layer.stride is not None)
            f["padding"].set_value(layer.padding)
            f["ceil"].setChecked(bool(layer.ceil))
        elif isinstance(layer, Activation):
            f["kind"].setCurrentText(layer.kind)
            f["negative_slope"].setValue(layer.negative_slope)
            f["negative_slope"].setEnabled(layer.kind == "leaky_relu")
        elif isinstance(layer, Dropout):
            f["rate"].setValue(layer.rate)
        elif isinstance(layer, Dense):
            f["units"].setValue(layer.units)
            f["activation"].setCurrentText(layer.activation)
            f["bias"].setChecked(bool(layer.bias))
        del blockers

    def _collect(self):
        layer, f = self.layer, self.fields
        if isinstance(layer, Conv2D):
            mode = f["padding_mode"].currentText()
            padding = f["padding"].value() if mode == "pixels" else mode
            return replace(layer, filters=f["filters"].value(), kernel=f["kernel"].value(),
                           stride=f["stride"].value(), padding=padding, dilation=f["dilation"].value(),
                           activation=f["activation"].currentText(), bias=f["bias"].isChecked())
        if isinstance(layer, (MaxPool, AvgPool)):
            stride = None if f["stride_same"].isChecked() else f["stride"].value()
            return replace(layer, size=f["size"].value(), stride=stride, padding=f["padding"].value(),
                           ceil=f["ceil"].isChecked())
        if isinstance(layer, Activation):
            return Activation(f["kind"].currentText(), round(f["negative_slope"].value(), 3))
        if isinstance(layer, Dropout):
            return replace(layer, rate=round(f["rate"].value(), 3))
        if isinstance(layer, Dense):
            return replace(layer, units=f["units"].value(), activation=f["activation"].currentText(),
                           bias=f["bias"].isChecked())
        return layer

    def _on_field_changed(self, name: str) -> None:
        if self.layer is None:
            return
        new = self._collect()
        if isinstance(new, (MaxPool, AvgPool)) and name == "stride_same":
            self.fields["stride"].setEnabled(new.stride is not None)
        if isinstance(new, Conv2D) and name == "padding_mode":
            self.fields["padding"].setEnabled(not isinstance(new.padding, str))
        if isinstance(new, Activation):
            self.fields["negative_slope"].setEnabled(new.kind == "leaky_relu")
        if new == self.layer:
            return
        self.layer = new
        self._title.setText(self._heading())
        self.layer_edited.emit(self.index, new, name)
