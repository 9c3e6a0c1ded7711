"""Curves: live loss and accuracy for training (each batch, and each epoch's mean) and validation (each epoch).

Two pyqtgraph plots with legends; x is epochs (fractional for batches), so
curves continue across Resume. Data are kept in lists and redrawn at most
at the page's update rate.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

TRAIN_COLOR = "#1f6fb2"
VAL_COLOR = "#d9480f"
BATCH_COLOR = (31, 111, 178, 70)


class Curves(QWidget):
    """Loss plot and accuracy plot (accuracy in percent)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget(self, background="w")
        self.acc_plot = pg.PlotWidget(self, background="w")
        self._curves = {}
        for plot, title, unit in ((self.loss_plot, "Loss", "cross-entropy"), (self.acc_plot, "Accuracy", "%")):
            plot.setTitle(title, color="#222")
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("bottom", "epoch")
            plot.setLabel("left", unit)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            legend = plot.addLegend(offset=(-6, 6) if plot is self.loss_plot else (-6, -6), labelTextColor="#222")
            legend.setBrush(pg.mkBrush(255, 255, 255, 200))
            plot.setMinimumHeight(120)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
        for key, plot in (("loss", self.loss_plot), ("acc", self.acc_plot)):
            self._curves[f"batch_{key}"] = plot.plot([], [], pen=pg.mkPen(BATCH_COLOR, width=1), name="train (batch)")
            self._curves[f"train_{key}"] = plot.plot([], [], pen=pg.mkPen(TRAIN_COLOR, width=2), symbol="o",
                                                      symbolSize=6, symbolBrush=TRAIN_COLOR, name="train (epoch)")
            self._curves[f"val_{key}"] = plot.plot([], [], pen=pg.mkPen(VAL_COLOR, width=2), symbol="s",
                                                    symbolSize=6, symbolBrush=VAL_COLOR, name="validation")
        self.acc_plot.setYRange(0, 100, padding=0.02)
        self.data: dict[str, list[list[float]]] = {k: [[], []] for k in self._curves}
        self._dirty = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot)
        layout.addWidget(self.acc_plot)

    def clear(self) -> None:
        for v in self.data.values():
            v[0].clear()
            v[1].clear()
        self._dirty = True
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

    def point_count(self, key: str) -> int:
        return len(self.data[key][0])

    def _add(self, key: str, x: float, y: float) -> None:
        if math.isfinite(y):
            self.data[key][0].append(float(x))
            self.data[key][1].append(float(y))
            self._dirty = True

    def redraw(self) -> None:
        """Push the lists into the plots (called at most ~20 times a second)."""
        if not self._dirty:
            return
        self._dirty = False
        for key, curve in self._curves.items():
            xs, ys = self.data[key]
            curve.setData(xs, ys)
