"""Learning a kernel, one step: a kernel learns a target map by gradient descent, every number shown.

The controls choose the input, the hidden target kernel, the first kernel, the rate, the stride and
the padding; the three sections (``learn_kernel_panels``) show the forward pass and its loss, the
gradient as the input correlated with dL/dy (cell by cell, multiply-add by multiply-add), and the
step w ← w − lr·g. Step (Right), Back (Left), Run / Pause (Space), Reset (Home); Shift+Right /
Shift+Left walk the gradient's cells; Ctrl+Z undoes an edit of the input or the typed kernel.
Every number comes from ``core.train.learn_kernel`` and ``core.conv.gradients``; a step on these
grids takes well under a millisecond, so the animation is a QTimer on the GUI thread.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QVBoxLayout, QWidget

from cnn_explorer.core.conv.gradients import DescentStep, kernel_gradient_step
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.kernels.library import parse_kernel_text
from cnn_explorer.core.lessons.demos import demo_info
from cnn_explorer.core.train import learn_kernel as lk
from cnn_explorer.ui.demos.keys import add_demo_action
from cnn_explorer.ui.demos.learn_kernel_controls import (
    SPEEDS,
    LearnKernelControls,
)
from cnn_explorer.ui.demos.learn_kernel_panels import (
    ForwardSection,
    GradientSection,
    UpdateSection,
)
from cnn_explorer.ui.widgets.choices import select_data
from cnn_explorer.ui.widgets.containers import FillColumn, scroll_area
from cnn_explorer.ui.widgets.inline_message import InlineMessage


class LearnKernelDemo(QWidget):
    """The learn-kernel demo: controls on top, the forward, gradient and step figures below them."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._learning: lk.KernelLearning | None = None
        self._image = np.array(lk.INPUTS["x"][1])
        self._typed: np.ndarray | None = None
        self._history: lk.LearningHistory | None = None
        self._cell = (0, 0)
        self._products: int | None = None
        self._undo: list[tuple[np.ndarray, np.ndarray | None]] = []
        self._redo: list[tuple[np.ndarray, np.ndarray | None]] = []
        self._scale = 1.0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.advance)
        self.controls = LearnKernelControls(self)
        for name in ("input_combo", "target_combo", "start_combo", "seed_spin", "typed_edit", "rate_spin",
                     "stride_spin", "padding_combo", "show_target", "speed_combo", "back_button", "step_button",
                     "run_button", "reset_button", "status"):
            setattr(self, name, getattr(self.controls, name))
        self.message = InlineMessage(self)
        for combo in (self.input_combo, self.target_combo, self.start_combo, self.padding_combo):
            combo.currentIndexChanged.connect(self._on_setting_changed)
        for spin in (self.seed_spin, self.stride_spin):
            spin.valueChanged.connect(self._on_setting_changed)
        self.rate_spin.valueChanged.connect(self._on_rate_changed)
        self.typed_edit.returnPressed.connect(self._on_typed_return_pressed)
        self.show_target.toggled.connect(self._refresh)
        self.speed_combo.currentIndexChanged.connect(self._on_speed_changed)
        self.back_button.clicked.connect(self.step_back)
        self.step_button.clicked.connect(self.step_forward)
        self.run_button.clicked.connect(self.toggle_run)
        self.reset_button.clicked.connect(self.reset)
        self.forward = ForwardSection(self)
        self.gradient = GradientSection(self)
        self.update_section = UpdateSection(self)
        self.forward.cell_clicked.connect(self.flip_input_cell)
        self.gradient.cell_clicked.connect(self.select_cell)
        self.update_section.cell_clicked.connect(self.select_cell)
        column = FillColumn(self)
        body = QVBoxLayout(column)
        body.setContentsMargins(0, 0, 6, 0)
        body.setSpacing(14)
        for w in (self.controls, self.message, self.forward, self.gradient, self.update_section):
            body.addWidget(w)
        body.addStretch(1)
        self.area = scroll_area(column, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.area)
        self._add_actions()
        self.set_params(demo_info("learn-kernel").defaults())

    def _add_actions(self) -> None:
        def make(key_id: str, slot, *standard) -> QAction:
            return add_demo_action(self, "learn-kernel", key_id, slot, *standard)

        self.actions_by_name = {
            "run": make("run", self.toggle_run),
            "step": make("step", self.step_forward),
            "back": make("back", self.step_back),
            "reset": make("reset", self.reset),
            "next cell": make("next cell", lambda: self.move_cell(1)),
            "previous cell": make("previous cell", lambda: self.move_cell(-1)),
            "undo": make("undo", self.undo, QKeySequence.StandardKey.Undo),
            "redo": make("redo", self.redo, QKeySequence.StandardKey.Redo),
        }

    # ------------------------------------------------------------------ the demo's API
    def set_params(self, params: Mapping[str, object]) -> None:
        """Show the demo with these parameters (every one of ``DemoInfo.params``), ``steps`` already taken."""
        self.stop()
        values = {**demo_info("learn-kernel").defaults(), **dict(params)}
        widgets = (self.input_combo, self.target_combo, self.start_combo, self.seed_spin, self.rate_spin,
                   self.stride_spin, self.padding_combo)
        for w in widgets:
            w.blockSignals(True)
        try:
            select_data(self.input_combo, values["input"])
            select_data(self.target_combo, values["target"])
            select_data(self.start_combo, values["start"])
            self.seed_spin.setValue(int(values["seed"]))
            self.rate_spin.setValue(float(values["lr"]))
            self.stride_spin.setValue(int(values["stride"]))
            select_data(self.padding_combo, str(values["padding"]))
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._image = np.array(lk.INPUTS[str(values["input"])][1])
        self._typed = None
        self._undo.clear()
        self._redo.clear()
        self._rebuild(steps=int(values["steps"]))

    def set_scale(self, factor: float) -> None:
        self._scale = float(factor)
        for section in (self.forward, self.gradient, self.update_section):
            section.set_scale(factor)

    def shutdown(self) -> None:
        self.stop()

    def params(self) -> dict[str, object]:
        return {"input": self.input_combo.currentData(), "target": self.target_combo.currentData(),
                "start": self.start_combo.currentData() if self.start_combo.currentData() != "typed" else "zeros",
                "seed": self.seed_spin.value(), "lr": self.rate_spin.value(),
                "steps": min(self.current_step(), lk.MAX_OPEN_STEPS),
                "stride": self.stride_spin.value(), "padding": self.padding_combo.currentData()}

    # ------------------------------------------------------------------ reading the state (tests, lessons)
    def current_step(self) -> int:
        return self._history.at if self._history is not None else 0

    def kernel(self) -> np.ndarray:
        return self._history.kernel if self._history is not None else np.zeros((0, 0))

    def image(self) -> np.ndarray:
        return self._image.copy()

    def losses(self) -> list[float]:
        return list(self._history.losses) if self._history is not None else []

    def record(self) -> DescentStep | None:
        return self._learning.step(self.kernel()) if self._learning is not None else None

    def gradient_cell(self) -> tuple[int, int]:
        return self._cell

    def is_running(self) -> bool:
        return self._timer.isActive()

    def message_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""

    # ------------------------------------------------------------------ actions
    def step_forward(self) -> None:
        """One step of gradient descent (or forward again through steps already taken)."""
        if self._history is not None and self._forward():
            self._products = None
            self._refresh()

    def step_back(self) -> None:
        if self._history is not None and self._history.back():
            self._products = None
            self._refresh()

    def reset(self) -> None:
        """Back to the first kernel; the steps taken are forgotten."""
        self.stop()
        if self._history is not None:
            self._history.reset()
        self._cell = (0, 0)
        self._products = None
        self._check_settings()
        self._refresh()

    def toggle_run(self) -> None:
        if self._timer.isActive():
            self.stop()
        elif self._learning is not None:
            self._timer.start(SPEEDS[self.speed_combo.currentData()][1])
            self.run_button.setText("Pause")
            if self.speed_combo.currentData() in ("product", "cell"):    # what moves is the gradient: bring it in
                self.area.ensureWidgetVisible(self.gradient.row, 0, 0)

    def stop(self) -> None:
        """Pause Run; the figures show the whole step again (every product, every gradient cell)."""
        was_animating = self._timer.isActive() or self._products is not None
        self._timer.stop()
        self.run_button.setText("Run")
        self._products = None
        if was_animating:
            self._refresh()

    def select_cell(self, a: int, b: int) -> None:
        """Show gradient cell (a, b) with all its products."""
        kernel = self.kernel()
        if 0 <= a < kernel.shape[0] and 0 <= b < kernel.shape[1]:
            self._cell = (int(a), int(b))
            self._products = None
            self._refresh()

    def move_cell(self, delta: int) -> None:
        kernel = self.kernel()
        if kernel.size:
            n = (self._cell[0] * kernel.shape[1] + self._cell[1] + delta) % kernel.size
            self.select_cell(*divmod(n, kernel.shape[1]))

    def flip_input_cell(self, r: int, c: int) -> None:
        """+1 ↔ −1 on a ±1 input, v ↔ 1 − v on a 0..1 one; the learning starts again (Ctrl+Z undoes it)."""
        image = self._image.copy()
        image[r, c] = -image[r, c] if image.min() < 0 else 1.0 - image[r, c]
        self._edit(image, self._typed)

    def set_input(self, image) -> None:
        """Learn on ``image`` (2-D numbers) instead of the chosen input; an edit, so Ctrl+Z undoes it."""
        image = np.array(image, dtype=np.float64)
        if image.ndim != 2 or not image.size or not np.isfinite(image).all():
            self.message.show_error("The input must be a grid of finite numbers; the input shown is kept.")
            return
        self._edit(image, self._typed)

    def undo(self) -> None:
        if self._undo:
            self._redo.append((self._image, self._typed))
            self._restore(*self._undo.pop())

    def redo(self) -> None:
        if self._redo:
            self._undo.append((self._image, self._typed))
            self._restore(*self._redo.pop())

    # ------------------------------------------------------------------ internals
    def _edit(self, image: np.ndarray, typed: np.ndarray | None) -> None:
        self._undo.append((self._image, self._typed))
        self._redo.clear()
        self._restore(image, typed)

    def _restore(self, image: np.ndarray, typed: np.ndarray | None) -> None:
        self.stop()
        self._image, self._typed = image, typed
        with_typed = typed is not None
        with QSignalBlocker(self.start_combo):
            select_data(self.start_combo, "typed" if with_typed else self.start_combo.currentData())
        self._rebuild()

    def _rebuild(self, steps: int = 0) -> None:
        """A new learning from the controls, the edited input and the typed kernel; ``steps`` taken at once."""
        self.stop()
        params = self.params()
        start = None
        if self.start_combo.currentData() == "typed":
            start = self._typed if self._typed is not None else np.zeros(lk.TARGETS[params["target"]][1].shape)
        self.seed_spin.setEnabled(self.start_combo.currentData() == "random")
        self.typed_edit.setEnabled(self.start_combo.currentData() == "typed")
        try:
            self._learning = lk.learning_from_params(params, start=start, image=self._image)
        except CnnExplorerError as exc:
            self._learning = None
            self._history = None
            self.message.show_error(f"These settings give no map: {exc}. Choose a smaller stride or more padding.")
            self._set_enabled(False)
            return
        self._set_enabled(True)
        self._history = lk.LearningHistory(self._learning)
        kh, kw = self._learning.target_kernel.shape
        self._cell = (min(self._cell[0], kh - 1), min(self._cell[1], kw - 1))
        self._products = None
        for _ in range(steps):
            if not self._forward():
                break
        self._check_settings()
        self._refresh()

    def _set_enabled(self, enabled: bool) -> None:
        for w in (self.back_button, self.step_button, self.run_button, self.reset_button,
                  self.forward, self.gradient, self.update_section):
            w.setEnabled(enabled)
        for w in (self.forward, self.gradient, self.update_section):
            w.setVisible(enabled)
        self.status.setText("" if enabled else "No map with these settings.")

    def _check_settings(self) -> None:
        """An info line when the rate is too big or the map cannot pin the kernel down."""
        learning = self._learning
        if learning is None:
            return
        advice = learning.advice()
        if advice:
            self.message.show_info(advice)
        else:
            self.message.clear_message()

    def _forward(self) -> bool:
        """One step on through the history; False (and a message) when the loss exploded or it is the last."""
        why = self._history.forward()
        if why == "limit":
            self.stop()
            self.message.show_info(f"{lk.MAX_STEPS:,} steps: the demo stops here.")
        elif why == "diverged":
            self.stop()
            learning = self._history.learning
            self.message.show_error(f"The loss exploded after {self._history.at:,} steps: the rate "
                                    f"{format_number(learning.rate)} is too big (it falls only below "
                                    f"{format_number(learning.stable_rate())}). Lower the rate and Reset.")
        return not why

    def advance(self) -> None:
        """One frame of Run at the chosen speed: one multiply-add, one gradient cell, one step or ten steps."""
        if self._history is None:
            return
        speed = self.speed_combo.currentData()
        kernel = self.kernel()
        if speed in ("product", "cell"):
            cells = kernel.size
            index = self._cell[0] * kernel.shape[1] + self._cell[1]
            if speed == "product":
                total = self.record().grad_output.size
                done = 0 if self._products is None else self._products
                if done < total:
                    self._products = done + 1
                    self._refresh()
                    return
            if index + 1 < cells:
                self._cell = divmod(index + 1, kernel.shape[1])
                self._products = 0 if speed == "product" else None
                self._refresh()
                return
            self._cell = (0, 0)
            self._take_step(1, products=0 if speed == "product" else None)
            return
        self._take_step(10 if speed == "fast" else 1)

    def _take_step(self, count: int, products: int | None = None) -> None:
        for _ in range(count):
            if self._learning.converged(self.kernel()):
                break
            if not self._forward():
                break
        self._products = products
        if self._learning.converged(self.kernel()):
            self._timer.stop()
            self.run_button.setText("Run")
            self._products = None
            self.status_message.emit(f"The kernel is the target's (to 2 decimals) after {self._history.at:,} steps")
        self._refresh()

    def _on_setting_changed(self) -> None:
        if self.sender() is self.input_combo:
            self._image = np.array(lk.INPUTS[self.input_combo.currentData()][1])
            self._undo.clear()
            self._redo.clear()
        self._rebuild()

    def _on_rate_changed(self) -> None:
        """A new rate keeps the kernel shown and forgets the steps after it (they were taken at the old rate)."""
        if self._learning is None:
            self._rebuild()
            return
        running = self._timer.isActive()
        try:
            self._history = self._history.with_rate(self.rate_spin.value())
        except CnnExplorerError as exc:
            self.message.show_error(str(exc))
            return
        self._learning = self._history.learning
        self._check_settings()
        self._refresh()
        if running:
            self._timer.start()

    def _on_typed_return_pressed(self) -> None:
        target_shape = lk.TARGETS[self.target_combo.currentData()][1].shape
        try:
            kernel = parse_kernel_text(self.typed_edit.text())
        except (CnnExplorerError, ValueError) as exc:
            self.message.show_error(f"The typed kernel is not read: {exc}. Write rows of numbers separated by /, "
                                    "as 1 -1 -1 / -1 1 -1 / -1 -1 1. Your last kernel is kept.")
            return
        if kernel.shape != target_shape:
            self.message.show_error(f"The typed kernel is {kernel.shape[0]}×{kernel.shape[1]}; the target's is "
                                    f"{target_shape[0]}×{target_shape[1]}. Your last kernel is kept.")
            return
        self._edit(self._image, np.array(kernel, dtype=np.float64))

    def _on_speed_changed(self) -> None:
        if self._timer.isActive():
            self._timer.start(SPEEDS[self.speed_combo.currentData()][1])
        else:
            self._products = None

    def _refresh(self) -> None:
        learning = self._learning
        if learning is None:
            return
        record = learning.step(self.kernel())
        first = learning.step(self._history.kernels[0])
        a, b = self._cell
        cell = kernel_gradient_step(learning.image, record.kernel, record.grad_output, learning.settings, a, b)
        self.forward.show_record(learning.image, record, learning.target_kernel, self._cell, self._history.at)
        cell_by_cell = self._products is not None or (self._timer.isActive() and
                                                       self.speed_combo.currentData() == "cell")
        self.gradient.show_cell(learning.image, record, cell, self._cell, self._products,
                                learning.settings.padding_mode, cell_by_cell, first)
        self.update_section.show_record(record, learning.target_kernel, self._cell, self._history.losses, self._history.at,
                                        learning.loss(record.new_kernel), self.show_target.isChecked(), first)
        self.back_button.setEnabled(self._history.at > 0)
        done = " — the target's kernel (to 2 decimals)" if learning.converged(record.kernel) else ""
        self.status.setText(f"Step {self._history.at:,} · loss {format_number(record.loss)}{done}")
