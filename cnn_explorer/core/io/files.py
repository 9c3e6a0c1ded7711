"""Reading a file the user named, with one-line messages for every way it can fail."""

from __future__ import annotations

import errno
from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError


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
