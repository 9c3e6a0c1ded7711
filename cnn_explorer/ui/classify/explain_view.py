"""ExplainView: why this class? Saliency, Grad-CAM and occlusion sensitivity as overlays on what the network sees.

Saliency and Grad-CAM take one backward pass and follow the drawing as it
changes (while the view is visible); occlusion runs many forward passes, on
demand, on a worker thread. The class explained is the predicted one or any
class chosen in the list (or by clicking its prediction bar).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.colormaps import diverging_rgb
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret import (
    conv_names,
    grad_cam,
    layer_activations,
    occlusion_map,
    saliency_map,
)
from cnn_explorer.core.train.devices import configure_threads
from cnn_explorer.ui.classify.pictures import ImageView, heat_rgb, overlay_rgb
from cnn_explorer.ui.workers import GeneratorWorker

#: Grad-CAM's default layer is the last conv whose maps are at least this many px on their shorter side.
MIN_CAM_SIDE = 6
METHODS = ("Grad-CAM", "Saliency", "SmoothGrad saliency", "Occlusion")
_ABOUT = {
    "Grad-CAM": "Grad-CAM: which places of a conv layer's maps hold the evidence for the class "
                "(maps weighted by the mean gradient of the class score, ReLU, scaled up to the input).",
    "Saliency": "Saliency: how strongly each input pixel moves the class score (|gradient|).",
    "SmoothGrad saliency": "SmoothGrad: saliency averaged over 16 noisy copies of the input (less speckle).",
    "Occlusion": "Occlusion: a grey patch slides over the input; red where covering it lowers the class's "
                 "probability (evidence for it), blue where it raises it.",
}


def _occlusion(model: Any, x: np.ndarray, target: int | None):
    configure_threads()  # a batched pass: every core (this worker thread's own setting)
    yield occlusion_map(model, x, target)


class ExplainView(QWidget):
    """Overlays for the current reading; ``heatmap()`` is the map shown, at the input's size."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded: Any = None
        self._reading: Any = None
        self._heat: np.ndarray | None = None
        self._signed: np.ndarray | None = None
        self._occlusion_for: tuple | None = None
        self._worker: GeneratorWorker | None = None
        self._dirty = True

        self.method = QComboBox()
        self.method.addItems(METHODS)
        self.target = QComboBox()
        self.layer = QComboBox()
        self.layer.setToolTip("The conv layer whose maps Grad-CAM weighs (the last one is the usual choice)")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(65)
        self.opacity.setToolTip("Overlay opacity")
        self.run_button = QPushButton("Run occlusion")
        self.run_button.setToolTip("Slide a patch over the input and measure the class probability each time")
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.about.setObjectName("inlineInfo")
        self.overlay_view = ImageView(minimum=140, name=lambda: f"{self.method.currentText()} overlay")
        self.heat_view = ImageView(minimum=90, name=lambda: f"{self.method.currentText()} heat map",
                                   values=lambda: self._heat)
        self.caption = QLabel()
        self.caption.setWordWrap(True)

        controls = QGridLayout()
        controls.addWidget(QLabel("Method"), 0, 0)
        controls.addWidget(self.method, 0, 1)
        controls.addWidget(QLabel("Class"), 0, 2)
        controls.addWidget(self.target, 0, 3)
        controls.addWidget(QLabel("Layer"), 1, 0)
        controls.addWidget(self.layer, 1, 1)
        controls.addWidget(QLabel("Opacity"), 1, 2)
        controls.addWidget(self.opacity, 1, 3)
        controls.setColumnStretch(1, 1)
        controls.setColumnStretch(3, 1)
        views = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Overlay on what the network sees"))
        left.addWidget(self.overlay_view, 1)
        right = QVBoxLayout()
        right.addWidget(QLabel("Map alone"))
        right.addWidget(self.heat_view, 1)
        right.addWidget(self.run_button)
        right.addWidget(self.caption)
        views.addLayout(left, 3)
        views.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.about)
        layout.addLayout(views, 1)

        self.method.currentTextChanged.connect(self._on_method_changed)
        self.target.currentIndexChanged.connect(self._on_choice_changed)
        self.layer.currentIndexChanged.connect(self._on_choice_changed)
        self.opacity.valueChanged.connect(self._show)
        self.run_button.clicked.connect(self.run_occlusion)
        self._on_method_changed(self.method.currentText())

    # ----------------------------------------------------------------- inputs
    def set_model(self, loaded: Any) -> None:
        self.cancel()
        self._loaded = loaded
        names = tuple(str(n) for n in loaded.class_names)
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItems(("predicted class", *names))
        self.target.blockSignals(False)
        # Each conv's map size (one pass on a blank input): Grad-CAM's default is the last conv whose maps
        # still have room for a place (at least MIN_CAM_SIDE px), not a 2x2 one.
        h, w, c = (int(v) for v in loaded.spec.input_shape)
        sizes = {o.name: o.value.shape[1:] for o in layer_activations(loaded.model, np.zeros((1, c, h, w), np.float32)).layers}
        convs = list(reversed(conv_names(loaded.model)))
        self.layer.blockSignals(True)
        self.layer.clear()
        for name in convs:
            size = sizes.get(name, ())
            self.layer.addItem(f"{name} ({'×'.join(str(v) for v in size)})" if len(size) == 2 else name, name)
        default = next((i for i, n in enumerate(convs) if len(sizes.get(n, ())) == 2 and min(sizes[n]) >= MIN_CAM_SIDE), 0)
        self.layer.setCurrentIndex(default)
        self.layer.blockSignals(False)
        self._heat = self._signed = None
        self._dirty = True
        self._show()

    def set_reading(self, reading: Any) -> None:
        """A new forward pass; recomputed at once when visible (occlusion only on demand)."""
        self._reading = reading
        self._dirty = True
        if self.isVisible():
            self.refresh()

    def choose_class(self, index: int | None) -> None:
        """Explain class ``index`` (None: the predicted class)."""
        self.target.setCurrentIndex(0 if index is None else index + 1)

    def chosen_class(self) -> int | None:
        i = self.target.currentIndex()
        return None if i <= 0 else i - 1

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    # ----------------------------------------------------------------- compute
    def _on_method_changed(self, method: str) -> None:
        self.about.setText(_ABOUT[method])
        occl = method == "Occlusion"
        self.run_button.setVisible(occl)
        self.layer.setEnabled(method == "Grad-CAM")
        self._dirty = True
        self.refresh()

    def _on_choice_changed(self) -> None:
        self._dirty = True
        self.refresh()

    def refresh(self) -> None:
        """Recompute the shown map for the current reading (Grad-CAM / saliency), or show occlusion's state."""
        self._dirty = False
        reading = self._reading
        if self._loaded is None or reading is None or reading.model_input is None:
            self._heat = self._signed = None
            self._show()
            return
        method = self.method.currentText()
        x = reading.model_input.array
        target = self.chosen_class()
        if method == "Occlusion":
            key = (reading.revision, target)
            if self._occlusion_for != key:
                self._heat = self._signed = None
            self._show()
            return
        try:
            if method == "Grad-CAM":
                layer = self.layer.currentData()
                cam = grad_cam(self._loaded.model, x, target, layer)
                self._heat, self._signed = cam.heatmap, None
                cls = cam.target
            else:
                smooth = 16 if method.startswith("SmoothGrad") else 0
                self._heat = saliency_map(self._loaded.model, x, target, smooth=smooth)
                self._signed = None
                cls = target if target is not None else reading.predicted
        except CnnExplorerError as exc:
            self._heat = self._signed = None
            self._show()
            self.caption.setText(f"{method}: {exc}")
            return
        self._cls = cls
        self._show()

    def run_occlusion(self) -> None:
        """Start occlusion sensitivity for the current picture on a worker thread."""
        reading = self._reading
        if self._loaded is None or reading is None or reading.model_input is None:
            self.status_message.emit("Occlusion: draw or load a picture first")
            return
        self.cancel()
        self.method.setCurrentText("Occlusion")
        key = (reading.revision, self.chosen_class())
        x = reading.model_input.array.copy()
        self.run_button.setEnabled(False)
        self.caption.setText("occlusion: running…")
        worker = GeneratorWorker(lambda cancel: _occlusion(self._loaded.model, x, key[1]), self, name="classify-occlusion")
        worker.progressed.connect(lambda result: self._on_occlusion_done(key, result))
        worker.finished.connect(lambda ok, message, w=worker: self._on_worker_finished(w, ok, message))
        self._worker = worker
        worker.start()

    def _on_occlusion_done(self, key: tuple, result: Any) -> None:
        self._occlusion_for = key
        self._signed = result.heatmap
        peak = float(np.abs(result.heatmap).max()) or 1.0
        self._heat = np.clip(result.heatmap / peak, 0, 1).astype(np.float32)
        self._cls = result.target
        self._show()

    def _on_worker_finished(self, worker: Any, ok: bool, message: str) -> None:
        worker.deleteLater()
        if worker is not self._worker:
            return
        self._worker = None
        self.run_button.setEnabled(True)
        if not ok:
            self.caption.setText(f"occlusion failed: {message}")
            self.status_message.emit(f"Occlusion failed: {message}")

    def cancel(self) -> None:
        """Stop a running occlusion: its thread is waited for up to 0.5 s, then left to end by itself."""
        if self._worker is not None:
            worker, self._worker = self._worker, None
            worker.stop(500)
            self.run_button.setEnabled(True)

    def is_busy(self) -> bool:
        return self._worker is not None

    # ----------------------------------------------------------------- show
    def heatmap(self) -> np.ndarray | None:
        """The map shown (H, W) float32 0..1 at the input's size, or None."""
        return None if self._heat is None else self._heat.copy()

    def _show(self) -> None:
        reading = self._reading
        if reading is None or reading.model_input is None:
            self.overlay_view.set_rgb(None, "draw a digit")
            self.heat_view.set_rgb(None, "")
            self.caption.setText("")
            return
        seen = reading.model_input.seen
        if self._heat is None:
            self.overlay_view.set_rgb(overlay_rgb(seen, np.zeros(seen.shape[:2], np.float32), 0.0))
            pending = self.method.currentText() == "Occlusion"
            self.heat_view.set_rgb(None, "press Run occlusion" if pending else "")
            self.caption.setText("the drawing changed: run occlusion again" if pending and self._occlusion_for else "")
            return
        self.overlay_view.set_rgb(overlay_rgb(seen, self._heat, self.opacity.value() / 100))
        self.heat_view.set_rgb(diverging_rgb(self._signed) if self._signed is not None else heat_rgb(self._heat))
        names = tuple(str(n) for n in self._loaded.class_names)
        cls = getattr(self, "_cls", None)
        if cls is not None and 0 <= cls < len(names):
            prob = float(reading.probabilities[cls]) if reading.probabilities is not None else float("nan")
            self.caption.setText(f"{self.method.currentText()} for class {names[cls]} ({100 * prob:.1f}%)")
