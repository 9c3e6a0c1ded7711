"""ClassifyController: the model, its reversible edits, and the current picture -> readings for the views.

A *reading* is one forward pass over the current picture: what the network
sees and the class probabilities; every layer's output is computed when a
view asks for it (the layer stacks refresh on a slower timer). Picture changes are
coalesced: however many mouse moves arrive, at most one pass runs per
event-loop turn. The model is loaded on a worker thread the first time it is
needed, so torch is imported only then. Once a digit model is in use, a second
worker computes how the bundled digits look to it (core/interpret/digit_reference.py,
a few seconds, once per model); until then a reading has no novelty and only
the probabilities decide whether it reads as unsure.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnn_explorer.core.datasets.preprocess import prepare_input
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret import Activations, ModelEditor, layer_activations
from cnn_explorer.core.interpret.common import as_batch, probabilities, scores
from cnn_explorer.core.interpret.digit_reference import (
    DigitReference,
    cached_digit_reference,
    penultimate,
)
from cnn_explorer.core.train.checkpoints import TrainedModel, load_model
from cnn_explorer.core.train.torch_threads import gui_thread_uses_one_torch_thread
from cnn_explorer.ui.lifecycle import new_timer
from cnn_explorer.ui.workers import GeneratorWorker

#: The model the page loads when it is first shown.
DEFAULT_MODEL = "mnist"


@dataclass(frozen=True)
class Reading:
    """One forward pass. ``model_input``: the preprocessed picture (None when nothing is drawn);
    ``probabilities``: (K,) or None; ``revision``: the picture's. Every layer's output (core ``Activations``)
    is computed only when a view asks, once per reading (:meth:`ClassifyController.activations`)."""

    revision: int
    model_input: Any
    probabilities: np.ndarray | None
    cache: dict = field(default_factory=dict, compare=False, repr=False)
    #: how far the picture is from the bundled digits in the model's features, in thresholds (above 1: not a
    #: digit; core/interpret/digit_reference.py); None when not measured (not a digit model, or not ready yet)
    novelty: float | None = None

    @property
    def predicted(self) -> int | None:
        return None if self.probabilities is None else int(np.argmax(self.probabilities))


def _load(path_or_name: str | Path):
    """Generator for the loading worker: yields the TrainedModel (torch is imported here, off the GUI thread)."""
    yield load_model(path_or_name)


@dataclass(frozen=True)
class _ReferenceReady:
    loaded: TrainedModel
    reference: DigitReference | None


def _reference(loaded: TrainedModel, frozen, cancel):
    """Generator for the reference worker: yields the bundled digits' reference for ``loaded`` (on ``frozen``,
    a copy of its model that no edit on the GUI thread reaches)."""
    reference = cached_digit_reference(frozen, loaded.input_shape, loaded.class_names, loaded.mean, loaded.std, cancel)
    if not cancel.is_set():
        yield _ReferenceReady(loaded, reference)


class ClassifyController(QObject):
    """Holds the model and the picture; emits a Reading after each (coalesced) change."""

    model_loading = Signal(str)          # what is being loaded
    model_changed = Signal(object)       # the TrainedModel
    model_failed = Signal(str)           # one-line reason
    reading_changed = Signal(object)     # Reading
    edits_changed = Signal()             # a filter knocked out / weight edited / reset

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.loaded: TrainedModel | None = None
        self.editor: ModelEditor | None = None
        self.reading: Reading | None = None
        #: the bundled digits as the model sees them; None until computed, or for a model that is not a digit model
        self.reference: DigitReference | None = None
        self._referencer: GeneratorWorker | None = None
        #: (layer, param, index) of every weight changed since the last reset
        self.edited_weights: set[tuple[str, str, tuple[int, ...]]] = set()
        self._source: np.ndarray | None = None
        self._revision = 0
        self._loader: GeneratorWorker | None = None
        self._loading_name = ""
        self._timer = new_timer(self, "classify-coalesce", single_shot=True, interval_ms=0)
        self._timer.timeout.connect(self.classify_now)

    # ----------------------------------------------------------------- model
    @property
    def is_loading(self) -> bool:
        return self._loader is not None

    @property
    def reference_pending(self) -> bool:
        """True while the digit reference of the model in use is being computed."""
        return self._referencer is not None

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(int(v) for v in self.loaded.spec.input_shape) if self.loaded is not None else (28, 28, 1)

    @property
    def class_names(self) -> tuple[str, ...]:
        if self.loaded is None:
            return tuple(str(d) for d in range(10))
        return tuple(str(n) for n in self.loaded.class_names)

    def _drop_loader(self) -> None:
        """Forget a load in progress at once (its result is ignored; its thread, inside one long read or
        import, ends by itself and is never destroyed running)."""
        if self._loader is not None:
            loader, self._loader = self._loader, None
            loader.finished.disconnect(self._on_loader_finished)
            loader.progressed.disconnect(self._on_loader_progressed)
            if loader.is_running():
                loader.abandon()
            else:
                loader.deleteLater()

    def load(self, path_or_name: str | Path = DEFAULT_MODEL) -> None:
        """Load a model (a bundled name such as "mnist", or a path) on a worker thread."""
        self._drop_loader()
        self._loading_name = str(path_or_name)
        self.model_loading.emit(self._loading_name)
        self._loader = GeneratorWorker(lambda cancel: _load(path_or_name), self, name="classify-model-loader")
        self._loader.progressed.connect(self._on_loader_progressed)
        self._loader.finished.connect(self._on_loader_finished)
        self._loader.start()

    def _on_loader_progressed(self, loaded: TrainedModel) -> None:
        self._apply_model(loaded)

    def _on_loader_finished(self, ok: bool, message: str) -> None:
        if self._loader is not None:
            self._loader.deleteLater()
        self._loader = None
        if not ok:
            self.model_failed.emit(f"could not load the model {self._loading_name!r}: {message}")

    def set_model(self, loaded: TrainedModel) -> None:
        """Use ``loaded``; edits of the previous model are undone first.

        A load still in progress is abandoned: the model given here wins.
        """
        self._drop_loader()
        self._apply_model(loaded)

    def _apply_model(self, loaded: TrainedModel) -> None:
        gui_thread_uses_one_torch_thread()  # every forward pass of this page runs on the GUI thread

        if self.editor is not None:
            self.editor.reset()
        self.edited_weights.clear()
        loaded.model.eval()
        self.loaded = loaded
        self.editor = ModelEditor(loaded.model)
        self._start_reference(loaded)
        self.model_changed.emit(loaded)
        self.edits_changed.emit()
        self.classify_now()

    # ----------------------------------------------------------------- digit reference
    def _start_reference(self, loaded: TrainedModel) -> None:
        """Compute the bundled digits' reference for ``loaded`` on a worker (at once when already known)."""
        self._drop_referencer()
        self.reference = None
        frozen = copy.deepcopy(loaded.model)  # unedited weights (the editor was just reset), safe from later edits
        self._referencer = GeneratorWorker(lambda cancel: _reference(loaded, frozen, cancel), self,
                                           name="classify-digit-reference")
        self._referencer.progressed.connect(self._on_reference_ready)
        self._referencer.finished.connect(self._on_referencer_finished)
        self._referencer.start()

    def _on_reference_ready(self, ready: _ReferenceReady) -> None:
        if ready.loaded is self.loaded:
            self.reference = ready.reference
            if self._source is not None:
                self.classify_now()

    def _on_referencer_finished(self, ok: bool, message: str) -> None:
        # a failure leaves the reference None: readings are then judged by their probabilities alone
        if self._referencer is not None:
            self._referencer.deleteLater()
        self._referencer = None

    def _drop_referencer(self, wait: bool = False) -> None:
        """Forget the reference being computed: cancelled, it ends within one chunk of digits (well under 0.5 s);
        ``wait``: wait for that (closing), else let it end by itself (another model was chosen)."""
        if self._referencer is not None:
            worker, self._referencer = self._referencer, None
            worker.progressed.disconnect(self._on_reference_ready)
            worker.finished.disconnect(self._on_referencer_finished)
            if worker.is_running():
                if wait:
                    worker.stop(timeout_ms=2000)
                else:
                    worker.abandon()
            worker.deleteLater()  # deferred by the worker until an abandoned thread has ended

    # ----------------------------------------------------------------- picture
    def set_source(self, picture: np.ndarray | None) -> None:
        """A new picture (H, W) or (H, W, 3) uint8 (None: nothing); classified on the next event-loop turn."""
        self._source = picture
        self._revision += 1
        if not self._timer.isActive():
            self._timer.start()

    def reading_pending(self) -> bool:
        """True while a new picture waits for its reading (classified on the next event-loop turn)."""
        return self._timer.isActive()

    def classify_now(self) -> Reading | None:
        """Run the model on the current picture now and emit the reading."""
        self._timer.stop()
        if self.loaded is None:
            return None
        model_input = probs = None
        if self._source is not None:
            try:
                model_input = prepare_input(self._source, self.input_shape, self.loaded.mean, self.loaded.std)
            except CnnExplorerError as exc:
                self.model_failed.emit(str(exc))
                model_input = None
        novelty = None
        if model_input is not None:
            probs, features = self._probabilities(model_input.array)
            if model_input.mode == "digit" and self.reference is not None and features is not None:
                novelty = float(self.reference.novelty(features)[0])
        self.reading = Reading(self._revision, model_input, probs, novelty=novelty)
        self.reading_changed.emit(self.reading)
        return self.reading

    def _probabilities(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """One plain forward pass (the bars' fast path): (K,) class probabilities, and the (1, F) penultimate
        features when the model has a Dense layer (else None)."""
        import torch

        model = self.loaded.model
        with penultimate(model) as found, scores(model) as run, torch.inference_mode():
            # calibrated: logits / the model's temperature
            p = probabilities(run(as_batch(x, model)).float() / self.loaded.temperature)[0].cpu().numpy()
        return p, (found[-1] if found else None)

    def activations(self, reading: Reading | None = None) -> Activations | None:
        """Every layer's output for ``reading`` (default: the current one), computed once; None when empty."""
        reading = reading if reading is not None else self.reading
        if reading is None or reading.model_input is None or self.loaded is None:
            return None
        if "activations" not in reading.cache:
            reading.cache["activations"] = layer_activations(self.loaded.model, reading.model_input.array)
        return reading.cache["activations"]

    # ----------------------------------------------------------------- edits
    def knock_out(self, layer: str, channel: int, off: bool = True) -> None:
        self.editor.knock_out(layer, channel, off)
        self.edits_changed.emit()
        self.classify_now()

    def is_knocked_out(self, layer: str, channel: int) -> bool:
        return self.editor is not None and (layer, channel) in self.editor.knocked_out

    def set_weight(self, layer: str, index: tuple[int, ...], value: float, param: str = "weight") -> None:
        self.editor.set_weight(layer, index, value, param)
        self.edited_weights.add((layer, param, tuple(int(i) for i in index)))
        self.edits_changed.emit()
        self.classify_now()

    def reset_edits(self) -> None:
        """Original weights back bit for bit, every filter on."""
        if self.editor is None:
            return
        self.editor.reset()
        self.edited_weights.clear()
        self.edits_changed.emit()
        self.classify_now()

    def shutdown(self) -> None:
        """Stop the loader and the timer; undo edits so a shared model is left as it was."""
        self._timer.stop()
        self._drop_loader()
        self._drop_referencer(wait=True)
        if self.editor is not None:
            self.editor.reset()
