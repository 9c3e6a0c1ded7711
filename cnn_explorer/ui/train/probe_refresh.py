"""ProbeRefresh: between runs, the probe's feature maps follow the drawing and the trained model."""

from __future__ import annotations

from PySide6.QtCore import QObject

from cnn_explorer.core.train.session import ProbeResult, probe_activations
from cnn_explorer.ui.lifecycle import new_timer
from cnn_explorer.ui.train.controller import TrainController
from cnn_explorer.ui.train.live_view import LiveView


class ProbeRefresh(QObject):
    """Shows ``controller``'s trained model's maps for the probe on ``live`` 50 ms after a change, when no run is
    going (a run sends its own)."""

    def __init__(self, controller: TrainController, live: LiveView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.live = live
        self._dirty = False
        self._timer = new_timer(self, "train-probe", single_shot=True, interval_ms=50)
        self._timer.timeout.connect(self._on_timer_timeout)

    def request(self) -> None:
        """The model changed: show its maps for the probe soon."""
        self._dirty = True
        self._timer.start()

    def probe_changed(self, image) -> None:
        """The user drew a new probe ``image``: the next run starts with it, and the current model shows it soon."""
        self.controller.probe.set(image)
        if not self.controller.is_running() and self.controller.trained is not None:
            self._dirty = True
            if not self._timer.isActive():
                self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _on_timer_timeout(self) -> None:
        """No run going: the forward pass for the probe runs here, on the GUI thread (one small image)."""
        t = self.controller.trained
        if not self._dirty or t is None or self.controller.is_running():
            return
        self._dirty = False
        serial, image = self.controller.probe.get()
        if image is None or tuple(image.shape) != tuple(t.input_shape):
            return
        acts, probs = probe_activations(t.model, image, t.mean, t.std, t.temperature)
        self.live.activations.show_result(ProbeResult(serial, t.steps, image, acts, probs), t.class_names)
