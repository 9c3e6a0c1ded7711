"""ActivationsView: every conv layer's feature maps for the probe image, and the model's prediction for it.

One row per conv layer ("conv2: 16 maps 5×5, showing 16"), each map on its
own grey range (black lowest, white highest), before the activation function.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cnn_explorer.ui.train.image_grid import ImageGrid, map_pictures

#: at most this many maps a layer are drawn (the rest are counted)
MAX_MAPS = 32


class ActivationsView(QWidget):
    """``show_result(ProbeResult, class_names)`` redraws; rows are reused while the layers stay the same."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.prediction = QLabel("Draw or pick a probe image, then train: its feature maps show here.", self)
        self.prediction.setWordWrap(True)
        self._layout.addWidget(self.prediction)
        self._rows: dict[str, tuple[QLabel, ImageGrid]] = {}
        self._scale = 1.0
        self._layout.addStretch(1)
        self.serial = -1

    def clear(self) -> None:
        for label, grid in self._rows.values():
            label.deleteLater()
            grid.deleteLater()
        self._rows = {}
        self.serial = -1

    def show_result(self, result, class_names) -> None:
        """Draw ``result``'s maps (a ProbeResult) and its top prediction."""
        self.serial = result.serial
        if list(self._rows) != list(result.activations):
            self.clear()
            for name in result.activations:
                label = QLabel(self)
                grid = ImageGrid(44, self, name=f"{name} activations")
                grid.set_scale(self._scale)
                self._layout.insertWidget(self._layout.count() - 1, label)
                self._layout.insertWidget(self._layout.count() - 1, grid)
                self._rows[name] = (label, grid)
        for name, maps in result.activations.items():
            label, grid = self._rows[name]
            f, h, w = maps.shape
            shown = min(f, MAX_MAPS)
            more = f" (showing {shown})" if shown < f else ""
            label.setText(f"<b>{name}</b>: {f} maps {h}×{w}{more}")
            grid.set_cell(72 if shown <= 4 else 56 if shown <= 8 else 44 if shown <= 16 else 34)
            grid.values = np.asarray(maps)[:shown]
            grid.set_pictures(map_pictures(maps, shown))
        probs = np.asarray(result.probabilities)
        if probs.size:
            order = np.argsort(probs)[::-1][:3]
            best = ", ".join(f"{class_names[i]} {probs[i]:.0%}" for i in order if i < len(class_names))
            self.prediction.setText(f"Probe at step {result.step:,}: the model says <b>{best}</b>")

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        for _, grid in self._rows.values():
            grid.set_scale(factor)

    def layer_names(self) -> list[str]:
        return list(self._rows)
