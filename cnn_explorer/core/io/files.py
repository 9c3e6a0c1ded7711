"""Reading a file the user named, with one-line messages for every way it can fail."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"is {kind}, not a regular file; refused"


def check_regular_file(path: Path, what: str = "") -> int:
    """The size of ``path`` when it is a regular file (links followed); CnnExplorerError naming it otherwise.

    Never opens the file, so a FIFO, a device such as /dev/zero or a socket is refused
    without blocking: the window calls it before any read (ui/file_checks.py).
    """
    where = f"{what} {str(path)!r}" if what else str(path)
    try:
        st = os.stat(path)
    except ValueError:  # an embedded NUL: no such file
        raise CnnExplorerError(f"{where}: file not found") from None
    except FileNotFoundError:
        raise CnnExplorerError(f"{where}: file not found") from None
    except OSError as exc:
        if exc.errno in (errno.ENAMETOOLONG, errno.ENOTDIR):
            raise CnnExplorerError(f"{where}: file not found") from None
        raise CnnExplorerError(f"{where}: cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise CnnExplorerError(f"{where}: {_not_regular(st.st_mode)}")
    return st.st_size


def read_user_file(path: Path, what: str, *, allow_empty: bool = False) -> bytes:
    """The bytes of ``path``; CnnExplorerError "<what> '<path>': <reason>" when it is missing, a folder,
    unreadable or (unless ``allow_empty``: the caller has its own rule) empty.

    An empty ``what`` starts the messages with the bare path ("<path>: file not found").
    """
    where = f"{what} {str(path)!r}" if what else str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CnnExplorerError(f"{where}: file not found") from None
    except IsADirectoryError:
        raise CnnExplorerError(f"{where}: is a folder, not a file") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:  # no file can have that name
            raise CnnExplorerError(f"{where}: file not found") from None
        raise CnnExplorerError(f"{where}: cannot read ({exc.strerror or exc})") from None
    if not data and not allow_empty:
        raise CnnExplorerError(f"{where}: empty file (0 bytes)")
    return data


def read_user_text(path: Path, what: str) -> str:
    """The text of ``path`` (UTF-8, a byte-order mark dropped); CnnExplorerError as ``read_user_file``, or not UTF-8."""
    try:
        return read_user_file(path, what, allow_empty=True).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CnnExplorerError(f"{what} {str(path)!r}: not a text file (not UTF-8)") from None
