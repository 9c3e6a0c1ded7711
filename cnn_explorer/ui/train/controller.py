"""TrainController: starts, stops and resumes training runs for the page, and keeps the trained model.

Runs a :class:`TrainSession` on a :class:`GeneratorWorker` (updates at most
10 a second; epoch ends and the final record always arrive). The GUI thread
never touches the model while a run is going: probe images reach the worker
through a :class:`ProbeRequest`. After a run (finished, stopped or failed)
the model is the last good one and can be resumed, saved or handed on.
A run plans its epochs: Resume after a Stop (or a failure) continues to that
plan; after a completed run it trains the settings' epochs more.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal

from cnn_explorer.core.train.checkpoints import TrainedModel
from cnn_explorer.core.train.session import (
    FirstLayerKernels,
    LiveUpdate,
    ProbeRequest,
    TrainSession,
)
from cnn_explorer.ui.workers import GeneratorWorker

#: training updates reach the window at most this often (the engine's records in between are dropped,
#: epoch ends and the final record never are); the heavier views redraw less often still (see page.py)
UPDATES_PER_S = 10.0


def steps_per_epoch(dataset, config) -> int:
    """Optimisation steps in one epoch (the engine drops the last partial batch)."""
    n = len(dataset.train_y)
    return max(1, n // max(1, min(config.batch_size, n)))


class TrainController(QObject):
    """Owns the worker; ``updated(LiveUpdate)`` carries every record, ``run_ended(ok, message)`` the end."""

    updated = Signal(object)
    run_started = Signal()
    run_ended = Signal(bool, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.probe = ProbeRequest()
        self.trained: TrainedModel | None = None
        self.session: TrainSession | None = None
        self.filter_history: list[tuple[int, np.ndarray]] = []
        self.kernels: FirstLayerKernels | None = None
        self._worker: GeneratorWorker | None = None
        #: the epochs the current run is to reach (Resume included); None before the first run
        self.planned_epochs: int | None = None
        self._run_completed = False
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ------------------------------------------------------------------ state
    def is_running(self) -> bool:
        return self._worker is not None and self._worker.is_running()

    def epochs_done(self) -> int:
        """Whole epochs the current model has trained (every run and Resume together)."""
        return len(self.trained.history) if self.trained is not None else 0

    def run_unfinished(self) -> bool:
        """True when the current run was stopped (or failed) before its planned epochs: Resume continues it."""
        return (self.trained is not None and self.planned_epochs is not None
                and self.epochs_done() < self.planned_epochs and not self._run_completed)

    def resume_epochs(self, config_epochs: int) -> int:
        """How many epochs Resume trains: the rest of an unfinished run, else ``config_epochs`` more."""
        return self.planned_epochs - self.epochs_done() if self.run_unfinished() else config_epochs

    def can_resume(self, spec, dataset) -> bool:
        """True when the current model was trained from this spec on data of this shape and these classes."""
        t = self.trained
        return (t is not None and dataset is not None and not self.is_running()
                and t.spec.layers == spec.layers and tuple(t.input_shape) == tuple(dataset.input_shape)
                and tuple(t.class_names) == tuple(dataset.class_names))

    # ------------------------------------------------------------------ runs
    def start(self, spec, dataset, config, *, resume: bool = False) -> None:
        """Train a new model from ``spec`` (or, with ``resume``, continue the current one) on ``dataset``."""
        if self.is_running():
            return
        model, step_offset, epoch_offset = None, 0, 0
        if resume and self.trained is not None:
            epoch_offset = self.epochs_done()
            config = replace(config, epochs=self.resume_epochs(config.epochs))
            self.planned_epochs = epoch_offset + config.epochs
            # a stopped epoch is trained again from its start: steps restart at that epoch's first, so the
            # curves' x (step / steps a epoch) stays in epochs and the timeline in order
            step_offset = epoch_offset * steps_per_epoch(dataset, config)
            model = self.trained.model
            self.filter_history[:] = [f for f in self.filter_history if f[0] <= step_offset]
        else:
            self.filter_history = []
            self.planned_epochs = config.epochs
        self._run_completed = False
        kernels = self.kernels if self.kernels and self.kernels.kernels else None
        session = TrainSession(spec, dataset, config, model=model, kernels=kernels, probe=self.probe,
                               step_offset=step_offset, epoch_offset=epoch_offset)
        session.filter_history = self.filter_history  # the timeline continues across Resume
        self.session = session
        history = list(self.trained.history) if resume and self.trained is not None else []
        self._pending = (spec, dataset, history)
        worker = GeneratorWorker(session.steps, None, max_rate_hz=UPDATES_PER_S,
                                 always=lambda u: u.kind != "batch", name="train-worker")
        worker.progressed.connect(self._on_worker_progressed)
        worker.finished.connect(self._on_worker_finished)
        self._worker = worker
        worker.start()
        self.run_started.emit()

    def stop(self) -> None:
        """Ask the run to stop at its next step (returns at once; ``run_ended`` follows)."""
        if self._worker is not None:
            self._worker.cancel()

    def shutdown(self, timeout_ms: int = 500) -> bool:
        """Stop the run and wait up to ``timeout_ms`` for its thread (one still inside a long call is left to end
        by itself, never destroyed running); True when no thread is left running."""
        worker = self._worker
        if worker is None:
            return True
        return worker.stop(timeout_ms)

    # ------------------------------------------------------------------ worker slots
    def _on_worker_progressed(self, update: LiveUpdate) -> None:
        if update.kind == "finished" and update.record is not None and update.record.reason != "cancelled":
            self._run_completed = True  # completed, or reached its target accuracy: Resume trains more epochs
        if update.kind == "started" and update.model is not None:
            spec, dataset, history = self._pending
            self.trained = TrainedModel(update.model, self.session.run.spec or spec, tuple(dataset.class_names),
                                        tuple(dataset.mean), tuple(dataset.std), history, steps=update.step)
        elif self.trained is not None:
            if update.kind == "epoch":
                self.trained.history.append(replace(update.record, epoch=update.epoch))
            if update.kind in ("batch", "epoch", "finished"):
                self.trained.steps = max(self.trained.steps, update.step)
            if update.kind == "finished":
                self.trained.temperature = update.record.temperature  # the calibration fitted at the end
        self.updated.emit(update)

    def _on_worker_finished(self, ok: bool, message: str) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.deleteLater()
        if not ok and self.trained is not None and self.session is not None:
            self.trained.history = [h for h in self.trained.history if h.epoch <= self.session.last_good_epoch]
        self.run_ended.emit(ok, message)

    # ------------------------------------------------------------------ the model, when idle
    def adopt(self, loaded: TrainedModel) -> None:
        """Make a loaded model the current one."""
        self.trained = TrainedModel(loaded.model, loaded.spec, tuple(loaded.class_names), tuple(loaded.mean),
                                    tuple(loaded.std), list(loaded.history or []), loaded.path,
                                    temperature=loaded.temperature)
        self.filter_history = []
        self.planned_epochs = len(self.trained.history)
        self._run_completed = True

    def export_copy(self) -> TrainedModel:
        """A CPU, eval-mode copy of the current model and its record (further training leaves it alone)."""
        t = self.trained
        model = copy.deepcopy(t.model).cpu().eval()
        return TrainedModel(model, t.spec, t.class_names, t.mean, t.std, list(t.history), temperature=t.temperature)
