"""Export jobs: a generator of :class:`ExportProgress` records, run on a worker with a progress dialog.

An export is a generator ``job(cancel)`` that yields progress records and writes its file at
the end through ``core/io/atomic.py``; :func:`run_to_end` drives it on the calling thread (the
command line), :class:`ExportRunner` on a :class:`~cnn_explorer.ui.workers.GeneratorWorker`
with a window-modal progress dialog and Cancel (the window). A cancelled or failed job
leaves no file behind.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Iterator

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from cnn_explorer.ui.lifecycle import is_alive
from cnn_explorer.ui.workers import GeneratorWorker


@dataclass(frozen=True)
class ExportProgress:
    """``done`` of ``total`` units (frames, pages) and what is happening; ``final`` for the last record
    (``text`` then says what was written)."""

    done: int
    total: int
    text: str
    final: bool = False


Job = Callable[[threading.Event], Iterator[ExportProgress]]


def run_to_end(job: Job, on_progress: Callable[[ExportProgress], None] | None = None) -> ExportProgress:
    """Run ``job`` on this thread; returns its last record."""
    last = ExportProgress(0, 0, "")
    for record in job(threading.Event()):
        last = record
        if on_progress is not None:
            on_progress(record)
    return last


class ExportRunner(QObject):
    """Runs one export job on a worker thread, with a progress dialog over ``parent`` and Cancel.

    ``finished(ok, message)``: ok with the final record's text (what was written); ok with
    "cancelled" after Cancel; not ok with the error's one line.
    """

    finished = Signal(bool, str)

    def __init__(self, parent: QWidget, title: str, job: Job) -> None:
        super().__init__(parent)
        self._final = ""
        self._done = False
        self.dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.worker = GeneratorWorker(job, self, max_rate_hz=20.0, always=lambda r: r.final, name="export")
        self.worker.progressed.connect(self._on_worker_progressed)
        self.worker.finished.connect(self._on_worker_finished)
        self.dialog.canceled.connect(self.cancel)

    def start(self) -> None:
        self.dialog.show()
        self.worker.start()

    def is_running(self) -> bool:
        return self.worker.is_running()

    def cancel(self) -> None:
        """Stop at the next frame or page (within a fraction of a second); nothing is written."""
        if is_alive(self.dialog) and not self._done:
            self.dialog.setLabelText("Cancelling…")
        self.worker.cancel()

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for the worker (the window is closing)."""
        return self.worker.wait(timeout_ms)

    def _on_worker_progressed(self, record: ExportProgress) -> None:
        if record.final:
            self._final = record.text
            return
        if self._done or not is_alive(self.dialog):
            return
        if not self.worker.cancel_event.is_set():
            self.dialog.setLabelText(record.text)
        if self.dialog.maximum() != record.total:
            self.dialog.setMaximum(max(0, record.total))
        # Last: a window-modal QProgressDialog processes events in setValue, where the job may end
        # and the dialog go (see _on_worker_finished).
        self.dialog.setValue(min(record.done, record.total))

    def _on_worker_finished(self, ok: bool, message: str) -> None:
        self._done = True
        if is_alive(self.dialog):
            self.dialog.hide()
            self.dialog.deleteLater()
        if self.worker.cancel_event.is_set():     # however the job stopped, Cancel means nothing was written
            ok, message = True, "cancelled"
        self.finished.emit(ok, message if (message or not ok) else self._final)
