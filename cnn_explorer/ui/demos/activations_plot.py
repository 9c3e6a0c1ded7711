"""Small pyqtgraph plots of the training demos: a titled plot, its presenter scale, and one activation's curve
with a vertical line the user drags to move x."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from cnn_explorer.ui import theme
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.plotting import PlotLegend, make_plot, scale_plot
from cnn_explorer.ui.pyqtgraph_setup import configure_pyqtgraph
from cnn_explorer.ui.scale import scaled


class ActivationPlot(QWidget):
    """One activation f over x in [−``span``, ``span``], a dot at (x, f(x)) and a vertical line dragged to move x."""

    x_moved = Signal(float)

    def __init__(self, name: str, title: str, xs: np.ndarray, ys: np.ndarray, y_range: tuple[float, float],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg = configure_pyqtgraph()
        self.name = name
        self.plot = make_plot(self, title, "x", f"{name}(x)")
        self.plot.plot(xs, ys, pen=pg.mkPen(theme.ACCENT, width=3))
        self.plot.setXRange(float(xs[0]), float(xs[-1]), padding=0.02)
        self.plot.setYRange(*y_range, padding=0.05)
        self.line = pg.InfiniteLine(pos=0.0, angle=90, movable=True, pen=pg.mkPen(theme.WINDOW_MARK, width=2),
                                    hoverPen=pg.mkPen(theme.WINDOW_MARK, width=4))
        self.line.setBounds((float(xs[0]), float(xs[-1])))
        self.line.sigPositionChanged.connect(self._on_line_moved)
        self.plot.addItem(self.line)
        self.dot = self.plot.plot([0.0], [0.0], pen=None, symbol="o", symbolSize=11,
                                  symbolBrush=theme.WINDOW_MARK, symbolPen=pg.mkPen(theme.PLOT_TEXT))
        self._setting = False
        self.setToolTip(f"{title}: drag the orange line to move x")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        install_figure_export(self, title, vector=True)

    def set_point(self, x: float, y: float) -> None:
        """Show x (the line) and f(x) (the dot) without emitting ``x_moved``."""
        self._setting = True
        try:
            self.line.setValue(float(x))
            self.dot.setData([float(x)], [float(y)])
        finally:
            self._setting = False

    def set_scale(self, factor: float) -> None:
        pg = configure_pyqtgraph()
        scale_plot(self.plot, factor)
        self.line.setPen(pg.mkPen(theme.WINDOW_MARK, width=scaled(2, factor)))
        self.line.setHoverPen(pg.mkPen(theme.WINDOW_MARK, width=scaled(4, factor)))
        self.dot.setSymbolSize(scaled(11, factor))

    def _on_line_moved(self) -> None:
        if not self._setting:
            self.x_moved.emit(float(self.line.value()))


#: the training curve's least height at 100 % (title, legend and axis take half of it)
CURVE_HEIGHT = 190


class TrainingCurve(QWidget):
    """Live training loss and batch accuracy on one 0..1 axis (a two-class cross-entropy starts at ln 2 ≈ 0.69),
    x in epochs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg = configure_pyqtgraph()
        self.plot = make_plot(self, "Training: loss and accuracy", "epoch", "", min_size=(160, CURVE_HEIGHT))
        self.loss = self.plot.plot([], [], pen=pg.mkPen(theme.ACCENT, width=2), name="loss")
        self.accuracy = self.plot.plot([], [], pen=pg.mkPen(theme.VALIDATION, width=2), name="batch accuracy")
        self.legend = PlotLegend([("━━", "loss", theme.ACCENT), ("━━", "batch accuracy", theme.VALIDATION)], self)
        self.plot.setYRange(0.0, 1.05, padding=0.0)
        self.points: list[tuple[float, float, float]] = []
        self.setToolTip("The loss falls and the accuracy rises as the net learns")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        install_figure_export(self, "X-O training curve", vector=True,
                              values=lambda: np.array(self.points).T.copy() if self.points else None)

    def clear(self, epochs: int) -> None:
        self.points.clear()
        self.loss.setData([], [])
        self.accuracy.setData([], [])
        self.plot.setXRange(0.0, float(max(1, epochs)), padding=0.02)

    def add(self, epoch: float, loss: float, accuracy: float) -> None:
        if np.isfinite(loss):
            self.points.append((float(epoch), float(loss), float(accuracy)))
            x, lo, acc = (np.array(v) for v in zip(*self.points))
            self.loss.setData(x, lo)
            self.accuracy.setData(x, acc)

    def set_scale(self, factor: float) -> None:
        scale_plot(self.plot, factor)
