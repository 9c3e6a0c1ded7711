"""Activations and costs (deck 003): sigmoid, tanh and ReLU at a movable x, softmax of editable logits as bars,
and the four costs of an editable prediction against its target. Every number comes from core/train/costs.py."""

from __future__ import annotations

from typing import Mapping

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.conv.convolution import activate
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.lessons.demos import demo_info
from cnn_explorer.core.train.costs import (
    ACTIVATION_RANGES,
    COST_TITLES,
    COST_USES,
    COSTS,
    activation_values,
    costs,
    softmax_lines,
    softmax_values,
)
from cnn_explorer.ui.classify.prediction_bars import PredictionBars
from cnn_explorer.ui.demos.activations_plot import ActivationPlot
from cnn_explorer.ui.demos.keys import add_demo_action
from cnn_explorer.ui.widgets.containers import headed_box, scroll_area
from cnn_explorer.ui.widgets.inline_message import InlineMessage

#: the plots span x in [−SPAN, SPAN] (the demo's x parameter has the same range)
SPAN = 6.0
X_STEP = 0.1
_TITLES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}
_Y_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, SPAN)}
_SUBSCRIPTS = "₁₂₃₄₅₆₇₈"


def _n(value: float) -> str:
    return format_number(value, "operand")


def _numbers_text(values) -> str:
    return ", ".join(format_number(float(v), "plain") for v in values)


class ActivationsDemo(QWidget):
    """Three activation plots with a shared x, softmax bars and the costs table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._info = demo_info("activations")
        self._params: dict[str, object] = {}
        content = QWidget(self)
        column = QVBoxLayout(content)
        column.addWidget(self._activation_box(content))
        column.addWidget(self._softmax_box(content))
        column.addWidget(self._cost_box(content))
        column.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll_area(content, self))
        for key_id, slot in (("right", lambda: self.set_x(self.x() + X_STEP)),
                             ("left", lambda: self.set_x(self.x() - X_STEP)),
                             ("reset", lambda: self.set_x(float(self._info.param("x").default)))):
            add_demo_action(self, "activations", key_id, slot)
        self.set_params(self._info.defaults())

    # ------------------------------------------------------------------ building
    def _activation_box(self, parent: QWidget) -> QWidget:
        box = headed_box("Activation functions: drag the orange line, or use ← → (Home: back to 1)", parent)
        self.x_spin = QDoubleSpinBox(box)
        self.x_spin.setObjectName("activations_x")
        self.x_spin.setRange(-SPAN, SPAN)
        self.x_spin.setSingleStep(X_STEP)
        self.x_spin.setDecimals(2)
        self.x_spin.setToolTip("The input x every activation is read at")
        self.x_spin.valueChanged.connect(self._on_x_changed)
        row = QHBoxLayout()
        row.addWidget(QLabel("x =", box))
        row.addWidget(self.x_spin)
        row.addStretch(1)
        box.layout().addLayout(row)
        xs = np.linspace(-SPAN, SPAN, 481)
        grid = QGridLayout()
        self.plots: dict[str, ActivationPlot] = {}
        self.value_labels: dict[str, QLabel] = {}
        for col, name in enumerate(("sigmoid", "tanh", "relu")):
            plot = ActivationPlot(name, _TITLES[name], xs, activate(xs, name), _Y_RANGES[name], box)
            plot.setObjectName(f"activations_plot_{name}")
            plot.x_moved.connect(self.set_x)
            self.plots[name] = plot
            value = QLabel(box)
            value.setObjectName(f"activations_value_{name}")
            value.setWordWrap(True)
            value.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.3)
            font.setBold(True)
            value.setFont(font)
            self.value_labels[name] = value
            note = QLabel(f"output: {ACTIVATION_RANGES[name]}", box)
            note.setWordWrap(True)
            note.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(plot, 0, col)
            grid.addWidget(value, 1, col)
            grid.addWidget(note, 2, col)
            grid.setColumnStretch(col, 1)
        grid.setRowStretch(0, 1)
        box.layout().addLayout(grid, 1)
        return box

    def _softmax_box(self, parent: QWidget) -> QWidget:
        box = headed_box("Softmax: logits become probabilities that sum to 1", parent)
        self.logits_edit = QLineEdit(box)
        self.logits_edit.setObjectName("activations_logits")
        self.logits_edit.setToolTip("2 to 8 numbers separated by commas, as 2, 1, 0.1")
        self.logits_edit.editingFinished.connect(self._update_softmax)
        row = QHBoxLayout()
        row.addWidget(QLabel("Logits z:", box))
        row.addWidget(self.logits_edit, 1)
        box.layout().addLayout(row)
        self.softmax_message = InlineMessage(box)
        box.layout().addWidget(self.softmax_message)
        self.bars = PredictionBars(box)
        self.bars.setObjectName("activations_softmax_bars")
        self.bars.setToolTip("softmax(z): each logit's share; the bars sum to 100%")
        box.layout().addWidget(self.bars)
        self.softmax_text = QLabel(box)
        self.softmax_text.setObjectName("formula")
        self.softmax_text.setWordWrap(True)
        self.softmax_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.layout().addWidget(self.softmax_text)
        return box

    def _cost_box(self, parent: QWidget) -> QWidget:
        box = headed_box("Costs: how far a prediction is from its target", parent)
        self.prediction_edit = QLineEdit(box)
        self.prediction_edit.setObjectName("activations_prediction")
        self.prediction_edit.setToolTip("The network's outputs, 1 to 8 numbers separated by commas")
        self.target_edit = QLineEdit(box)
        self.target_edit.setObjectName("activations_target")
        self.target_edit.setToolTip("The right answers, as many numbers as the prediction (1, 0, 0: class 1)")
        for edit in (self.prediction_edit, self.target_edit):
            edit.editingFinished.connect(self._update_costs)
        form = QGridLayout()
        form.addWidget(QLabel("Prediction:", box), 0, 0)
        form.addWidget(self.prediction_edit, 0, 1)
        form.addWidget(QLabel("Target:", box), 1, 0)
        form.addWidget(self.target_edit, 1, 1)
        form.setColumnStretch(1, 1)
        box.layout().addLayout(form)
        self.cost_message = InlineMessage(box)
        box.layout().addWidget(self.cost_message)
        grid = QGridLayout()
        self.cost_values: dict[str, QLabel] = {}
        self.cost_lines: dict[str, QLabel] = {}
        for row, name in enumerate(COSTS):
            title = QLabel(f"<b>{COST_TITLES[name]}</b><br>for {COST_USES[name]}", box)
            title.setWordWrap(True)
            value = QLabel(box)
            value.setObjectName(f"activations_cost_{name}")
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.3)
            font.setBold(True)
            value.setFont(font)
            lines = QLabel(box)
            lines.setObjectName("formula")
            lines.setWordWrap(True)
            lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(title, row, 0)
            grid.addWidget(value, row, 1)
            grid.addWidget(lines, row, 2)
            self.cost_values[name] = value
            self.cost_lines[name] = lines
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(2, 5)
        box.layout().addLayout(grid)
        return box

    # ------------------------------------------------------------------ API
    def set_params(self, params: Mapping[str, object]) -> None:
        """Show the demo with these parameters; the same ones again keep what the class typed."""
        values = {**self._info.defaults(), **params}
        if values == self._params:
            return
        self._params = values
        self.logits_edit.setText(_numbers_text(values["logits"]))
        self.prediction_edit.setText(_numbers_text(values["prediction"]))
        self.target_edit.setText(_numbers_text(values["target"]))
        self.set_x(float(values["x"]))
        self._update_softmax()
        self._update_costs()

    def params(self) -> dict[str, object]:
        """What ``set_params`` takes to show this view again (an edit that does not read keeps its last good value)."""
        out: dict[str, object] = {"x": self.x()}
        for name, edit in (("logits", self.logits_edit), ("prediction", self.prediction_edit),
                           ("target", self.target_edit)):
            try:
                out[name] = self._info.param(name).read(edit.text())
            except CnnExplorerError:
                out[name] = (self._params or self._info.defaults())[name]
        return out

    def set_scale(self, factor: float) -> None:
        for plot in self.plots.values():
            plot.set_scale(factor)
        self.bars.set_scale(factor)

    def x(self) -> float:
        return float(self.x_spin.value())

    def set_x(self, x: float) -> None:
        x = min(SPAN, max(-SPAN, float(x)))
        if abs(self.x_spin.value() - x) > 1e-12:
            self.x_spin.setValue(x)      # -> _on_x_changed
        else:
            self._on_x_changed(x)

    def shown_values(self) -> dict[str, str]:
        """What the page shows now: each activation's and each cost's value text, and the softmax (for tests)."""
        out = {name: label.text() for name, label in self.value_labels.items()}
        out.update({name: label.text() for name, label in self.cost_values.items()})
        probs = self.bars.probabilities()
        out["softmax"] = "" if probs is None else ", ".join(_n(float(p)) for p in probs)
        return out

    # ------------------------------------------------------------------ updates
    def _on_x_changed(self, x: float) -> None:
        values = activation_values(x)
        for name, value in values.items():
            self.plots[name].set_point(x, value)
            self.value_labels[name].setText(f"{_TITLES[name]}({_n(x)}) = {_n(value)}")

    def _read(self, edit: QLineEdit, name: str):
        try:
            return self._info.param(name).read(edit.text())
        except CnnExplorerError as exc:
            raise CnnExplorerError(f"{name}: {exc}") from None

    def _update_softmax(self) -> None:
        try:
            logits = self._read(self.logits_edit, "logits")
            probs = softmax_values(logits)
        except CnnExplorerError as exc:
            self.softmax_message.show_error(f"{exc} — the bars show the last logits that worked")
            return
        self.softmax_message.clear_message()
        self.bars.set_classes(tuple(f"z{_SUBSCRIPTS[i]} = {_n(z)}" for i, z in enumerate(logits)))
        self.bars.set_probabilities(probs)
        self.softmax_text.setText("\n".join(softmax_lines(logits)))

    def _update_costs(self) -> None:
        try:
            found = costs(self._read(self.prediction_edit, "prediction"), self._read(self.target_edit, "target"))
        except CnnExplorerError as exc:
            self.cost_message.show_error(f"{exc} — the costs shown are of the last pair that worked")
            return
        self.cost_message.clear_message()
        for name, cost in found.items():
            self.cost_values[name].setText(_n(cost.value))
            self.cost_lines[name].setText("\n".join(cost.lines))
