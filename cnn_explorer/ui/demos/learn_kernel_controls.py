"""The learn-kernel demo's controls: input, target, first kernel, rate, stride, padding, what Run shows, and the
Back / Step / Run / Reset buttons with the step's status. The demo (``learn_kernel.py``) wires them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from cnn_explorer.core.train import learn_kernel as lk
from cnn_explorer.ui.demos.learn_kernel_parts import FlowRow
from cnn_explorer.ui.widgets.choices import select_data

#: speed name -> (what the menu says, milliseconds a frame)
SPEEDS = {
    "product": ("Each multiply-add", 140),
    "cell": ("Each gradient cell", 450),
    "step": ("One step a frame", 150),
    "fast": ("Ten steps a frame", 60),
}
_START_TEXT = {"zeros": "Zeros", "random": "Random (seed)", "typed": "Typed"}


def make_combo(parent: QWidget, items, tip: str, name: str) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for key, text in items:
        combo.addItem(text, key)
    combo.setToolTip(tip)
    return combo


class LearnKernelControls(QWidget):
    """Every control of the demo, laid out in a flowing row of settings above the buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input_combo = make_combo(self, [(k, t) for k, (t, _v) in lk.INPUTS.items()],
                                  "The input grid the kernel slides over", "lk_input")
        self.target_combo = make_combo(self, [(k, t) for k, (t, _v) in lk.TARGETS.items()],
                                   "The hidden kernel that makes the target map", "lk_target")
        self.start_combo = make_combo(self, list(_START_TEXT.items()), "The kernel before the first step",
                                  "lk_start")
        self.seed_spin = QSpinBox(self)
        self.seed_spin.setRange(0, 1_000_000)
        self.seed_spin.setToolTip("The random start's seed: the same seed, the same kernel")
        self.typed_edit = QLineEdit(self)
        self.typed_edit.setObjectName("lk_typed")
        self.typed_edit.setPlaceholderText("0 0 0 / 0 0 0 / 0 0 0")
        self.typed_edit.setToolTip("Type the first kernel, rows separated by /, then press Enter")
        self.rate_spin = QDoubleSpinBox(self)
        self.rate_spin.setObjectName("lk_rate")
        self.rate_spin.setDecimals(4)
        self.rate_spin.setRange(0.0001, 10.0)
        self.rate_spin.setSingleStep(0.05)
        self.rate_spin.setToolTip("The learning rate lr: how far each step moves the kernel against its gradient")
        self.stride_spin = QSpinBox(self)
        self.stride_spin.setRange(1, 3)
        self.stride_spin.setToolTip("The convolution's stride")
        self.padding_combo = make_combo(self, [(p, p if not p.isdigit() else f"{p} cell{'s' * (p != '1')}")
                                                    for p in lk.PADDINGS],
                                    "Padding: valid (none), same (the map keeps the input's size) or cells of "
                                    "zeros on every side", "lk_padding")
        self.show_target = QCheckBox("Show the target kernel", self)
        self.show_target.setChecked(True)
        self.show_target.setToolTip("Hide it to let the class guess which kernel made the target map")
        self.speed_combo = make_combo(self, [(k, t) for k, (t, _ms) in SPEEDS.items()],
                                  "What Run shows at each frame", "lk_speed")
        select_data(self.speed_combo, "step")
        self.back_button = QPushButton("◀ Back", self)
        self.back_button.setToolTip("Back one step (Left)")
        self.step_button = QPushButton("Step ▶", self)
        self.step_button.setToolTip("One step of gradient descent (Right)")
        self.run_button = QPushButton("Run", self)
        self.run_button.setToolTip("Run / pause: steps until the kernel is the target's (Space)")
        self.reset_button = QPushButton("Reset", self)
        self.reset_button.setToolTip("Back to the first kernel, the steps forgotten (Home)")
        self.status = QLabel(self)
        self.status.setObjectName("lk_status")
        self.status.setWordWrap(True)
        settings = FlowRow(self)
        for text, widget in (("Input", self.input_combo), ("Target", self.target_combo),
                             ("Start", self.start_combo), ("Seed", self.seed_spin), ("Kernel", self.typed_edit),
                             ("Rate", self.rate_spin), ("Stride", self.stride_spin),
                             ("Padding", self.padding_combo), ("Run shows", self.speed_combo)):
            settings.add(self._labelled(text, widget, settings))
        settings.add(self.show_target)
        self.show_target.setParent(settings)
        buttons = QHBoxLayout()
        for b in (self.back_button, self.step_button, self.run_button, self.reset_button):
            buttons.addWidget(b)
        buttons.addWidget(self.status, 1)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(settings, 0, 0)
        grid.addLayout(buttons, 1, 0)

    @staticmethod
    def _labelled(text: str, widget: QWidget, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel(text, box)
        label.setBuddy(widget)
        widget.setParent(box)
        row.addWidget(label)
        row.addWidget(widget)
        return box
