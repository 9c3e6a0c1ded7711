"""Pooling gives some invariance: the X moved a little, and how much its convolution and pooled maps change.

Controls (the move, the feature, the amount), the figure (``invariance_figure``), and per stage the
share of cells that changed and the mean change, computed by ``core.conv.invariance`` (the slide's X: ``core.kernels.xo_invariance``).
Keys while the demo has the focus: Right / Left one more or one less pixel (or 15° step), Home back to
the defaults.
"""

from __future__ import annotations

from typing import Mapping

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.conv.invariance import (
    MAX_AMOUNT,
    ROTATE_STEP,
    STAGE_TITLES,
    TRANSFORMS,
    InvarianceResult,
    percent,
    transform_words,
)
from cnn_explorer.core.format import format_number
from cnn_explorer.core.kernels.xo_invariance import FEATURES, x_invariance
from cnn_explorer.core.lessons.demos import demo_info
from cnn_explorer.ui.demos.invariance_figure import InvarianceFigure
from cnn_explorer.ui.demos.keys import add_demo_action
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled_font
from cnn_explorer.ui.theme import UNSURE_FG
from cnn_explorer.ui.widgets.choices import select_data
from cnn_explorer.ui.widgets.containers import scrolling_column
from cnn_explorer.ui.widgets.fold import FoldRow

_TRANSFORM_TEXT = {"shift-right": "Shift right", "shift-left": "Shift left", "shift-up": "Shift up",
                   "shift-down": "Shift down", "rotate": f"Turn ({format_number(ROTATE_STEP)}° steps)"}
_FEATURE_TEXT = {"diagonal": "Diagonal \\", "x": "X", "anti-diagonal": "Anti-diagonal /"}
_COLUMNS = ("Stage", "Changed", "Share", "Mean change")
_EXPLAIN = (
    "Max-pooling keeps the largest value of each 2×2 window. When the X moves by one pixel, most of the "
    "feature's peaks stay inside their window, so the pooled map changes in fewer cells, and by less, than the "
    "convolution map: the next layer sees nearly the same X. Whether a peak stays depends on where it sits in "
    "its window (compare a shift right with a shift left); a move of two pixels or a turn carries peaks out of "
    "their windows. The edge that comes in is filled with the background, −1; a turn takes each new pixel from "
    "the nearest old one.")


class PoolingInvarianceDemo(QWidget):
    """The pooling-invariance demo: ``set_params({"transform", "feature", "amount"})``."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._info = demo_info("pooling-invariance")
        self._scale = 1.0
        self.result: InvarianceResult | None = None
        self.transform_combo = QComboBox(self)
        self.transform_combo.setObjectName("invariance_transform")
        for name in TRANSFORMS:
            self.transform_combo.addItem(_TRANSFORM_TEXT[name], name)
        self.transform_combo.setToolTip("How the X moves: by whole pixels (the edge that comes in is background, "
                                        "−1), or turned about its centre in 15° steps (nearest pixel)")
        self.feature_combo = QComboBox(self)
        self.feature_combo.setObjectName("invariance_feature")
        for name in FEATURES:
            self.feature_combo.addItem(_FEATURE_TEXT[name], name)
        self.feature_combo.setToolTip("Which of the slide's three 3×3 features filters the picture")
        self.amount_spin = QSpinBox(self)
        self.amount_spin.setObjectName("invariance_amount")
        self.amount_spin.setRange(-MAX_AMOUNT, MAX_AMOUNT)
        self.amount_label = QLabel("Pixels", self)
        self.reset_button = QPushButton("Reset", self)
        self.reset_button.setObjectName("invariance_reset")
        self.reset_button.setToolTip("Back to one pixel to the right with the diagonal feature (Home)")
        self.controls = controls = FoldRow([QLabel("Move", self), self.transform_combo, QLabel("Feature", self), self.feature_combo,
                            self.amount_label, self.amount_spin, self.reset_button], self)

        self.figure = InvarianceFigure(self)
        install_figure_export(self.figure, self._figure_title, vector=True)
        self.table = QTableWidget(3, len(_COLUMNS), self)
        self.table.setObjectName("invariance_table")
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for part in (self.table, self.table.horizontalHeader(), self.table.verticalHeader()):
            part.installEventFilter(self)
        self.table.setToolTip("Per stage: how many of the map's cells changed, and the mean of |after − before| "
                              "over all its cells")
        self.verdict = QLabel(self)
        self.verdict.setObjectName("invariance_verdict")
        self.verdict.setWordWrap(True)
        self.explain = QLabel(_EXPLAIN, self)
        self.explain.setObjectName("invariance_explain")
        self.explain.setWordWrap(True)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.table)
        side_layout.addWidget(self.verdict)
        side_layout.addWidget(self.explain)
        side_layout.addStretch(1)
        self.side = side
        # the figure and the numbers side by side when both fit, else the numbers under the figure
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.addWidget(self.figure, 1)
        self.body.addWidget(side)

        column, self.scroll = scrolling_column(self)
        column.addWidget(controls)
        column.addLayout(self.body, 1)

        self._actions = (add_demo_action(self, "pooling-invariance", "more", lambda: self._nudge(1)),
                         add_demo_action(self, "pooling-invariance", "less", lambda: self._nudge(-1)),
                         add_demo_action(self, "pooling-invariance", "reset", self.reset))
        self.transform_combo.currentIndexChanged.connect(self._on_control_changed)
        self.feature_combo.currentIndexChanged.connect(self._on_control_changed)
        self.amount_spin.valueChanged.connect(self._on_control_changed)
        self.reset_button.clicked.connect(self.reset)
        self.set_params(self._info.defaults())

    # ------------------------------------------------------------------ API
    def set_params(self, params: Mapping[str, object]) -> None:
        values = {**self._info.defaults(), **params}
        for combo, key in ((self.transform_combo, "transform"), (self.feature_combo, "feature")):
            with QSignalBlocker(combo):
                select_data(combo, str(values[key]))
        with QSignalBlocker(self.amount_spin):
            self.amount_spin.setValue(max(-MAX_AMOUNT, min(MAX_AMOUNT, int(values["amount"]))))
        self._update()

    def params(self) -> dict[str, object]:
        return {"transform": self.transform_combo.currentData(), "feature": self.feature_combo.currentData(),
                "amount": self.amount_spin.value()}

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.figure.set_scale(factor)
        self._arrange()
        self._style_verdict()

    def reset(self) -> None:
        self.set_params(self._info.defaults())
        self.status_message.emit("Pooling invariance: back to one pixel right, diagonal feature")

    # ------------------------------------------------------------------ updates
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.FontChange and self.result is not None:   # the table's or its header's font (presenter scale)
            self._fit_table()
        return super().eventFilter(watched, event)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self.result is not None:   # presenter scale: rows grow
            self._fit_table()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._arrange()

    def is_stacked(self) -> bool:
        """True when the numbers sit under the figure (too narrow beside it, or the figure's cells bigger so)."""
        return self.body.direction() == QBoxLayout.Direction.TopToBottom

    def _arrange(self) -> None:
        margins = 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutLeftMargin)
        side_width = self._side_width()
        need = self.figure.minimumSizeHint().width() + self.side.minimumSizeHint().width() + \
            self.body.spacing() + margins
        room = self.scroll.viewport().width() - margins
        height = self.scroll.viewport().height() - self.controls.sizeHint().height() - margins
        # the numbers go beside the figure or under it, whichever leaves the figure the bigger cells (under, a wide
        # window draws the moved X beside the original); under it too when the figure is too narrow beside them
        side_height = self.side.layout().totalHeightForWidth(room) if self.side.layout() else 0
        beside = self.figure.best_cell(room - side_width - self.body.spacing(), height)
        under = self.figure.best_cell(room, height - side_height - self.body.spacing())
        stacked = room + margins < need or under > beside
        if stacked != self.is_stacked():
            self.body.setDirection(QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight)
            self.side.setMaximumWidth(16_777_215 if stacked else self._side_width())

    def _side_width(self) -> int:
        return max(self.table.minimumWidth(), self.fontMetrics().averageCharWidth() * 34)

    def _nudge(self, step: int) -> None:
        self.amount_spin.setValue(self.amount_spin.value() + step)

    def _on_control_changed(self, _value=None) -> None:
        self._update()

    def _update(self) -> None:
        p = self.params()
        rotate = p["transform"] == "rotate"
        self.amount_label.setText("Steps" if rotate else "Pixels")
        self.amount_spin.setToolTip(f"{format_number(ROTATE_STEP)}° steps to turn counter-clockwise (negative: "
                                    "clockwise); Right / Left change it" if rotate else
                                    "Pixels to move (negative: the other way); Right / Left change it")
        self.result = x_invariance(str(p["transform"]), str(p["feature"]), int(p["amount"]))
        self.figure.set_result(self.result)
        for row, stage in enumerate(self.result.stages):
            texts = (STAGE_TITLES[stage.stage], f"{stage.changed_count} of {stage.cells}", percent(stage.share),
                     format_number(stage.mean_change, "cell"))
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self._fit_table()
        self.verdict.setText(self.verdict_text())
        self._style_verdict()

    def verdict_text(self) -> str:
        """What the numbers say, in a sentence (the claim, or why it does not hold for this move)."""
        r = self.result
        if r is None:
            return ""
        conv, pool = r.stage("conv"), r.stage("pool")
        if conv.changed_count == 0:
            return "Nothing moved: every map is the same. Choose an amount other than 0."
        counts = (f"{percent(pool.share)} of the pooled cells changed against {percent(conv.share)} of the "
                  f"convolution cells, by {format_number(pool.mean_change, 'cell')} on average against "
                  f"{format_number(conv.mean_change, 'cell')}.")
        if r.pooling_helps:
            return f"Pooling helped: {counts}"
        why = ("a turn carries the ends of the X's arms out of their 2×2 windows" if r.transform == "rotate" else
               "a move of two pixels or more carries the peaks out of their 2×2 windows")
        return f"Here pooling did not help ({why}): {counts}"

    def _style_verdict(self) -> None:
        good = self.result is not None and self.result.pooling_helps
        self.verdict.setFont(scaled_font(self.font(), 15, self._scale, bold=True))
        self.verdict.setStyleSheet("" if good else f"color: {UNSURE_FG.name()};")

    def _fit_table(self) -> None:
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().height() + sum(self.table.rowHeight(r) for r in range(3))
        self.table.setFixedHeight(height + 2 * self.table.frameWidth() + 2)
        width = sum(self.table.columnWidth(c) for c in range(self.table.columnCount()))
        self.table.setMinimumWidth(width + 2 * self.table.frameWidth() + 2)
        # side by side, the numbers' column is as wide as the table (the text wraps): the rest goes to the figure
        if not self.is_stacked():
            self.side.setMaximumWidth(self._side_width())
        self._arrange()

    def _figure_title(self) -> str:
        p = self.params()
        return f"Pooling invariance, {p['feature']} feature, {transform_words(str(p['transform']), int(p['amount']))}"
