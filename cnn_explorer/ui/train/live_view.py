"""LiveView: what the page shows while a model trains — curves, first-layer filters, probe and its feature maps.

The probe is a dataset image (picked by number) or a drawing on the small
canvas; ``probe_changed(image)`` carries it, (H, W, C) float 0..1.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.ui.train.activations_view import ActivationsView
from cnn_explorer.ui.train.curves import Curves
from cnn_explorer.ui.train.image_grid import ImageGrid, filter_pictures
from cnn_explorer.ui.train.probe_canvas import ProbeCanvas
from cnn_explorer.ui.widgets.containers import headed_box, scroll_area
from cnn_explorer.ui.widgets.fold import fit_longest_word


def cell_for(count: int) -> int:
    """Picture side (pixels at scale 1) for a grid of ``count`` pictures: few pictures are drawn larger."""
    return 72 if count <= 4 else 56 if count <= 8 else 44 if count <= 16 else 34


class LiveView(QWidget):
    """Curves on top; below: probe (canvas + sample picker), first-layer filters, activation maps."""

    probe_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.curves = Curves(self)
        self.canvas = ProbeCanvas(parent=self)
        self.canvas.image_changed.connect(self._on_canvas_image_changed)
        self.sample = QSpinBox(self)
        self.sample.setPrefix("test image #")
        self.sample.setToolTip("Use a test image as the probe (then draw on it if you like)")
        self.sample.valueChanged.connect(self._on_sample_value_changed)
        self.sample_label = QLabel(self)
        self.clear_button = QPushButton("Clear", self)
        self.canvas.setToolTip("Draw a probe: left button white, right button black")
        self.clear_button.setToolTip("Clear the canvas to draw your own probe")
        self.clear_button.clicked.connect(self.canvas.clear)
        self.filters = ImageGrid(40, self, name="first-layer filters")
        self.filters.setToolTip("The first conv layer's weights: red positive, blue negative, white zero")
        self.filters_label = QLabel("First-layer filters appear when training starts.", self)
        self.filters_label.setWordWrap(True)
        fit_longest_word(self.filters_label)
        self.activations = ActivationsView(self)
        self._images: np.ndarray | None = None
        self._labels: np.ndarray | None = None
        self._names: tuple[str, ...] = ()

        probe_box = headed_box("Probe", self)
        pl = probe_box.layout()
        pl.addWidget(self.canvas)
        pl.addWidget(self.sample)
        row = QHBoxLayout()
        row.addWidget(self.sample_label, 1)
        row.addWidget(self.clear_button)
        pl.addLayout(row)
        pl.addStretch(1)

        filters_box = headed_box("conv1 filters", self)
        fl = filters_box.layout()
        fl.addWidget(self.filters_label)
        fl.addWidget(self.filters)
        fl.addStretch(1)

        acts_box = headed_box("Feature maps of the probe", self)
        al = acts_box.layout()
        al.addWidget(scroll_area(self.activations, acts_box, horizontal=Qt.ScrollBarPolicy.ScrollBarAlwaysOff))

        bottom = QSplitter(Qt.Orientation.Horizontal, self)
        bottom.setChildrenCollapsible(False)
        bottom.addWidget(probe_box)
        bottom.addWidget(scroll_area(filters_box, self))  # sideways too when a big presenter scale needs it
        bottom.addWidget(acts_box)
        bottom.setStretchFactor(0, 2)
        bottom.setStretchFactor(1, 3)
        bottom.setStretchFactor(2, 5)
        bottom.setSizes([170, 280, 450])
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.curves)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([250, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    # ------------------------------------------------------------------ data
    def set_dataset(self, dataset) -> None:
        """Probe samples come from the test split (or validation, or train when it has none)."""
        for split in ("test", "val", "train"):
            x, y = dataset.arrays(split)
            if len(y):
                break
        self._images, self._labels, self._names = x, y, tuple(dataset.class_names)
        self.sample.blockSignals(True)
        self.sample.setPrefix(f"{split} image #")
        self.sample.setRange(0, max(0, len(y) - 1))
        self.sample.setValue(0)
        self.sample.blockSignals(False)
        self._on_sample_value_changed(0)

    def show_filters(self, filters: np.ndarray | None, step: int) -> None:
        if filters is None:
            self.filters_label.setText("The model has no conv layer.")
            fit_longest_word(self.filters_label)
            self.filters.values = None
            self.filters.set_pictures([])
            return
        f, c, kh, kw = filters.shape
        self.filters_label.setText(f"{f} filters {kh}×{kw}×{c} · step {step:,}")
        fit_longest_word(self.filters_label)
        self.filters.set_cell(cell_for(f))
        self.filters.values = np.asarray(filters)
        self.filters.set_pictures(filter_pictures(filters), [f"f{i + 1}" for i in range(f)])

    def set_scale(self, factor: float) -> None:
        self.curves.set_scale(factor)
        self.filters.set_scale(factor)
        self.activations.set_scale(factor)

    # ------------------------------------------------------------------ slots
    def _on_sample_value_changed(self, index: int) -> None:
        if self._images is None or not len(self._images):
            return
        self.sample_label.setText(f"class: {self._names[int(self._labels[index])]}")
        self.canvas.set_image(self._images[index])

    def _on_canvas_image_changed(self) -> None:
        self.probe_changed.emit(self.canvas.image())
