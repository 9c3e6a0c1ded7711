"""SIGTERM (``kill``, a scheduler ending a job, a closed terminal's SIGHUP) handled as Ctrl+C in every sub-command.

The signal raises ``Terminated``, a KeyboardInterrupt, in the main thread: what
Ctrl+C stops cleanly stops the same way (training writes nothing; an atomic
write being made removes its temporary file and leaves the previous file as it
was). The process then exits with 128 + the signal's number (143 for SIGTERM,
129 for SIGHUP), as a shell reports a process the signal ended; Ctrl+C keeps 130.
"""

from __future__ import annotations

import contextlib
import signal
import threading

#: the signals that stop a command as Ctrl+C does (SIGHUP is missing on Windows)
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(KeyboardInterrupt):
    """A stop signal arrived: unwinds like Ctrl+C; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(exc: KeyboardInterrupt) -> int:
    """128 + the signal's number for ``Terminated``, 130 (SIGINT) for Ctrl+C."""
    return 128 + (exc.signum if isinstance(exc, Terminated) else signal.SIGINT)


def stopped_by(exc: KeyboardInterrupt) -> str:
    """'interrupted' for Ctrl+C, 'stopped by SIGTERM' for a signal, as the one-line messages say it."""
    return f"stopped by {signal.Signals(exc.signum).name}" if isinstance(exc, Terminated) else "interrupted"


def _raise(signum, _frame) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def stop_signals_interrupt():
    """While inside, SIGTERM and SIGHUP raise ``Terminated`` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for sig in STOP_SIGNALS:
        if signal.getsignal(sig) == signal.SIG_IGN:  # nohup, or a parent that wants it ignored: keep that
            continue
        try:
            previous[sig] = signal.signal(sig, _raise)
        except (OSError, ValueError):  # pragma: no cover - a platform that refuses it
            continue
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
