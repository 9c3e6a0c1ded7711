"""Curves: live loss and accuracy for training (each batch, and each epoch's mean) and validation (each epoch).

Two pyqtgraph plots and one legend under both; x is epochs (fractional for batches), so
curves continue across Resume. Data are kept in lists; a redraw hands only
the curves that changed to pyqtgraph (as arrays, the batch curves thinned to
at most ``MAX_BATCH_POINTS`` points), and moves an axis only when the data
leave it.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QVBoxLayout, QWidget

from cnn_explorer.ui import theme
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.plotting import PlotLegend, make_plot, scale_plot
from cnn_explorer.ui.pyqtgraph_setup import configure_pyqtgraph

pg = configure_pyqtgraph()

#: the batch curves show at most about this many points (every k-th batch on long runs)
MAX_BATCH_POINTS = 2000


class Curves(QWidget):
    """Loss plot and accuracy plot (accuracy in percent)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = make_plot(self, "Loss", "epoch", "cross-entropy", min_size=(110, 120))
        self.acc_plot = make_plot(self, "Accuracy", "epoch", "%", min_size=(110, 120))
        self._curves = {}
        for plot in (self.loss_plot, self.acc_plot):
            # the axes (labels and grid lines) change only when a range moves, but the curves' redraw region
            # covers their grid: cached as pixmaps, a redraw copies them instead of replaying every label
            for name in ("left", "bottom"):
                plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            # no auto-downsampling or clipping: the batch curves are thinned once in redraw(), and those two
            # would recompute the display data on every redraw
        for key, plot in (("loss", self.loss_plot), ("acc", self.acc_plot)):
            self._curves[f"batch_{key}"] = plot.plot([], [], pen=pg.mkPen(theme.BATCH_CURVE, width=1), name="batch")
            self._curves[f"train_{key}"] = plot.plot([], [], pen=pg.mkPen(theme.ACCENT, width=2), symbol="o",
                                                      symbolSize=6, symbolBrush=theme.ACCENT, name="train")
            self._curves[f"val_{key}"] = plot.plot([], [], pen=pg.mkPen(theme.VALIDATION, width=2), symbol="s",
                                                    symbolSize=6, symbolBrush=theme.VALIDATION, name="validation")
        self.acc_plot.setYRange(0, 100, padding=0.02)
        # one legend under both plots (the same three curves): it wraps when the plots are narrow
        self.legend = PlotLegend([("━━", "batch", theme.BATCH_CURVE), ("━●━", "train", theme.ACCENT),
                                  ("━■━", "validation", theme.VALIDATION)], self)
        self.data: dict[str, list[list[float]]] = {k: [[], []] for k in self._curves}
        self._dirty = False
        self._changed: set[str] = set()
        # fixed ranges that change rarely: an axis whose range moves on every redraw repaints all its labels
        self._x_end = 1.0
        self._loss_top = 1.0
        for plot in (self.loss_plot, self.acc_plot):
            plot.setXRange(0, self._x_end, padding=0.02)
        self.loss_plot.setYRange(0, self._loss_top, padding=0.02)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        plots = QHBoxLayout()
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.acc_plot)
        layout.addLayout(plots, 1)
        layout.addWidget(self.legend)
        install_figure_export(self, "training curves", vector=True)

    def set_scale(self, factor: float) -> None:
        """Presenter scale: tick labels, titles and the plots' least size grow with the fonts (the legend is a
        label: it follows the application's font)."""
        for plot in (self.loss_plot, self.acc_plot):
            scale_plot(plot, factor)

    def set_epochs(self, last_epoch: float) -> None:
        """The x axis spans 0 .. ``last_epoch`` (the run's end, Resume included)."""
        self._x_end = max(1.0, float(last_epoch))
        for plot in (self.loss_plot, self.acc_plot):
            plot.setXRange(0, self._x_end, padding=0.02)

    def clear(self, classes: int = 0) -> None:
        """Drop every point; with ``classes``, the loss axis starts at 1.1 x ln(classes), the cross-entropy of
        a guess, where a fresh model's loss begins (so the first batches do not rescale it)."""
        top = 1.1 * math.log(classes) if classes >= 2 else 1.0
        if top != self._loss_top:
            self._loss_top = top
            self.loss_plot.setYRange(0, self._loss_top, padding=0.02)
        for v in self.data.values():
            v[0].clear()
            v[1].clear()
        self._dirty = True
        self._changed = set(self.data)
        self.redraw()

    def add_batch(self, x: float, loss: float, accuracy: float) -> None:
        self._add("batch_loss", x, loss)
        self._add("batch_acc", x, accuracy * 100)

    def add_epoch(self, epoch: int, train_loss: float, train_acc: float, val_loss: float, val_acc: float) -> None:
        self._add("train_loss", epoch, train_loss)
        self._add("train_acc", epoch, train_acc * 100)
        if math.isfinite(val_loss):
            self._add("val_loss", epoch, val_loss)
            self._add("val_acc", epoch, val_acc * 100)

    def truncate(self, epoch: float) -> None:
        """Drop the points after ``epoch`` (a diverged run's last, non-finite part)."""
        for xs, ys in self.data.values():
            while xs and xs[-1] > epoch:
                xs.pop()
                ys.pop()
        self._dirty = True
        self._changed = set(self.data)

    def point_count(self, key: str) -> int:
        return len(self.data[key][0])

    def drawn_x(self, key: str) -> np.ndarray | None:
        """The x values curve ``key`` shows now (None before its first redraw)."""
        return self._curves[key].xData

    def _add(self, key: str, x: float, y: float) -> None:
        if math.isfinite(y):
            self.data[key][0].append(float(x))
            self.data[key][1].append(float(y))
            self._dirty = True
            self._changed.add(key)

    def redraw(self) -> None:
        """Push the changed curves into the plots (a few times a second while training)."""
        if not self._dirty:
            return
        self._dirty = False
        changed, self._changed = self._changed, set()
        for key in changed:
            xs, ys = self.data[key]
            x, y = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
            if key.startswith("batch_") and len(x) > MAX_BATCH_POINTS:
                every = -(-len(x) // MAX_BATCH_POINTS)
                x, y = x[::every], y[::every]
            self._curves[key].setData(x, y, skipFiniteCheck=True)  # _add() keeps only finite values
        top = max((max(self.data[key][1], default=1.0) if self.data[key][1] else 1.0
                   for key in ("batch_loss", "train_loss", "val_loss") if self.data[key][1]), default=1.0)
        if top > self._loss_top or top < self._loss_top / 3:  # rescale only when the curve leaves the view
            self._loss_top = max(top * 1.1, 1e-3)
            self.loss_plot.setYRange(0, self._loss_top, padding=0.02)
        end = max((self.data[key][0][-1] for key in ("batch_loss", "train_loss") if self.data[key][0]), default=0.0)
        if end > self._x_end:
            self.set_epochs(end)
