"""The 1-D convolution demo (deck 004): edit a row and one or two filters, set stride and padding, and watch
the window move along the row: the products and the sum of each step, the output row filling in, and which
input a filter answers most. The maths is ``core.conv.conv1d`` (the 2-D engine on a one-row grid)."""

from __future__ import annotations

from typing import Mapping

from PySide6.QtCore import QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.conv import conv1d as core
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.ui.demos.conv1d_view import Conv1dView
from cnn_explorer.ui.demos.keys import add_demo_action
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.theme import ERROR_BG, ERROR_FG, INFO_BG, INFO_FG

#: the speeds of play: name -> milliseconds a step
SPEEDS = {"Slow": 1400, "Normal": 800, "Fast": 350}


def _numbers_text(values) -> str:
    """(1.0, -1.0) -> "1 -1" (ASCII, read back by ``core.conv.conv1d.parse_numbers``)."""
    return " ".join(format_number(float(v), "plain") for v in values)


def _pair(values) -> str:
    return "(" + ", ".join(format_number(float(v)) for v in values) + ")"


def _box(label: QLabel, background, foreground) -> None:
    label.setStyleSheet(f"QLabel {{ background: {background.name()}; color: {foreground.name()}; "
                        "border-radius: 4px; padding: 4px 6px; }")


class Conv1dDemo(QWidget):
    """Row, filters, stride and padding above; the sliding picture, each step's sum and the best input below."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._conv: core.Conv1d | None = None
        self._position = 0
        self._timer = QTimer(self)
        self._timer.setInterval(SPEEDS["Normal"])
        self._timer.timeout.connect(self._on_timer_timeout)

        self.row_edit = self._line_edit("conv1d_row", "The row of numbers, separated by spaces or commas "
                                        f"(1 to {core.MAX_ROW}); Ctrl+Z undoes an edit")
        self.filter_edit = self._line_edit("conv1d_filter", f"The filter's weights (1 to {core.MAX_FILTER} numbers), "
                                           "as 1 -1")
        self.second_check = QCheckBox("Filter &2", self)
        self.second_check.setObjectName("conv1d_second")
        self.second_check.setToolTip("A second filter of the same size: two filters give two output rows")
        self.second_edit = self._line_edit("conv1d_filter2", "The second filter's weights, as many as the first")
        self.stride_spin = self._spin("conv1d_stride", 1, core.MAX_STRIDE, "How far the window moves each step")
        self.padding_spin = self._spin("conv1d_padding", 0, core.MAX_PADDING,
                                       "Zeros added at each end of the row (shown in italics): padding 1 adds one zero "
                                       "before the row and one after it")
        self.reset_button = QPushButton("Slide's &example", self)
        self.reset_button.setToolTip("Back to the slide's row 0 1 1 0 1 0 and filter (1, −1), stride 2")
        self.reset_button.clicked.connect(self.reset_example)
        self.second_check.toggled.connect(self._on_second_check_toggled)
        form = QGridLayout()
        form.addWidget(self._buddy("&Row", self.row_edit), 0, 0)
        form.addWidget(self.row_edit, 0, 1, 1, 6)
        form.addWidget(self.reset_button, 0, 7)
        form.addWidget(self._buddy("&Filter 1", self.filter_edit), 1, 0)
        form.addWidget(self.filter_edit, 1, 1)
        form.addWidget(self.second_check, 1, 2)
        form.addWidget(self.second_edit, 1, 3)
        form.addWidget(self._buddy("&Stride", self.stride_spin), 1, 4)
        form.addWidget(self.stride_spin, 1, 5)
        form.addWidget(self._buddy("&Padding", self.padding_spin), 1, 6)
        form.addWidget(self.padding_spin, 1, 7)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)

        self.message = QLabel(self)
        self.message.setObjectName("conv1d_message")
        self.message.setWordWrap(True)
        _box(self.message, ERROR_BG, ERROR_FG)
        self.message.hide()
        self.size_label = QLabel(self)
        self.size_label.setObjectName("conv1d_size")
        self.size_label.setWordWrap(True)

        # the stage: the picture and its playback keys (Space, arrows) — not the editors, which keep them for typing
        self.stage = QWidget(self)
        self.view = Conv1dView(self.stage)
        self.view.output_clicked.connect(self._on_view_output_clicked)
        install_figure_export(self.view, self._figure_title, values=self._figure_values, vector=True)
        icons = self.style().StandardPixmap
        # icons for the four moves (their names in the tooltips and for screen readers), words for Play
        self.first_button = self._play_button("First step (Home)", self.home, icons.SP_MediaSkipBackward)
        self.back_button = self._play_button("Step back (Left)", self.step_back, icons.SP_MediaSeekBackward)
        self.play_button = self._play_button("Play / pause (Space)", self.toggle_playing, icons.SP_MediaPlay, "Play")
        self.next_button = self._play_button("Step forward (Right)", self.step_forward, icons.SP_MediaSeekForward)
        self.last_button = self._play_button("Last step (End)", self.end, icons.SP_MediaSkipForward)
        self.speed_combo = QComboBox(self.stage)
        self.speed_combo.setObjectName("conv1d_speed")
        self.speed_combo.addItems(list(SPEEDS))
        self.speed_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.speed_combo.setMinimumContentsLength(8)          # its width follows the presenter scale
        self.speed_combo.setCurrentText("Normal")
        self.speed_combo.setToolTip("How fast Play moves the window")
        self.speed_combo.currentTextChanged.connect(lambda name: self._timer.setInterval(SPEEDS[name]))
        self.step_label = QLabel(self)
        self.step_label.setObjectName("conv1d_step")
        bar = QHBoxLayout()
        for b in (self.first_button, self.back_button, self.play_button, self.next_button, self.last_button):
            bar.addWidget(b)
        bar.addWidget(self.speed_combo)
        bar.addStretch(1)
        stage_layout = QVBoxLayout(self.stage)
        stage_layout.setContentsMargins(0, 0, 0, 0)
        stage_layout.addLayout(bar)
        stage_layout.addWidget(self.view, 1)
        self._keys = self._stage_actions()

        self.arith_label = QLabel(self)
        self.arith_label.setObjectName("conv1d_arith")
        self.arith_label.setWordWrap(True)
        self.arith_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.best_label = QLabel(self)
        self.best_label.setObjectName("conv1d_best")
        self.best_label.setWordWrap(True)
        _box(self.best_label, INFO_BG, INFO_FG)

        inner = QWidget(self)
        inner.setObjectName("conv1d_inner")
        layout = QVBoxLayout(inner)
        layout.addLayout(form)
        layout.addWidget(self.message)
        # the texts scroll by themselves: the picture, not the words, decides how tall the demo is
        side_widget = QWidget(self)
        side = QVBoxLayout(side_widget)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.step_label)
        side.addWidget(self.size_label)
        side.addWidget(self.arith_label)
        side.addWidget(self.best_label)
        side.addStretch(1)
        side_scroll = QScrollArea(self)
        side_scroll.setObjectName("conv1d_texts")
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setWidget(side_widget)
        body = QHBoxLayout()
        body.addWidget(self.stage, 3)
        body.addWidget(side_scroll, 2)
        layout.addLayout(body, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        for edit in (self.row_edit, self.filter_edit, self.second_edit):
            edit.textChanged.connect(self._rebuild)
        for spin in (self.stride_spin, self.padding_spin):
            spin.valueChanged.connect(self._rebuild)
        self.set_params({p: v for p, v in (("row", core.DEFAULT_ROW), ("filter", core.DEFAULT_FILTER),
                                           ("filter2", ()), ("stride", 2), ("padding", 0))})

    # ------------------------------------------------------------------ building
    def _line_edit(self, name: str, tip: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setToolTip(tip)
        edit.setClearButtonEnabled(True)
        return edit

    def _spin(self, name: str, low: int, high: int, tip: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setToolTip(tip)
        return spin

    def _buddy(self, text: str, widget: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(widget)
        return label

    def _play_button(self, tip: str, slot, icon, text: str = "") -> QPushButton:
        button = QPushButton(text, self)
        button.setIcon(self.style().standardIcon(icon))
        button.setAccessibleName(tip.split(" (")[0])
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.clicked.connect(slot)
        return button

    def _stage_actions(self) -> tuple[QAction, ...]:
        return tuple(add_demo_action(self, "conv-1d", key_id, slot, owner=self.stage)
                     for key_id, slot in (("play", self.toggle_playing), ("forward", self.step_forward),
                                          ("back", self.step_back), ("first", self.home), ("last", self.end)))

    # ------------------------------------------------------------------ demo API
    def set_params(self, params: Mapping[str, object]) -> None:
        """Show the demo with these parameters (row, filter, filter2, stride, padding), every output filled in."""
        self.stop()
        second = tuple(params.get("filter2") or ())
        blockers = [QSignalBlocker(w) for w in (self.row_edit, self.filter_edit, self.second_edit,
                                                self.second_check, self.stride_spin, self.padding_spin)]
        self.row_edit.setText(_numbers_text(params.get("row", core.DEFAULT_ROW)))
        self.filter_edit.setText(_numbers_text(params.get("filter", core.DEFAULT_FILTER)))
        self.second_check.setChecked(bool(second))
        self.second_edit.setText(_numbers_text(second or core.DEFAULT_SECOND_FILTER))
        self.second_edit.setEnabled(bool(second))
        self.stride_spin.setValue(int(params.get("stride", 1)))
        self.padding_spin.setValue(int(params.get("padding", 0)))
        del blockers
        self._rebuild()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def params(self) -> dict[str, object]:
        """What ``set_params`` takes to show this view again (the last valid settings while an edit is not valid)."""
        conv = self._conv
        if conv is None:
            return {"row": core.DEFAULT_ROW, "filter": core.DEFAULT_FILTER, "filter2": (), "stride": 2, "padding": 0}
        filters = [tuple(float(v) for v in f.tolist()) for f in conv.filters]
        return {"row": tuple(float(v) for v in conv.row.tolist()), "filter": filters[0],
                "filter2": filters[1] if len(filters) > 1 else (), "stride": int(conv.stride),
                "padding": int(conv.padding)}

    def set_scale(self, factor: float) -> None:
        self.view.set_scale(factor)
        side = int(round(16 * factor))             # the buttons' icons grow with their words
        for button in (self.first_button, self.back_button, self.play_button, self.next_button, self.last_button):
            button.setIconSize(QSize(side, side))

    def shutdown(self) -> None:
        self.stop()

    def reset_example(self) -> None:
        """Back to the slide's example (one filter (1, −1), stride 2, no padding)."""
        self.set_params({"row": core.DEFAULT_ROW, "filter": core.DEFAULT_FILTER, "filter2": (), "stride": 2,
                         "padding": 0})
        self.status_message.emit("The slide's example: the row 0 1 1 0 1 0 and the filter (1, −1), stride 2")

    # ------------------------------------------------------------------ what it shows (for tests and lessons)
    def conv(self) -> core.Conv1d | None:
        """The convolution shown (the last valid settings while an edit is not valid)."""
        return self._conv

    def position(self) -> int:
        """How many output cells are filled in (0 .. the output length)."""
        return self._position

    def error_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""

    def is_playing(self) -> bool:
        return self._timer.isActive()

    # ------------------------------------------------------------------ playback
    def step_forward(self) -> None:
        if self._conv is not None and self._position < self._conv.length:
            self._show_position(self._position + 1)

    def step_back(self) -> None:
        self.stop()
        if self._position > 0:
            self._show_position(self._position - 1)

    def home(self) -> None:
        self.stop()
        self._show_position(0)

    def end(self) -> None:
        self.stop()
        if self._conv is not None:
            self._show_position(self._conv.length)

    def toggle_playing(self) -> None:
        if self._timer.isActive():
            self.stop()
            return
        if self._conv is None:
            return
        if self._position >= self._conv.length:
            self._show_position(0)            # at the end: play from the start
        self._timer.start()
        self.play_button.setText("Pause")
        self.play_button.setIcon(self.style().standardIcon(self.style().StandardPixmap.SP_MediaPause))

    def stop(self) -> None:
        self._timer.stop()
        self.play_button.setText("Play")
        self.play_button.setIcon(self.style().standardIcon(self.style().StandardPixmap.SP_MediaPlay))

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.stop()                           # nothing plays where no one looks
        super().hideEvent(event)

    def _on_view_output_clicked(self, j: int) -> None:
        self.stop()
        self._show_position(j + 1)

    def _on_timer_timeout(self) -> None:
        if self._conv is None or self._position >= self._conv.length:
            self.stop()
            return
        self._show_position(self._position + 1)
        if self._position >= self._conv.length:
            self.stop()

    # ------------------------------------------------------------------ updating
    def _on_second_check_toggled(self, on: bool) -> None:
        self.second_edit.setEnabled(on)
        self._rebuild()

    def _read(self) -> core.Conv1d:
        row = core.parse_numbers(self.row_edit.text(), "row", 1, core.MAX_ROW)
        filters = [core.parse_numbers(self.filter_edit.text(), "filter 1", 1, core.MAX_FILTER)]
        if self.second_check.isChecked():
            filters.append(core.parse_numbers(self.second_edit.text(), "filter 2", 1, core.MAX_FILTER))
        return core.conv1d(row, filters, self.stride_spin.value(), self.padding_spin.value())

    def _rebuild(self) -> None:
        try:
            conv = self._read()
        except CnnExplorerError as exc:
            self.stop()
            shown = "the last valid row and filters are still shown" if self._conv is not None else "nothing to show"
            self.message.setText(f"{exc}. ({shown[0].upper()}{shown[1:]}.)")
            self.message.show()
            return
        self.message.hide()
        self.message.clear()
        self._conv = conv
        self.size_label.setText(f"Output length {conv.size_formula()}")
        self.size_label.setToolTip(f"⌊(n + 2p − f)/s⌋ + 1 with n = {conv.row.size} numbers, p = {conv.padding} "
                                   f"zeros at each end, f = {conv.size} weights, s = {conv.stride}")
        self._show_position(conv.length)
        self._update_best()

    def _show_position(self, position: int) -> None:
        c = self._conv
        if c is None:
            return
        self._position = max(0, min(int(position), c.length))
        self.view.set_state(c, self._position)
        self.step_label.setText(f"Step {self._position} of {c.length}")
        for button, enabled in ((self.first_button, self._position > 0), (self.back_button, self._position > 0),
                                (self.next_button, self._position < c.length),
                                (self.last_button, self._position < c.length)):
            button.setEnabled(enabled)
        if self._position == 0:
            self.arith_label.setText("The window starts at the left end of the row. Press Next (Right) or Play "
                                     "(Space) to multiply and add.")
            return
        j = self._position - 1
        lines = []
        for k in range(len(c.filters)):
            step = c.step(j, k)
            name = f"Filter {k + 1}" if len(c.filters) > 1 else "The filter"
            lines.append(f"{name}, output cell {j} (row cells {self._cells(step)}): {step.arithmetic()}")
        self.arith_label.setText("\n".join(lines))

    def _cells(self, step: core.Conv1dStep) -> str:
        index = [int(p) - self._conv.padding for p in step.positions]
        text = ", ".join(str(i).replace("-", "−") for i in index)
        return text

    def _update_best(self) -> None:
        c = self._conv
        parts = []
        for k in range(len(c.filters)):
            best = c.best_input(k)
            cell = c.best_cell(k)
            window = c.step(cell, k).window
            name = f"Filter {k + 1} " if len(c.filters) > 1 else ""
            parts.append(f"{name}{_pair(c.filters[k])} answers most to {best.pair_text()}. {best.why()} "
                         f"Largest in this row: {format_number(float(c.outputs[k, cell]), 'cell')} at output cell "
                         f"{cell}, reading {_pair(window)}.")
        self.best_label.setText("\n".join(parts))

    def _figure_title(self) -> str:
        c = self._conv
        if c is None:
            return "1-D convolution"
        return f"1-D convolution, filter {' and '.join(_pair(f) for f in c.filters)}, stride {c.stride}, " \
               f"padding {c.padding}"

    def _figure_values(self):
        return self._conv.outputs if self._conv is not None else None
