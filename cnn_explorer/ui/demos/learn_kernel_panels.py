"""The learn-kernel demo's three figures: forward (the map and its loss), gradient (dL/dw as the input
correlated with dL/dy, one cell and its products at a time) and the step (w − lr·g = the new kernel).

Each section shows what one core record holds (``DescentStep`` and the gradient cell's ``ConvStep``);
nothing is computed here but colours and which cells are marked.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from cnn_explorer.core.conv.convolution import pad_image
from cnn_explorer.core.conv.gradients import DescentStep, mse_text, running_sum_text
from cnn_explorer.core.conv.steps import ConvStep
from cnn_explorer.core.format import format_number
from cnn_explorer.ui.demos.learn_kernel_parts import Figure, FlowRow, LossCurve
from cnn_explorer.ui.scale import scaled, scaled_font

#: how many products a gradient cell's sum writes out before it elides the middle (every product is in the grid)
MAX_SUM_TERMS = 81


def _symmetric(*arrays) -> tuple[float, float]:
    m = max((float(np.max(np.abs(a))) for a in arrays if np.size(a)), default=0.0)
    m = m if m > 1e-12 else 1.0
    return -m, m


class Operator(QLabel):
    """A big ⋆, ⊙, = or − between two figures, level with the grids' middle."""

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._beside: Figure | None = None
        self._scale = 1.0

    def level_with(self, figure: Figure) -> None:
        self._beside = figure
        self.fit()

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        self.setFont(scaled_font(self.font(), 22, f, 12, bold=True))
        self.fit()

    def fit(self) -> None:
        width = self.fontMetrics().horizontalAdvance(self.text()) + scaled(8, self._scale)
        height = max(self.fontMetrics().height(), self._beside.height() if self._beside is not None else 0)
        self.setFixedSize(width, height)


class Section(QWidget):
    """A bold title, one line on what it shows, the figures flowing in rows, and text below them."""

    cell_clicked = Signal(int, int)

    def __init__(self, title: str, note: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = 1.0
        self.title = QLabel(title, self)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.note = QLabel(note, self)
        self.note.setWordWrap(True)
        self.row = FlowRow(self)
        self.figures: list[Figure] = []
        self.operators: list[Operator] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        for w in (self.title, self.note, self.row):
            self._layout.addWidget(w)

    def figure(self, title: str, tip: str, cell: float, name: str) -> Figure:
        fig = Figure(title, tip, self.row, cell=cell, name=name)
        self.row.add(fig)
        self.figures.append(fig)
        return fig

    def operator(self, text: str, beside: Figure | None = None) -> Operator:
        op = Operator(text, self.row)
        self.row.add(op)
        self.operators.append(op)
        op.set_scale(self._scale)
        if beside is not None:
            op.level_with(beside)
        return op

    def text_line(self, name: str, pixels: int = 16) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setProperty("lk_pixels", pixels)
        self._layout.addWidget(label)
        label.setFont(scaled_font(label.font(), pixels, self._scale, 11))
        return label

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        for fig in self.figures:
            fig.set_scale(f)
        for op in self.operators:
            op.set_scale(f)
        for label in self.findChildren(QLabel):
            pixels = label.property("lk_pixels")
            if pixels:
                label.setFont(scaled_font(label.font(), int(pixels), f, 11))
        self.row.flow.set_gap(scaled(10, f))
        self.refit()

    def refit(self) -> None:
        for op in self.operators:
            op.fit()
        self.row.updateGeometry()


class ForwardSection(Section):
    """Input ⋆ kernel = map, beside the target map, the error and (when shown) the target kernel; the loss."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("1. Forward: the kernel makes a map, the loss compares it with the target",
                         "Click an input cell to flip it. y = x ⋆ w slides the kernel over the input; the target "
                         "map t is what the hidden target kernel makes of the same input.", parent)
        self.input = self.figure("Input x", "The input grid: click a cell to flip it (+1 ↔ −1, 0 ↔ 1)", 24, "input x")
        self.operator("⋆", self.input)
        self.kernel = self.figure("Kernel w", "The kernel being learnt (before this step)", 40, "kernel w")
        self.operator("=", self.input)
        self.output = self.figure("Map y", "The current kernel's map of the input", 34, "map y")
        self.target = self.figure("Target t", "The target map: the hidden target kernel on the same input", 34,
                                  "target map t")
        self.error = self.figure("Error y − t", "How far each cell of the map is from the target", 34, "error y - t")
        self.loss = self.text_line("lk_loss", 18)
        self.input.cell_clicked.connect(self.cell_clicked)

    def show_record(self, image: np.ndarray, record: DescentStep, target_kernel: np.ndarray, cell, step: int) -> None:
        self.input.set_values(image, colors="grey")
        k_range = _symmetric(record.kernel, target_kernel)
        self.kernel.set_values(record.kernel, colors="diverging", value_range=k_range)
        self.kernel.grid.set_marks(current=cell)
        m_range = _symmetric(record.output, record.target)
        self.output.set_values(record.output, colors="diverging", value_range=m_range)
        self.target.set_values(record.target, colors="diverging", value_range=m_range)
        self.error.set_values(record.error, colors="diverging", value_range=_symmetric(record.error, record.target))
        self.loss.setText(f"Step {step:,}: loss L = mean((y − t)²) = {mse_text(record.output, record.target)}")
        self.refit()


class GradientSection(Section):
    """dL/dy slid over the input as a kernel: the window of one gradient cell, dL/dy, their products and the sum."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("2. Gradient: dL/dw is the input correlated with dL/dy",
                         "dL/dy = 2·(y − t)/N plays the kernel: at kernel cell (a, b) it covers the input cells that "
                         "cell met (marked); the sum of their products is dL/dw[a, b]. Click a cell of dL/dw to "
                         "see it.", parent)
        self.input = self.figure("Input x (window)", "The input (and its padding): the cells kernel cell (a, b) met "
                                 "on its way over the input", 24, "input window")
        self.operator("⊙", self.input)
        self.grad_output = self.figure("dL/dy", "dL/dy = 2·(y − t)/N: how the loss changes with each map cell", 34,
                                       "dL/dy")
        self.operator("=", self.input)
        self.products = self.figure("Products", "Each window cell times its dL/dy cell", 34, "products")
        self.operator("Σ", self.input)
        self.gradient = self.figure("dL/dw", "The kernel's gradient: one cell per kernel cell, each a sum of "
                                    "products", 40, "dL/dw")
        self.sum = self.text_line("lk_sum", 14)
        self.gradient.cell_clicked.connect(self.cell_clicked)

    def show_cell(self, image: np.ndarray, record: DescentStep, step: ConvStep, cell: tuple[int, int],
                  products: int | None, pad_mode: str, cell_by_cell: bool = False,
                  first: DescentStep | None = None) -> None:
        """Gradient cell ``cell`` of ``record``; ``products``: how many of its multiply-adds are done (None: all);
        ``cell_by_cell``: dL/dw shows only the cells up to this one (as Run fills it in); ``first``: the first
        step's record, whose gradients set the colours' scale (they fade as the kernel learns)."""
        first = record if first is None else first
        top, bottom, left, right = step.pads
        padded = pad_image(image, step.pads, pad_mode)
        h, w = image.shape
        self.input.set_values(padded, colors="grey", value_range=(float(image.min()), float(image.max())),
                              interior=(top, top + h, left, left + w), label_offset=(top, left))
        oh, ow = record.grad_output.shape
        n = oh * ow if products is None else products
        current = divmod(n - 1, ow) if products is not None and n > 0 else None
        rows, cols = np.asarray(step.rows), np.asarray(step.cols)
        window_cell = (int(rows[current[0]]), int(cols[current[1]])) if current is not None else None
        self.input.grid.set_marks(window=(rows, cols), current=window_cell)
        self.grad_output.set_values(record.grad_output, colors="diverging", value_range=_symmetric(record.grad_output, first.grad_output))
        self.grad_output.grid.set_marks(current=current)
        self.products.set_values(np.asarray(step.products), colors="diverging", value_range=_symmetric(
            step.products, np.abs(image).max() * np.abs(first.grad_output).max()))
        self.products.grid.set_marks(current=current, filled=None if products is None else n)
        self.gradient.set_values(record.grad_kernel, colors="diverging",
                                 value_range=_symmetric(record.grad_kernel, first.grad_kernel))
        a, b = cell
        kw = record.grad_kernel.shape[1]
        done = a * kw + b + (1 if products is None else 0)
        self.gradient.grid.set_marks(current=cell, filled=done if cell_by_cell else None)
        text = step.arithmetic(max_terms=MAX_SUM_TERMS) if products is None else running_sum_text(step, n)
        self.sum.setText(f"dL/dw[{a}, {b}] = {text}")
        self.refit()

    def sum_text(self) -> str:
        return self.sum.text()


class UpdateSection(Section):
    """w − lr × dL/dw = the new kernel, one cell's arithmetic written out, and the loss curve."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("3. Step: w ← w − lr·dL/dw",
                         "Every kernel cell moves against its gradient, by the learning rate times the gradient.",
                         parent)
        self.before = self.figure("w", "The kernel before the step", 40, "w before")
        self.minus = self.operator("− lr ×", self.before)
        self.gradient = self.figure("dL/dw", "The kernel's gradient", 40, "dL/dw")
        self.operator("=", self.before)
        self.after = self.figure("New w", "The kernel after the step", 40, "new w")
        self.target_kernel = self.figure("Target kernel", "The hidden kernel that made the target map: the kernel "
                                         "should end up equal to it", 40, "target kernel")
        self.curve_box = QWidget(self.row)
        box = QVBoxLayout(self.curve_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        self.curve_title = QLabel("Loss after each step", self.curve_box)
        self.curve_title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.curve = LossCurve(self.curve_box)
        box.addWidget(self.curve_title)
        box.addWidget(self.curve)
        self.curve_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.row.add(self.curve_box)
        self.all_cells = QLabel(self.row)
        self.all_cells.setObjectName("lk_all_updates")
        self.all_cells.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.all_cells.setToolTip("Every kernel cell's step: w − lr × dL/dw (» marks the cell shown above)")
        self.all_cells.setProperty("lk_pixels", 13)
        mono = QFont(self.all_cells.font())
        mono.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.all_cells.setFont(scaled_font(mono, 13, self._scale, 11))     # the arrows and = line up
        self.all_cells.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.row.add(self.all_cells)
        self.cell_text = self.text_line("lk_update", 18)
        self.distance = self.text_line("lk_distance", 14)
        for fig in (self.before, self.gradient, self.after):
            fig.cell_clicked.connect(self.cell_clicked)

    def show_record(self, record: DescentStep, target_kernel: np.ndarray, cell: tuple[int, int], losses,
                    current: int, next_loss: float, show_target: bool, first: DescentStep | None = None) -> None:
        first = record if first is None else first
        k_range = _symmetric(record.kernel, record.new_kernel, target_kernel)
        self.before.set_values(record.kernel, colors="diverging", value_range=k_range)
        self.gradient.set_values(record.grad_kernel, colors="diverging",
                                 value_range=_symmetric(record.grad_kernel, first.grad_kernel))
        self.after.set_values(record.new_kernel, colors="diverging", value_range=k_range)
        self.target_kernel.set_values(target_kernel, colors="diverging", value_range=k_range)
        self.target_kernel.setVisible(show_target)
        for fig in (self.before, self.gradient, self.after, self.target_kernel):
            fig.grid.set_marks(current=cell)
        self.minus.setText(f"− {format_number(record.rate)} ×")
        a, b = cell
        self.cell_text.setText(f"w[{a}, {b}] ← {record.update_text(a, b)}")
        kh, kw = record.kernel.shape
        self.all_cells.setText("\n".join(f"{'»' if (r, c) == (a, b) else ' '} w[{r}, {c}] ← {record.update_text(r, c)}"
                                         for r in range(kh) for c in range(kw)))
        self.all_cells.setFixedSize(self.all_cells.sizeHint())
        gap = float(np.max(np.abs(record.new_kernel - target_kernel)))
        self.distance.setText(f"After the step, the kernel's farthest cell is {format_number(gap)} from the target "
                              f"kernel's; the loss goes from {format_number(record.loss)} to "
                              f"{format_number(next_loss)}.")
        self.curve.set_losses(losses, current)
        self.refit()

    def set_scale(self, f: float) -> None:
        super().set_scale(f)
        self.curve.set_scale(f)
        self.curve_box.adjustSize()
        self.curve_box.setFixedSize(self.curve_box.sizeHint())
        self.all_cells.setFixedSize(self.all_cells.sizeHint())
