"""Progress on stderr for long commands: one line redrawn in place on a terminal."""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

ERASE_LINE = "\r\033[K"  # back to the line's start, then clear it: a shorter text leaves nothing behind
_NOTHING_SHOWN = object()


class ProgressLine:
    """A progress line on ``stream`` (stderr by default), redrawn in place when it is a terminal.

    Elsewhere (a pipe, a log file) each shown text becomes a line of its own
    when ``plain`` is true, and nothing is written otherwise. ``show`` skips a
    text whose ``key`` equals the last shown one, and one that comes less than
    ``min_interval_s`` after the last unless ``force``.
    """

    def __init__(self, stream: TextIO | None = None, *, plain: bool = True, min_interval_s: float = 0.0) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.tty = self.stream.isatty()
        self.plain = plain
        self.min_interval_s = min_interval_s
        self._key: object = _NOTHING_SHOWN
        self._shown_at = -math.inf
        self._open = False  # a line drawn in place that no newline or erase ended yet

    def show(self, text: str, *, key: object = None, force: bool = False) -> bool:
        """Show ``text``; False when it was skipped (see the class)."""
        if not (self.tty or self.plain):
            return False
        if key is not None and key == self._key:
            return False
        now = time.monotonic()
        if not force and now - self._shown_at < self.min_interval_s:
            return False
        self._key, self._shown_at = key, now
        if self.tty:
            self.stream.write(ERASE_LINE + text)
            self._open = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        return True

    def end(self) -> None:
        """Keep the line drawn in place and move below it; the next ``show`` starts a new one."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
            self._key = _NOTHING_SHOWN

    def clear(self) -> None:
        """Erase the line drawn in place, so ordinary output can take its place."""
        if self._open:
            self.stream.write(ERASE_LINE)
            self.stream.flush()
            self._open = False


def bar(done: float, total: float, width: int = 24) -> str:
    """``done`` of ``total`` as ``#`` then ``-``, ``width`` characters: bar(2, 8, 8) == '##------'."""
    filled = int(width * done / total)
    return "#" * filled + "-" * (width - filled)


class DownloadProgress:
    """The ``progress(done, total, message)`` callback of core's downloads: megabytes on stderr.

    A terminal sees one line redrawn at each whole percent; elsewhere a line is
    printed at each quarter. With no known total, at each whole megabyte.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.line = ProgressLine(stream)

    def __call__(self, done: int, total: int | None, message: str) -> None:
        mb = done / 1e6
        if not total:
            self.line.show(f"{message}: {mb:.1f} MB", key=int(mb))
            return
        pct = int(100 * done / total)
        shown = self.line.show(f"{message}: {mb:.1f} / {total / 1e6:.1f} MB ({pct}%)",
                               key=pct if self.line.tty else pct // 25 * 25)
        if shown and done >= total:
            self.line.end()
