"""Long work off the GUI thread: a core generator driven in a QThread.

A core generator (training steps, activation maximisation, ...) yields small
records. :class:`GeneratorWorker` runs it in a worker QObject on its own
QThread and hands the records to the GUI thread through queued signals,
throttled so the window gets at most about ``max_rate_hz`` updates a second
(the newest record wins; records marked ``always`` — epoch ends, the final
record — are never dropped). Cancelling sets a ``threading.Event`` the
generator checks between steps, and stops asking for the next step.

Usage::

    worker = GeneratorWorker(lambda cancel: run.steps(), parent=self)
    worker.progressed.connect(self._on_worker_progressed)
    worker.finished.connect(self._on_worker_finished)   # (ok: bool, message: str)
    worker.start()
    ...
    worker.cancel(); worker.wait(1000)

A worker inside one long call that no cancel check reaches (a blocking read,
importing torch) is *abandoned* instead of waited for: :meth:`GeneratorWorker.abandon`
returns at once, drops whatever the generator still yields, and keeps the
worker and its QThread alive (never destroyed while running) until the call
returns; :meth:`GeneratorWorker.stop` waits a bounded time, then abandons.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterator

from PySide6.QtCore import QObject, QThread, Signal, Slot

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.ui.lifecycle import is_alive, new_thread


class _Runner(QObject):
    """Lives on the worker thread; iterates the generator and emits its records."""

    record_ready = Signal(object)
    done = Signal(bool, str)

    def __init__(
        self,
        factory: Callable[[threading.Event], Iterator[Any]],
        cancel: threading.Event,
        min_interval_s: float,
        always: Callable[[Any], bool],
    ) -> None:
        super().__init__()
        self._factory = factory
        self._cancel = cancel
        self._min_interval = min_interval_s
        self._always = always

    @Slot()
    def run(self) -> None:
        last_emit = 0.0
        pending = None
        try:
            for record in self._factory(self._cancel):
                if self._cancel.is_set():
                    break
                now = time.perf_counter()
                if self._always(record) or now - last_emit >= self._min_interval:
                    if pending is not None and self._always(record):
                        self.record_ready.emit(pending)
                    pending = None
                    self.record_ready.emit(record)
                    last_emit = now
                else:
                    pending = record
            if pending is not None and not self._cancel.is_set():
                self.record_ready.emit(pending)
        except BaseException as exc:  # noqa: BLE001 - reported to the window, never a traceback or a stuck worker
            message = str(exc) if isinstance(exc, CnnExplorerError) else f"{exc.__class__.__name__}: {exc}"
            self.done.emit(False, " ".join(message.split()))
            return
        self.done.emit(True, "cancelled" if self._cancel.is_set() else "")


class GeneratorWorker(QObject):
    """Runs ``factory(cancel_event)`` (a generator) on a QThread; records arrive in ``progressed``.

    ``finished(ok, message)``: ok False with the error's one-line message when
    the generator raised; ok True with message "cancelled" after cancel().
    """

    progressed = Signal(object)
    finished = Signal(bool, str)

    def __init__(
        self,
        factory: Callable[[threading.Event], Iterator[Any]],
        parent: QObject | None = None,
        *,
        max_rate_hz: float = 20.0,
        always: Callable[[Any], bool] | None = None,
        name: str = "generator-worker",
    ) -> None:
        super().__init__(parent)
        self.cancel_event = threading.Event()
        self._thread = new_thread(None, name)
        self._runner = _Runner(factory, self.cancel_event, 1.0 / max_rate_hz, always or (lambda r: False))
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.record_ready.connect(self._on_runner_record)
        self._runner.done.connect(self._on_runner_done)
        self._running = False
        self._abandoned = False

    def start(self) -> None:
        self._running = True
        self._thread.start()

    def is_running(self) -> bool:
        return self._running

    def worker_thread(self) -> QThread:
        """The QThread the generator runs on (``thread()`` is the one this object lives on)."""
        return self._thread

    def cancel(self) -> None:
        """Ask the generator to stop at its next step (returns at once)."""
        self.cancel_event.set()

    def abandon(self) -> None:
        """Cancel, and end the run for its users at once: ``finished(True, "cancelled")`` now, and no record or
        signal after it. The worker keeps itself (and its thread) alive until the generator returns, then
        deletes itself."""
        self.cancel()
        if self._abandoned or not self._running:
            return
        self._abandoned = True
        self._running = False
        self.setParent(None)  # a parent deleted meanwhile must not take a running thread with it
        _ABANDONED.add(self)
        self.finished.emit(True, "cancelled")

    def deleteLater(self) -> None:  # noqa: N802 - Qt API
        """Deferred until an abandoned worker's thread has ended (deleting it earlier would stop nothing)."""
        if self not in _ABANDONED:
            super().deleteLater()

    def is_abandoned(self) -> bool:
        return self._abandoned

    def stop(self, timeout_ms: int = 500) -> bool:
        """Cancel and wait up to ``timeout_ms`` for the thread; abandon it when still inside a long call.
        True when the thread has ended."""
        ended = self.wait(timeout_ms)
        if not ended:
            self.abandon()
        return ended

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for the thread to end; True when it has ended."""
        self.cancel()
        if not is_alive(self._thread):  # Qt already deleted it (application shutting down): nothing runs
            return True
        if self._thread.isRunning():
            self._thread.quit()
            return bool(self._thread.wait(timeout_ms))
        return True

    @Slot(object)
    def _on_runner_record(self, record: Any) -> None:
        if not self._abandoned:
            self.progressed.emit(record)

    @Slot(bool, str)
    def _on_runner_done(self, ok: bool, message: str) -> None:
        self._thread.quit()
        self._thread.wait()
        self._running = False
        if self._abandoned:
            _ABANDONED.discard(self)
            super().deleteLater()
            return
        self.finished.emit(ok, message)


#: abandoned workers whose thread still runs: kept referenced here until it ends (see the module doc)
_ABANDONED: "set[GeneratorWorker]" = set()


def abandoned_count() -> int:
    """How many abandoned workers still run their generator."""
    return len(_ABANDONED)
