"""FeatureVisPanel: what excites a filter or a class — activation maximization live, and top dataset patches.

Activation maximization optimises a picture on a worker thread and shows it
as it forms (cancellable). Top patches rank the bundled 5,000-digit MNIST
sample by each filter's strongest response (Zeiler & Fergus) and show the
input windows those responses see; computed on a worker, once per model and
layer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.datasets.bundled import load_mnist_sample
from cnn_explorer.core.interpret import (
    conv_names,
    find_layer,
    maximize_activation,
    top_patches,
)
from cnn_explorer.core.train.devices import configure_threads
from cnn_explorer.ui.classify.pictures import ImageView, seen_rgb, to_uint8
from cnn_explorer.ui.workers import GeneratorWorker

CLASS_TARGET = "output class"
#: Activation maximization shows its picture about this often while it forms (frames a second).
FRAMES_PER_S = 20
#: How many patches a filter shows.
TOP_K = 9


def context_mosaic(images: np.ndarray, result: Any, f: int, columns: int = 3, zoom: int = 4) -> np.ndarray:
    """Filter ``f``'s top pictures whole, the window its response sees outlined and the rest dimmed.

    ``images``: the dataset (N, H, W[, 1]) uint8; ``result``: core FilterPatches. Returns (H', W', 3) uint8.
    """
    k = result.images.shape[1]
    h, w = images.shape[1:3]
    th, tw = h * zoom, w * zoom
    rows = math.ceil(k / columns)
    out = np.full((rows * (th + 4) + 4, columns * (tw + 4) + 4, 3), 200, np.uint8)
    for rank in range(k):
        idx = int(result.images[f, rank])
        if idx < 0:
            continue
        grey = images[idx].reshape(h, w).astype(np.float32)
        r0, r1, c0, c1 = result.field.window(*result.positions[f, rank])
        inside = np.zeros((h, w), bool)
        inside[max(r0, 0):max(min(r1, h), 0), max(c0, 0):max(min(c1, w), 0)] = True
        tile = np.where(inside, grey, grey * 0.35)
        tile = np.repeat(np.repeat(tile, zoom, axis=0), zoom, axis=1)
        rgb = np.repeat(tile[..., None], 3, axis=2).astype(np.uint8)
        y0, y1 = np.clip([r0 * zoom, r1 * zoom - 1], 0, th - 1)
        x0, x1 = np.clip([c0 * zoom, c1 * zoom - 1], 0, tw - 1)
        box = np.array((255, 170, 0), np.uint8)
        rgb[y0, x0:x1 + 1] = rgb[y1, x0:x1 + 1] = box
        rgb[y0:y1 + 1, x0] = rgb[y0:y1 + 1, x1] = box
        r, c = divmod(rank, columns)
        out[4 + r * (th + 4):4 + r * (th + 4) + th, 4 + c * (tw + 4):4 + c * (tw + 4) + tw] = rgb
    return out


class _Progress(QObject):
    """Carries (done, total) from a worker thread to the GUI thread (queued)."""

    moved = Signal(int, int)


def _patches(model: Any, loaded: Any, layer: str, progress: _Progress, cancel: Any):
    """Worker generator: yields (FilterPatches of ``layer``, the bundled sample's images (N, 28, 28, 1) uint8)."""
    configure_threads()  # a batched pass over 5,000 digits: every core (this worker thread's own setting)
    images, _ = load_mnist_sample()
    found = top_patches(model, images, layers=[layer], k=TOP_K, mean=loaded.mean, std=loaded.std, cancel=cancel,
                        progress=progress.moved.emit)[layer]
    yield found, images


class FeatureVisPanel(QWidget):
    """Activation maximization (left) and top-activating patches (right) for the current model."""

    status_message = Signal(str)
    frame_shown = Signal(object)      # the VisFrame just shown

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._vis: GeneratorWorker | None = None
        self._patch_worker: GeneratorWorker | None = None
        self._cache: dict[tuple[int, str], Any] = {}
        self._last_frame = None

        self.target = QComboBox()
        self.target.setToolTip("Excite one class's score, or one conv filter's mean activation")
        self.index = QSpinBox()
        self.steps = QSpinBox()
        self.steps.setRange(10, 2000)
        self.steps.setSingleStep(50)
        self.steps.setValue(200)
        self.start = QPushButton("Start")
        self.start.setToolTip("Optimise a picture (gradient ascent with jitter, L2 and smoothness penalties)")
        self.vis_view = ImageView(minimum=140, smooth=False, name="feature visualisation")
        self.vis_label = QLabel("Pick a class or a filter and press Start.")
        self.vis_label.setWordWrap(True)
        vis_form = QFormLayout()
        vis_form.addRow("Target", self.target)
        vis_form.addRow("Class / filter", self.index)
        vis_form.addRow("Steps", self.steps)
        vis_box = QGroupBox("Activation maximization")
        vis_layout = QVBoxLayout(vis_box)
        vis_layout.addLayout(vis_form)
        vis_layout.addWidget(self.start)
        vis_layout.addWidget(self.vis_view, 1)
        vis_layout.addWidget(self.vis_label)

        self.patch_layer = QComboBox()
        self.patch_filter = QSpinBox()
        self.patch_button = QPushButton("Find top patches")
        self.patch_button.setToolTip("Run the bundled 5,000 MNIST digits through the model (once per layer)")
        self.patch_progress = QProgressBar()
        self.patch_progress.setVisible(False)
        self.patch_view = ImageView(minimum=140, name="top-activating patches")
        self.patch_label = QLabel("The 9 sample digits that excite the filter most, with the window it sees.")
        self.patch_label.setWordWrap(True)
        patch_form = QFormLayout()
        patch_form.addRow("Conv layer", self.patch_layer)
        patch_form.addRow("Filter", self.patch_filter)
        patch_box = QGroupBox("Top-activating patches")
        patch_layout = QVBoxLayout(patch_box)
        patch_layout.addLayout(patch_form)
        patch_layout.addWidget(self.patch_button)
        patch_layout.addWidget(self.patch_progress)
        patch_layout.addWidget(self.patch_view, 1)
        patch_layout.addWidget(self.patch_label)

        layout = QHBoxLayout(self)
        layout.addWidget(vis_box, 1)
        layout.addWidget(patch_box, 1)

        self.target.currentIndexChanged.connect(self._on_target_changed)
        self.start.clicked.connect(self._on_start_clicked)
        self.patch_layer.currentIndexChanged.connect(self._on_patch_choice_changed)
        self.patch_filter.valueChanged.connect(self._on_patch_choice_changed)
        self.patch_button.clicked.connect(self.find_patches)
        controller.model_changed.connect(self._on_model_changed)
        self.setEnabled(False)

    # ----------------------------------------------------------------- model
    def _on_model_changed(self, loaded: Any) -> None:
        self.cancel()
        convs = conv_names(loaded.model)
        for combo, items in ((self.target, [CLASS_TARGET, *convs]), (self.patch_layer, convs)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(items)
            combo.blockSignals(False)
        self.setEnabled(True)
        self._on_target_changed()
        self._on_patch_choice_changed()
        self.vis_view.set_rgb(None, "")

    def _channels(self, layer: str) -> int:
        return int(find_layer(self._controller.loaded.model, layer).out_channels)

    def _on_target_changed(self) -> None:
        loaded = self._controller.loaded
        if loaded is None:
            return
        t = self.target.currentText()
        n = len(loaded.class_names) if t == CLASS_TARGET else self._channels(t)
        self.index.setRange(0, max(n - 1, 0))

    def select(self, layer: str | None, index: int) -> None:
        """Aim at filter ``index`` of conv ``layer`` (or class ``index`` when ``layer`` is None), both halves."""
        self.target.setCurrentText(CLASS_TARGET if layer is None else layer)
        self.index.setValue(index)
        if layer is not None:
            self.patch_layer.setCurrentText(layer)
            self.patch_filter.setValue(index)

    # ----------------------------------------------------------------- activation maximization
    def is_running(self) -> bool:
        return self._vis is not None

    def _on_start_clicked(self) -> None:
        if self._vis is not None:
            self._vis.cancel()
            return
        self.start_visualization()

    def start_visualization(self) -> None:
        """Start optimising for the chosen target (a worker thread; frames arrive about 20 times a second)."""
        loaded = self._controller.loaded
        if loaded is None or self._vis is not None:
            return
        t = self.target.currentText()
        layer = None if t == CLASS_TARGET else t
        index, steps = self.index.value(), self.steps.value()
        shape = tuple(int(v) for v in loaded.spec.input_shape)
        what = f"class {loaded.class_names[index]}" if layer is None else f"{layer} filter {index}"
        self._what = what

        def factory(cancel):
            configure_threads()  # this worker thread's own torch thread count
            # frames by time, not by step count: a steady FRAMES_PER_S however fast this machine's steps are
            return maximize_activation(loaded.model, shape, layer=layer, index=index, steps=steps, every=steps,
                                       mean=loaded.mean, std=loaded.std, cancel=cancel,
                                       frame_interval_s=1.0 / FRAMES_PER_S)

        self._vis = GeneratorWorker(factory, self, max_rate_hz=FRAMES_PER_S + 5, always=lambda f: f.done, name="classify-featurevis")
        self._vis.progressed.connect(self._on_vis_progressed)
        self._vis.finished.connect(lambda ok, message, w=self._vis: self._on_vis_finished(w, ok, message))
        self.start.setText("Cancel")
        self.vis_label.setText(f"Optimising a picture for {what}…")
        self._vis.start()

    def _on_vis_progressed(self, frame: Any) -> None:
        self._last_frame = frame
        img = frame.image
        lo, hi = float(img.min()), float(img.max())
        shown = to_uint8(img, lo, hi if hi > lo else lo + 1)  # stretched: faint structure stays visible
        self.vis_view.set_rgb(seen_rgb(shown.astype(np.float32) / 255))
        self.vis_label.setText(f"{self._what}: step {frame.step}/{frame.steps}, activation {frame.activation:.3f}"
                               + ("  (done)" if frame.done else ""))
        self.frame_shown.emit(frame)

    def _on_vis_finished(self, worker: Any, ok: bool, message: str) -> None:
        worker.deleteLater()
        if worker is not self._vis:
            return  # an earlier run, already waited for
        self._vis = None
        self.start.setText("Start")
        if not ok:
            self.vis_label.setText(f"Stopped: {message}")
            self.status_message.emit(f"Activation maximization failed: {message}")
        elif message == "cancelled":
            self.vis_label.setText(self.vis_label.text() + "  (cancelled)")

    def last_frame(self) -> Any:
        return self._last_frame

    # ----------------------------------------------------------------- top patches
    def _patch_key(self) -> tuple[int, str]:
        return id(self._controller.loaded.model), self.patch_layer.currentText()

    def _on_patch_choice_changed(self) -> None:
        loaded = self._controller.loaded
        layer = self.patch_layer.currentText()
        if loaded is None or not layer:
            return
        self.patch_filter.blockSignals(True)
        self.patch_filter.setRange(0, self._channels(layer) - 1)
        self.patch_filter.blockSignals(False)
        self._show_patches()

    def patches_supported(self) -> bool:
        loaded = self._controller.loaded
        return loaded is not None and tuple(int(v) for v in loaded.spec.input_shape) == (28, 28, 1)

    def find_patches(self) -> None:
        """Compute the top patches of the chosen layer on a worker (cached per model and layer)."""
        if not self.patches_supported():
            shape = "×".join(str(v) for v in self._controller.loaded.spec.input_shape) if self._controller.loaded else "?"
            self.patch_label.setText(f"Top patches come from the bundled MNIST sample (28×28×1 pictures); "
                                     f"this model takes {shape} inputs.")
            return
        if self._patch_worker is not None or self._patch_key() in self._cache:
            self._show_patches()
            return
        loaded, layer = self._controller.loaded, self.patch_layer.currentText()
        key = self._patch_key()
        progress = _Progress(self)
        progress.moved.connect(self._on_patch_progress)
        self._patch_worker = GeneratorWorker(lambda cancel: _patches(loaded.model, loaded, layer, progress, cancel),
                                             self, name="classify-patches")
        self._patch_worker.progressed.connect(lambda result: self._on_patches_ready(key, result))
        self._patch_worker.finished.connect(
            lambda ok, message, w=self._patch_worker: self._on_patch_finished(w, ok, message))
        self.patch_button.setEnabled(False)
        self.patch_progress.setRange(0, 0)
        self.patch_progress.setVisible(True)
        self.patch_label.setText(f"Running the 5,000 sample digits through {layer}…")
        self._patch_worker.start()

    def _on_patch_progress(self, done: int, total: int) -> None:
        self.patch_progress.setRange(0, total)
        self.patch_progress.setValue(done)

    def _on_patches_ready(self, key: tuple[int, str], result: Any) -> None:
        self._cache[key] = result
        self._show_patches()

    def _on_patch_finished(self, worker: Any, ok: bool, message: str) -> None:
        worker.deleteLater()
        if worker is not self._patch_worker:
            return
        self._patch_worker = None
        self.patch_button.setEnabled(True)
        self.patch_progress.setVisible(False)
        if not ok and message != "cancelled":
            self.patch_label.setText(f"Could not find patches: {message}")

    def is_finding_patches(self) -> bool:
        """True while a worker computes top patches."""
        return self._patch_worker is not None

    def patches(self) -> Any:
        """The cached core FilterPatches of the chosen layer, or None."""
        if self._controller.loaded is None:
            return None
        found = self._cache.get(self._patch_key())
        return None if found is None else found[0]

    def _show_patches(self) -> None:
        result = self._cache.get(self._patch_key()) if self._controller.loaded is not None else None
        if result is None:
            self.patch_view.set_rgb(None, "press Find top patches")
            return
        result, images = result
        f = self.patch_filter.value()
        self.patch_view.set_rgb(context_mosaic(images, result, f))
        vals = ", ".join(f"{v:.2f}" for v in result.values[f][:3])
        rf = result.field
        self.patch_label.setText(f"{result.layer} filter {f}: the 9 sample digits it responds to most; the box is the "
                                 f"{rf.size[0]}×{rf.size[1]} px window its strongest response sees "
                                 f"(responses {vals}…).")

    # ----------------------------------------------------------------- life cycle
    def cancel(self) -> None:
        """Stop both workers: each ends at its next step (within 0.5 s), else is left to end by itself."""
        for worker in (self._vis, self._patch_worker):
            if worker is not None:
                worker.stop(500)
        self._vis = None
        self._patch_worker = None
        self.start.setText("Start")
        self.patch_button.setEnabled(True)
        self.patch_progress.setVisible(False)
