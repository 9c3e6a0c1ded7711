"""The explorer's pipeline off the GUI thread: one daemon thread, the newest request wins
(``PipelineWorker``), and ``PipelineRunner``, which decides when and on which thread it runs.

A kernel or settings edit on a photo costs the core milliseconds (1024×1024 RGB: about 5 ms, more
with big kernels or a stack); on the GUI thread that is time in which the window can neither paint
nor take the next key. ``submit(job_id, compute)`` hands ``compute`` (a no-argument callable over
inputs nobody modifies afterwards) to the worker; of the jobs still waiting only the newest is
kept (a burst of edits costs one computation after the one running), and
``finished(job_id, result, error)`` comes back on the GUI thread (a queued signal).

The thread starts with the first job and ends after IDLE_EXIT_S without work, or at ``stop()``,
which drops the waiting job and waits at most STOP_WAIT_S for the one running (a computation is
never interrupted, but none takes that long on the images the explorer accepts).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.ui.lifecycle import is_alive, new_timer

#: the worker thread ends after this many seconds without a job (the next job starts it again)
IDLE_EXIT_S = 5.0
#: ``stop()`` waits at most this long for the computation in progress
STOP_WAIT_S = 0.5


class PipelineWorker(QObject):
    """Runs submitted computations one at a time on a daemon thread; see the module docstring.

    Signal: ``finished(job_id, result, error)``: ``result`` is what ``compute`` returned (None when it
    raised), ``error`` the exception it raised (None when it returned).
    """

    finished = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cond = threading.Condition()
        self._waiting: tuple[int, Callable[[], Any]] | None = None
        self._running: int | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    def submit(self, job_id: int, compute: Callable[[], Any]) -> None:
        """Run ``compute`` after the job in progress (a job still waiting is dropped for this one)."""
        with self._cond:
            self._waiting = (int(job_id), compute)
            self._stopping = False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="explorer-pipeline", daemon=True)
                self._thread.start()
            self._cond.notify()

    def cancel(self) -> None:
        """Drop the job waiting, if any (the one in progress still reports; its caller knows it is old)."""
        with self._cond:
            self._waiting = None

    def is_busy(self) -> bool:
        """True while a job waits or runs."""
        with self._cond:
            return self._waiting is not None or self._running is not None

    def stop(self, timeout: float = STOP_WAIT_S) -> None:
        """Drop the waiting job, end the thread and wait up to ``timeout`` seconds for the running one."""
        with self._cond:
            self._waiting = None
            self._stopping = True
            thread = self._thread
            self._cond.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            with self._cond:
                if self._waiting is None and not self._stopping:
                    self._cond.wait(IDLE_EXIT_S)
                if self._stopping or self._waiting is None:
                    if self._thread is me:
                        self._thread = None
                    return
                (job_id, compute), self._waiting = self._waiting, None
                self._running = job_id
            result = error = None
            try:
                result = compute()
            except Exception as exc:     # handed to the GUI thread, which reports or re-raises it
                error = exc
            with self._cond:
                self._running = None
            try:
                if is_alive(self):
                    self.finished.emit(job_id, result, error)
            except RuntimeError:                 # the owner was deleted meanwhile: nobody is waiting
                return


class PipelineRunner(QObject):
    """When and where the explorer's pipeline runs: one computation per event-loop turn (a zero-delay
    timer), on the GUI thread for small work and after in-place edits, on a ``PipelineWorker`` for
    work of ``min_work`` or more.

    ``computation()`` gives (its work, e.g. multiply-adds; a no-argument callable computing the current
    inputs, which it holds); it raises ``CnnExplorerError`` for inputs that cannot be computed.
    ``show(result, error)`` puts an outcome on show (``error``: a ``CnnExplorerError`` or None). Jobs are
    numbered: an outcome older than the one shown, or computed from pixels edited in place since
    (``pixels_edited``), is never shown. ``submitted()``: a computation went to the worker (the GUI
    thread is free until its outcome comes back).
    """

    submitted = Signal()

    def __init__(self, computation, show, min_work: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._computation, self._show, self._min_work = computation, show, int(min_work)
        self._job = self._shown_job = self._valid_from = self._handed = 0
        self._in_place = False                      # an in-place edit is pending: compute it on this thread
        self._timer = new_timer(self, "explorer-recompute", single_shot=True, interval_ms=0)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._worker = PipelineWorker(self)
        self._worker.finished.connect(self._on_worker_finished)

    def schedule(self) -> None:
        """Compute the inputs as they are now: work for the worker is handed over at once (it computes
        while the window repaints what the change changed; a job still waiting gives way to this one), the
        rest in the next event-loop turn (many requests -> one computation)."""
        if not self._in_place and not self._timer.isActive():
            try:
                work, compute = self._computation()
            except CnnExplorerError:
                work = 0                            # the next turn reports it
            if work >= self._min_work:
                self._hand_over(compute)
                return
        if not self._timer.isActive():
            self._timer.start()

    def run_now(self) -> None:
        """Compute now, on this thread (a pending request is flushed, a result still on the worker dropped)."""
        self._timer.stop()
        self._run_here(lambda: self._computation()[1]())

    def pixels_edited(self) -> None:
        """The image was edited in place: what the worker computes now read changing pixels (void), and
        the next computation runs on this thread."""
        self._in_place = True
        self._valid_from = self._job + 1
        self._worker.cancel()

    def is_busy(self) -> bool:
        """True while a computation is scheduled, or the outcome of the last one handed to the worker is not
        on show yet."""
        return self._timer.isActive() or self._handed > self._shown_job

    def stop(self) -> None:
        self._timer.stop()
        self._worker.stop()

    def _on_timer_timeout(self) -> None:
        try:
            work, compute = self._computation()
        except CnnExplorerError as exc:
            self._job += 1
            self._put(self._job, None, exc)
            return
        if work < self._min_work or self._in_place:
            self._run_here(compute)
            return
        self._hand_over(compute)

    def _hand_over(self, compute) -> None:
        self._job += 1
        self._handed = self._job
        self._worker.submit(self._job, compute)
        self.submitted.emit()

    def _run_here(self, compute) -> None:
        self._worker.cancel()
        self._in_place = False
        self._job += 1
        try:
            result = compute()
        except CnnExplorerError as exc:
            self._put(self._job, None, exc)
            return
        self._put(self._job, result, None)

    def _on_worker_finished(self, job: int, result, error) -> None:
        if job < self._valid_from or job <= self._shown_job:
            return                                  # void (its pixels changed) or older than what is shown
        if error is not None and not isinstance(error, CnnExplorerError):
            raise error                             # a bug: as loud as on the GUI thread
        self._put(job, result, error)

    def _put(self, job: int, result, error) -> None:
        self._shown_job = job
        self._show(result, error)
