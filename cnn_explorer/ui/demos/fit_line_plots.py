"""The fit-line demo's two plots: the two points with the solved line and gradient descent's current line, and
the loss curve (log scale) of the descent so far."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from cnn_explorer.ui import theme
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.plotting import PlotLegend, make_plot, scale_plot
from cnn_explorer.ui.pyqtgraph_setup import configure_pyqtgraph

#: losses are drawn no lower than this on the log axis (an exact 0 has no logarithm)
LOSS_FLOOR = 1e-16
X_RANGE = (0.0, 5.0)


class LinePlot(QWidget):
    """The points (x, y), the line a·x + b they solve to, and the descent's line a·x + b now."""

    def __init__(self, points, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg = configure_pyqtgraph()
        self.plot = make_plot(self, "Points and lines", "x", "y")
        xs = np.array(X_RANGE)
        self._xs = xs
        self.solved = self.plot.plot(xs, xs * 0, pen=pg.mkPen(theme.ACCENT, width=3), name="solved")
        self.current = self.plot.plot(xs, xs * 0, pen=pg.mkPen(theme.VALIDATION, width=2, style=Qt.PenStyle.DashLine),
                                      name="gradient descent")
        pts = np.asarray(points, dtype=np.float64)
        self.points = self.plot.plot(pts[:, 0], pts[:, 1], pen=None, symbol="o", symbolSize=12,
                                     symbolBrush=theme.WINDOW_MARK, symbolPen=pg.mkPen(theme.PLOT_TEXT),
                                     name="points")
        self.legend = PlotLegend([("━━", "solved", theme.ACCENT), ("╌╌", "gradient descent", theme.VALIDATION),
                                  ("●", "points", theme.WINDOW_MARK)], self)
        self.plot.setXRange(*X_RANGE, padding=0.02)
        self.plot.setYRange(-1.0, 12.0, padding=0.02)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        install_figure_export(self, "the line through two points", vector=True)

    def set_solved(self, a: float, b: float) -> None:
        self.solved.setData(self._xs, a * self._xs + b)

    def set_current(self, a: float, b: float) -> None:
        if np.isfinite(a) and np.isfinite(b):
            self.current.setData(self._xs, a * self._xs + b)

    def current_line(self) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = self.current.getData()
        return np.asarray(xs), np.asarray(ys)

    def set_scale(self, factor: float) -> None:
        scale_plot(self.plot, factor)


class LossPlot(QWidget):
    """Gradient descent's loss, step by step, on a log axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg = configure_pyqtgraph()
        self.plot = make_plot(self, "Loss (MSE)", "step", "loss")
        self.plot.setLogMode(x=False, y=True)
        self.curve = self.plot.plot([], [], pen=pg.mkPen(theme.ACCENT, width=2))
        self.steps: list[float] = []
        self.losses: list[float] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        install_figure_export(self, "gradient descent loss", vector=True,
                              values=lambda: np.array([self.steps, self.losses]) if self.steps else None)

    def clear(self) -> None:
        self.steps.clear()
        self.losses.clear()
        self.curve.setData([], [])

    def add(self, step: int, loss: float) -> None:
        if np.isfinite(loss):
            self.steps.append(float(step))
            self.losses.append(float(loss))

    def redraw(self) -> None:
        """Draw the curve; the axes span step 0 to at least 10 and at least two decades of loss (a single
        point would otherwise get a range of nothing)."""
        if not self.steps:
            return
        losses = np.maximum(np.array(self.losses), LOSS_FLOOR)
        self.curve.setData(np.array(self.steps), losses)
        self.plot.setXRange(0, max(10.0, self.steps[-1]), padding=0.02)
        top = math.log10(float(losses.max()))
        bottom = min(math.log10(float(losses.min())), top - 2)
        self.plot.setYRange(bottom, top, padding=0.05)          # log mode: the range is in decades

    def set_scale(self, factor: float) -> None:
        scale_plot(self.plot, factor)
