"""The arithmetic beside the animation: window ⊙ kernel = products, and the sum written out.

For convolution one line of grids per input channel (window, kernel, their
products and the channel's partial sum), then the whole sum as the core writes
it (``ConvStep.arithmetic``). For pooling the window with its winning cell and
``max(…) = v``, written with the decimals of the map cells beside it. Everything
shown comes from one core step record; nothing is computed here.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.animation_grid import NumberGridView
from cnn_explorer.ui.scale import scaled_font

#: products written out per channel (grey, RGB); longer sums are elided in the middle by the core
MAX_TERMS_GREY = 25
MAX_TERMS_CHANNEL = 9
CHANNEL_NAMES = ("R", "G", "B")


#: the written-out sum never gets smaller than this (pixels), even when it then needs to scroll
SUM_MIN_PX = 12


def _channels_last(a: np.ndarray) -> list[np.ndarray]:
    """(kh, kw) -> [a]; (kh, kw, C) -> [a[..., 0], …]."""
    a = np.asarray(a, dtype=np.float64)
    return [a] if a.ndim == 2 else [a[..., c] for c in range(a.shape[2])]


class ArithmeticView(QWidget):
    """The current step's numbers, large enough to read on a projector.

    ``sum_label`` (the written-out sum) is created here but laid out by the owner, so it can
    stay on screen below everything else.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = 1.0
        self._floor_scale: float | None = None
        self._room: tuple[int, int] | None = None     # (width, height) the written-out sum may fill
        self._rows: list[dict[str, QWidget]] = []
        self._headings: list[QLabel] = []
        self._grid_box = QWidget(self)
        self._grid = QGridLayout(self._grid_box)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(4)
        for col, text in ((1, "Window"), (3, "Kernel"), (5, "Products")):
            label = QLabel(text, self._grid_box)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._grid.addWidget(label, 0, col)
            self._headings.append(label)
        self.sum_label = QLabel(self)
        self.sum_label.setWordWrap(True)
        self.sum_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sum_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self._grid_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addStretch(1)
        layout.addWidget(self._grid_box, 0)
        layout.addStretch(1)
        self.set_scale(1.0)

    # --- building -------------------------------------------------------------------------------
    def _ensure_rows(self, channels: int, pooling: bool) -> None:
        key = (channels, pooling)
        if getattr(self, "_key", None) == key:
            return
        for row in self._rows:
            for w in row.values():
                self._grid.removeWidget(w)
                w.hide()
                w.deleteLater()
        self._rows = []
        for c in range(channels):
            r = c + 1
            row: dict[str, QWidget] = {}
            row["name"] = self._label("" if channels == 1 else (CHANNEL_NAMES[c] if channels == 3 else f"c{c + 1}"))
            row["window"] = self._small_grid()
            row["times"] = self._label("⊙")
            row["kernel"] = self._small_grid()
            row["equals"] = self._label("=")
            row["products"] = self._small_grid()
            row["partial"] = self._label("")
            for col, name in enumerate(("name", "window", "times", "kernel", "equals", "products", "partial")):
                self._grid.addWidget(row[name], r, col)
            self._rows.append(row)
        for col, stretch in ((1, 1), (3, 1), (5, 1)):
            self._grid.setColumnStretch(col, stretch)
        self._headings[0].setText("Window" if not pooling else "Pooling window")
        for heading in self._headings[1:]:
            heading.setVisible(not pooling)
        for row in self._rows:
            for name in ("times", "kernel", "equals", "products"):
                row[name].setVisible(not pooling)
        self._key = key
        self.set_scale(self._scale)

    def _label(self, text: str) -> QLabel:
        label = QLabel(text, self._grid_box)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    def _small_grid(self) -> NumberGridView:
        view = NumberGridView(self._grid_box, min_cell=12.0, max_cell=46.0, show_indices=False, hint_cell=32.0,
                              cached=False, name="arithmetic grid")
        view.set_scale(self._scale)
        view.set_floor_scale(self._floor_scale)
        view.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        return view

    def _fit(self, view: NumberGridView, values: np.ndarray) -> None:
        """Cells big enough for their numbers: larger for small kernels and a single channel, smaller
        when three channel rows share the height."""
        side = max(values.shape)
        if self._key[1]:                          # pooling: one small window, room to spare
            view.set_min_cell(30.0 if side <= 4 else 20.0)
            view.set_hint_cell(48.0)
            return
        shrink = 1.0 if len(self._rows) == 1 else 0.7
        view.set_min_cell(shrink * (20.0 if side <= 5 else 15.0 if side <= 7 else 11.0))
        view.set_hint_cell(40.0 if len(self._rows) == 1 else 28.0)

    # --- showing a step -------------------------------------------------------------------------
    def show_conv_step(self, step, input_range: tuple[float, float]) -> None:
        """Show a ``core.convolution.ConvStep``; ``input_range`` colours the window like the input."""
        windows = _channels_last(step.window)
        kernels = _channels_last(step.kernel)
        products = _channels_last(step.products)
        padding = np.asarray(step.in_padding, dtype=bool)
        self._ensure_rows(len(windows), pooling=False)
        k_m = max(float(np.abs(np.asarray(step.kernel)).max()), 1e-12)
        p_m = max(float(np.abs(np.asarray(step.products)).max()), 1e-12)
        for row, w, k, pr in zip(self._rows, windows, kernels, products):
            for name in ("window", "kernel", "products"):
                self._fit(row[name], w)
            row["window"].set_values(w, colors="grey", value_range=input_range, padding_mask=padding)
            row["window"].set_marks()
            row["kernel"].set_values(k, colors="diverging", value_range=(-k_m, k_m))
            row["products"].set_values(pr, colors="diverging", value_range=(-p_m, p_m))
            row["partial"].setText(f"Σ {format_number(float(pr.sum()), 'cell')}" if len(windows) > 1 else "")
        self._set_sum(step.arithmetic(max_terms=MAX_TERMS_GREY if len(windows) == 1 else MAX_TERMS_CHANNEL))

    def show_pool_step(self, step, value_range: tuple[float, float]) -> None:
        """Show a ``core.convolution.PoolStep``: its window with the winning cell marked."""
        self._ensure_rows(1, pooling=True)
        row = self._rows[0]
        row["window"].set_values(np.asarray(step.values, dtype=np.float64), colors="diverging",
                                 value_range=value_range, padding_mask=np.asarray(step.in_padding, dtype=bool))
        winner = None
        if step.mode == "max":
            r = int(np.flatnonzero(np.asarray(step.rows) == step.winner[0])[0])
            c = int(np.flatnonzero(np.asarray(step.cols) == step.winner[1])[0])
            winner = (r, c)
        row["window"].set_marks(winner=winner)
        row["partial"].setText("")
        self._fit(row["window"], np.asarray(step.values))
        self._set_sum(step.arithmetic(style="cell"))      # the decimals the pooled map's cells show

    def set_room(self, width: int, height: int) -> None:
        """The sum may take ``height`` pixels at ``width``: a font that would wrap it taller gets smaller
        (never under SUM_MIN_PX), so the whole sum stays on screen beside the grids at any scale."""
        room = (int(width), int(height))
        if room != self._room:
            self._room = room
            if self.sum_label.text():
                self._set_sum(self.sum_label.text())

    def _set_sum(self, text: str) -> None:
        """The written-out sum; long sums (RGB, big kernels) get a smaller font so they stay on screen,
        and so does a sum that would not fit the room the panel has for it (see ``set_room``)."""
        factor = 1.0 if len(text) <= 110 else 0.8 if len(text) <= 220 else 0.65
        size = max(SUM_MIN_PX, round(22 * self._scale * factor))
        if self._room is not None and text:
            size = self._fitting_size(text, size)
        if self.sum_label.font().pixelSize() != size:    # a new font re-lays out the panel: only when needed
            font = QFont(self.sum_label.font())
            font.setPixelSize(size)
            self.sum_label.setFont(font)
            # At least one line: the panel's height for its width asks for the rest (a wrapped label's
            # own minimum is its height at its narrowest, which would make the step view scroll).
            self.sum_label.setMinimumHeight(QFontMetrics(font).height())
        self.sum_label.setText(text)

    def _fitting_size(self, text: str, size: int) -> int:
        """The largest pixel size up to ``size`` at which ``text``, wrapped at the room's width, fits its height."""
        width, height = self._room
        m = self.sum_label.contentsMargins()
        width -= m.left() + m.right() + 2 * self.sum_label.margin()
        height -= m.top() + m.bottom() + 2 * self.sum_label.margin()
        if width <= 0:
            return size
        font = QFont(self.sum_label.font())
        flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft)

        def fits(px: int) -> bool:
            font.setPixelSize(px)
            return QFontMetrics(font).boundingRect(QRect(0, 0, width, 1 << 20), flags, text).height() <= height

        if fits(size):
            return size
        # the largest size that fits, to the pixel (a text's wrapped height grows with its font size)
        low, high = SUM_MIN_PX, size            # the answer is in [low, high): high does not fit
        while high - low > 1:
            middle = (low + high) // 2
            if fits(middle):
                low = middle
            else:
                high = middle
        return low

    def set_floor_scale(self, scale: float | None) -> None:
        """The window, kernel and products grids ask for no more room beyond this scale (None: never)."""
        self._floor_scale = scale
        for row in self._rows:
            for w in row.values():
                if isinstance(w, NumberGridView):
                    w.set_floor_scale(scale)
        self.set_scale(self._scale)                  # the headings stop growing there too

    def clear(self) -> None:
        self.sum_label.setText("")

    def text(self) -> str:
        return self.sum_label.text()

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        if self.sum_label.text():
            self._set_sum(self.sum_label.text())
        else:
            self.sum_label.setFont(scaled_font(self.font(), 22, f, 12))
        # the headings and the ⊙ and = signs stop growing at the floor scale: beyond it the grids take the room
        floored = f if self._floor_scale is None else min(f, self._floor_scale)
        small = scaled_font(self.font(), 13, floored, 9)
        for heading in self._headings:
            heading.setFont(small)
        op = scaled_font(self.font(), 20, floored, 11)
        for row in self._rows:
            for name, w in row.items():
                if isinstance(w, NumberGridView):
                    w.set_scale(f)
                else:
                    w.setFont(op if name in ("times", "equals") else small)
