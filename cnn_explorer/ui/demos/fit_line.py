"""Fitting 10 = 3a + b (deck 003): the class guesses a and b, two equations pin the line down, and gradient
descent finds a and b step by step (Step →, Run/Pause Space, Reset Home). The maths is core/train/line_fit.py."""

from __future__ import annotations

import math
from typing import Mapping

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.format import format_number
from cnn_explorer.core.lessons.demos import demo_info
from cnn_explorer.core.train.line_fit import (
    SLIDE_POINTS,
    SLIDE_TARGET,
    SLIDE_TRIALS,
    SLIDE_X,
    DescentStep,
    descent_step,
    divergence_message,
    mse,
    solve_two_points,
    trial,
)
from cnn_explorer.ui.demos.fit_line_plots import LinePlot, LossPlot
from cnn_explorer.ui.demos.keys import add_demo_action
from cnn_explorer.ui.widgets.containers import headed_box, scroll_area
from cnn_explorer.ui.widgets.inline_message import InlineMessage

_COLUMNS = ("Trial", "a", "b", "3a + b", "Error")
#: the history keeps at most this many guesses (the oldest go)
MAX_TRIALS = 40
#: Run's timer (ms) and when it stops: the gradient this small, or this many steps
TICK_MS = 40
CONVERGED_GRADIENT = 1e-9
MAX_RUN_STEPS = 20_000


def _n(value: float) -> str:
    return format_number(value, "operand")


def _steps_per_tick(step: int) -> int:
    """Run shows the first steps one by one, then speeds up (the slide's points converge slowly along one
    direction: a few hundred steps at lr 0.05)."""
    return 1 if step < 30 else 5 if step < 200 else 25


def _big(label: QLabel, factor: float = 1.3) -> QLabel:
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(True)
    label.setFont(font)
    return label


def _formula(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("formula")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _spin(parent: QWidget, name: str, low: float, high: float, step: float, decimals: int, tip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setDecimals(decimals)
    spin.setToolTip(tip)
    return spin


class FitLineDemo(QWidget):
    """Guesses and their errors, the two equations solved, and gradient descent with its arithmetic."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._info = demo_info("fit-line")
        self._start = (0.0, 0.0)
        self._a, self._b, self._step = 0.0, 0.0, 0
        self._last: DescentStep | None = None
        self._diverged = False
        self._params: dict[str, object] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        content = QWidget(self)
        column = QVBoxLayout(content)
        column.addWidget(self._guess_box(content))
        column.addWidget(self._descent_box(content))
        column.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll_area(content, self))
        for key_id, slot in (("run", self.toggle_run), ("step", self.step), ("reset", self.reset)):
            add_demo_action(self, "fit-line", key_id, slot)
        self.set_params(self._info.defaults())

    # ------------------------------------------------------------------ building
    def _guess_box(self, parent: QWidget) -> QWidget:
        box = headed_box(f"1. Guess a and b so that {_n(SLIDE_TARGET)} = {_n(SLIDE_X)}a + b", parent)
        self.a_spin = _spin(box, "fit_a", -100, 100, 1, 2, "Your guess for a")
        self.b_spin = _spin(box, "fit_b", -100, 100, 1, 2, "Your guess for b")
        for spin in (self.a_spin, self.b_spin):
            spin.valueChanged.connect(self._show_guess)
        self.try_button = QPushButton("Add to the table", box)
        self.try_button.setToolTip("Write this guess into the table of trials")
        self.try_button.clicked.connect(self.add_trial)
        self.slide_button = QPushButton("The slide's six trials", box)
        self.slide_button.setToolTip("Put back the slide's table: 1, 1 … 2, 4")
        self.slide_button.clicked.connect(self.slide_trials)
        row = QHBoxLayout()
        for text, w in (("a =", self.a_spin), ("b =", self.b_spin)):
            row.addWidget(QLabel(text, box))
            row.addWidget(w)
        row.addWidget(self.try_button)
        row.addWidget(self.slide_button)
        row.addStretch(1)
        box.layout().addLayout(row)
        self.guess_label = _big(QLabel(box))
        self.guess_label.setObjectName("fit_guess")
        self.guess_label.setWordWrap(True)
        box.layout().addWidget(self.guess_label)
        self.table = QTableWidget(0, len(_COLUMNS), box)
        self.table.setObjectName("fit_trials")
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Each guess, what it predicts and its error (10 − prediction)")
        solution = solve_two_points()
        self.solution_label = _formula(box)
        self.solution_label.setObjectName("fit_solution")
        self.solution_label.setText("2. Two known points fix the line (the slide):\n" + "\n".join(solution.lines))
        self.line_plot = LinePlot(SLIDE_POINTS, box)
        self.line_plot.set_solved(solution.a, solution.b)
        grid = QGridLayout()
        grid.addWidget(self.table, 0, 0)
        grid.addWidget(self.solution_label, 1, 0)
        grid.addWidget(self.line_plot, 0, 1, 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        box.layout().addLayout(grid)
        return box

    def _descent_box(self, parent: QWidget) -> QWidget:
        box = headed_box("3. Gradient descent on the mean squared error of the two points", parent)
        self.lr_spin = _spin(box, "fit_lr", 0.0001, 1, 0.01, 4, "The learning rate: how far each step goes")
        self.lr_spin.valueChanged.connect(self._on_lr_changed)
        self.step_button = QPushButton("Step →", box)
        self.step_button.setToolTip("One step of gradient descent (Right arrow)")
        self.step_button.clicked.connect(self.step)
        self.run_button = QPushButton("Run", box)
        self.run_button.setToolTip("Step on until a and b settle (Space: run or pause)")
        self.run_button.clicked.connect(self.toggle_run)
        self.reset_button = QPushButton("Reset", box)
        self.reset_button.setToolTip("Back to the start, a = b = 0 (Home)")
        self.reset_button.clicked.connect(self.reset)
        row = QHBoxLayout()
        row.addWidget(QLabel("Learning rate", box))
        row.addWidget(self.lr_spin)
        for b in (self.step_button, self.run_button, self.reset_button):
            row.addWidget(b)
        row.addStretch(1)
        box.layout().addLayout(row)
        self.message = InlineMessage(box)
        box.layout().addWidget(self.message)
        self.state_label = _big(QLabel(box))
        self.state_label.setObjectName("fit_state")
        self.state_label.setWordWrap(True)
        self.arithmetic = _formula(box)
        self.arithmetic.setObjectName("fit_arithmetic")
        self.loss_plot = LossPlot(box)
        left = QVBoxLayout()
        left.addWidget(self.state_label)
        left.addWidget(self.arithmetic)
        left.addStretch(1)
        row2 = QHBoxLayout()
        row2.addLayout(left, 1)
        row2.addWidget(self.loss_plot, 1)
        box.layout().addLayout(row2)
        return box

    # ------------------------------------------------------------------ API
    def set_params(self, params: Mapping[str, object]) -> None:
        """Show the demo with these parameters; the same ones again (the Demos list, a lesson step revisited)
        keep the class's guesses and the descent where they are."""
        values = {**self._info.defaults(), **params}
        if values == self._params:
            return
        self._params = values
        for spin, key in ((self.a_spin, "a"), (self.b_spin, "b"), (self.lr_spin, "lr")):
            with QSignalBlocker(spin):
                spin.setValue(float(values[key]))
        self._start = (float(values["start-a"]), float(values["start-b"]))
        self.reset_button.setToolTip(f"Back to the start, a = {_n(self._start[0])}, b = {_n(self._start[1])} (Home)")
        self.slide_trials()
        self._show_guess()
        self.reset()

    def params(self) -> dict[str, object]:
        """What ``set_params`` takes to show this view again: the guesses and rate as shown, the descent's start."""
        base = self._params or self._info.defaults()
        return {"a": self.a_spin.value(), "b": self.b_spin.value(), "lr": self.lr_spin.value(),
                "steps": base["steps"], "start-a": self._start[0], "start-b": self._start[1]}

    def set_scale(self, factor: float) -> None:
        self.line_plot.set_scale(factor)
        self.loss_plot.set_scale(factor)
        self._fit_table()

    def shutdown(self) -> None:
        self.timer.stop()

    def state(self) -> tuple[int, float, float, float]:
        """(step, a, b, loss) of the descent now."""
        return self._step, self._a, self._b, mse(self._a, self._b) if not self._diverged else math.inf

    def is_running(self) -> bool:
        return self.timer.isActive()

    def trials(self) -> list[tuple[str, ...]]:
        """The table's rows as shown."""
        return [tuple(self.table.item(r, c).text() for c in range(self.table.columnCount()))
                for r in range(self.table.rowCount())]

    # ------------------------------------------------------------------ guesses
    def _show_guess(self) -> None:
        t = trial(self.a_spin.value(), self.b_spin.value())
        verdict = "right!" if t.error == 0 else "too small" if t.error > 0 else "too large"
        self.guess_label.setText(f"{_n(SLIDE_X)}·{_n(t.a)} + {_n(t.b)} = {_n(t.prediction)}; "
                                 f"error {_n(SLIDE_TARGET)} − {_n(t.prediction)} = {_n(t.error)} ({verdict})")

    def add_trial(self) -> None:
        if self.table.rowCount() >= MAX_TRIALS:
            self.table.removeRow(0)
        self._append(self.a_spin.value(), self.b_spin.value())
        self._renumber()
        self._fit_table()
        self.table.scrollToBottom()

    def slide_trials(self) -> None:
        self.table.setRowCount(0)
        for a, b in SLIDE_TRIALS:
            self._append(a, b)
        self._renumber()
        self._fit_table()

    def _append(self, a: float, b: float) -> None:
        t = trial(a, b)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, text in enumerate(("", _n(t.a), _n(t.b), _n(t.prediction), _n(t.error))):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(row, col, item)

    def _renumber(self) -> None:
        for r in range(self.table.rowCount()):
            self.table.item(r, 0).setText(str(r + 1))

    def _fit_table(self) -> None:
        self.table.resizeRowsToContents()
        shown = min(self.table.rowCount(), 8)
        rows = sum(self.table.rowHeight(r) for r in range(shown)) if shown else self.table.fontMetrics().height()
        self.table.setFixedHeight(self.table.horizontalHeader().height() + rows + 2 * self.table.frameWidth() + 2)

    # ------------------------------------------------------------------ gradient descent
    def reset(self) -> None:
        self.pause()
        self._a, self._b = self._start
        self._step = 0
        self._last = None
        self._diverged = False
        self.message.clear_message()
        self.loss_plot.clear()
        self.loss_plot.add(0, mse(self._a, self._b))
        self.loss_plot.redraw()
        self._show_state()

    def step(self, count: int = 1) -> None:
        """``count`` steps of gradient descent (stops at divergence)."""
        if self._diverged:
            return
        lr = self.lr_spin.value()
        for _ in range(max(1, int(count))):
            s = descent_step(self._a, self._b, lr, SLIDE_POINTS, self._step + 1)
            self._last = s
            self._a, self._b, self._step = s.new_a, s.new_b, s.step
            new_loss = mse(self._a, self._b) if math.isfinite(self._a) and math.isfinite(self._b) else math.inf
            if not math.isfinite(new_loss) or new_loss > 1e12:
                self._diverged = True
                self.pause()
                self.message.show_error(f"Diverged at step {self._step}: {divergence_message(lr)}. Lower it and "
                                        "press Reset.")
                break
            self.loss_plot.add(self._step, new_loss)
        self.loss_plot.redraw()
        self._show_state()

    def toggle_run(self) -> None:
        if self.timer.isActive():
            self.pause()
        elif not self._diverged:
            self.message.clear_message()
            self.timer.start()
            self.run_button.setText("Pause")

    def pause(self) -> None:
        self.timer.stop()
        self.run_button.setText("Run")

    def _on_timer_timeout(self) -> None:
        self.step(_steps_per_tick(self._step))
        last = self._last
        if self._diverged or last is None:
            return
        if math.hypot(last.grad_a, last.grad_b) < CONVERGED_GRADIENT:
            self.pause()
            self.message.show_info(f"Settled after {self._step:,} steps at a = {_n(self._a)}, b = {_n(self._b)}: "
                                   "the line through both points, as the two equations said.")
        elif self._step >= MAX_RUN_STEPS:
            self.pause()
            self.message.show_info(f"Paused after {self._step:,} steps: a larger learning rate goes faster.")

    def _on_lr_changed(self) -> None:
        if self._diverged:
            self.message.show_info("New learning rate: press Reset to start again from the beginning.")

    def _show_state(self) -> None:
        loss = mse(self._a, self._b) if not self._diverged else math.inf
        self.state_label.setText(f"Step {self._step:,}: a = {_n(self._a)}, b = {_n(self._b)}, loss = {_n(loss)}")
        self.line_plot.set_current(self._a, self._b)
        if self._last is None:
            self.arithmetic.setText("Press Step → to take the first step:\nloss = 1/n Σ (a·x + b − y)²\n"
                                    "∂L/∂a = 2/n Σ (a·x + b − y)·x\n∂L/∂b = 2/n Σ (a·x + b − y)\n"
                                    "a ← a − lr·∂L/∂a,  b ← b − lr·∂L/∂b")
        else:
            self.arithmetic.setText(f"Step {self._last.step}:\n" + "\n".join(self._last.lines()))
