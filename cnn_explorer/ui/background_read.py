"""One slow read (a large picture or grid file) on a worker thread, so the window keeps painting meanwhile.

``ui/file_checks.py`` has already refused what would block for good (a FIFO, a device, a
socket) and what is too large; what remains can still take seconds to decode, so it runs
here. One read at a time: a second request while one runs is refused with a message.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject

from cnn_explorer.ui.workers import GeneratorWorker

#: a file larger than this is read on a worker (decoding a 16 MB picture takes a noticeable moment)
BACKGROUND_BYTES = 16 * 1024**2


class BackgroundRead(QObject):
    """Runs ``read()`` on a worker; ``on_result(value)`` or ``on_error(message)`` follow on the GUI thread."""

    def __init__(self, parent: QObject | None = None, name: str = "file-reader") -> None:
        super().__init__(parent)
        self._name = name
        self._worker: GeneratorWorker | None = None

    def is_running(self) -> bool:
        return self._worker is not None and self._worker.is_running()

    def start(self, read: Callable[[], Any], on_result: Callable[[Any], None], on_error: Callable[[str], None]) -> bool:
        """Start ``read``; False (nothing started) while another read runs."""
        if self.is_running():
            return False

        def job(_cancel):
            yield read()

        worker = GeneratorWorker(job, self, name=self._name, always=lambda _record: True)
        worker.progressed.connect(on_result)
        worker.finished.connect(lambda ok, message: self._done(worker, ok, message, on_error))
        self._worker = worker
        worker.start()
        return True

    def _done(self, worker: GeneratorWorker, ok: bool, message: str, on_error: Callable[[str], None]) -> None:
        if self._worker is worker:
            self._worker = None
        worker.deleteLater()
        if not ok:
            on_error(message)

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Wait for a running read to end (a decode cannot be interrupted; its result is then dropped)."""
        worker = self._worker
        if worker is None:
            return True
        worker.progressed.disconnect()
        return worker.wait(timeout_ms)
