"""Reading a file the user named, with one-line messages for every way it can fail.

Every reader of a user's file (pictures, grids, kernels, specs, models, datasets) comes
through here first: a path that is not a regular file (a FIFO, a device such as
/dev/zero, a socket, a folder) is refused before it is opened for reading, so nothing
blocks, and every read is capped (at most ``limit + 1`` bytes are read).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from cnn_explorer.core.errors import CnnExplorerError

#: the most bytes any one user file may hold (a CIFAR batch is 31 MB, a 100-megapixel TIFF under 1 GB)
MAX_FILE_BYTES = 1024**3
#: the most bytes a text file (kernel, spec, grid, class list, JSON) may hold
MAX_TEXT_BYTES = 64 * 1024**2

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _where(path: Path, what: str) -> str:
    return f"{what} {str(path)!r}" if what else str(path)


def _not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"is {kind}, not a regular file; refused"


def _os_error(where: str, exc: OSError) -> CnnExplorerError:
    if isinstance(exc, FileNotFoundError) or exc.errno in (errno.ENAMETOOLONG, errno.ENOTDIR):
        return CnnExplorerError(f"{where}: file not found")  # ENAMETOOLONG: no file can have that name
    if isinstance(exc, IsADirectoryError):
        return CnnExplorerError(f"{where}: is a folder, not a file")
    if exc.errno == errno.ENXIO:  # opening a socket
        return CnnExplorerError(f"{where}: is a socket, not a regular file; refused")
    if exc.errno == errno.ELOOP:
        return CnnExplorerError(f"{where}: a symbolic link that points to itself")
    return CnnExplorerError(f"{where}: cannot read ({exc.strerror or exc})")


def size_text(n: int) -> str:
    """Bytes as a person reads them: ``512 bytes``, ``3.2 MB``, ``1.5 GB``."""
    if n < 1000:
        return f"{n} bytes"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"  # pragma: no cover


def check_regular_file(path: Path, what: str = "") -> int:
    """The size of ``path`` when it is a regular file (links followed); CnnExplorerError naming it otherwise.

    For readers that hand the path to a library (``np.load``, safetensors, torch): it never opens the file.
    """
    where = _where(path, what)
    try:
        st = os.stat(path)
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValueError):  # an embedded NUL: no such file
            raise CnnExplorerError(f"{where}: file not found") from None
        raise _os_error(where, exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise CnnExplorerError(f"{where}: {_not_regular(st.st_mode)}")
    return st.st_size


def _too_big(where: str, limit: int) -> CnnExplorerError:
    return CnnExplorerError(f"{where}: the file is over {size_text(limit)}; refused as too large")


def open_user_file(path: Path, what: str = "", *, limit: int = MAX_FILE_BYTES) -> BinaryIO:
    """``path`` opened for binary reading, once it is known to be a regular file no larger than ``limit``.

    Opened without blocking (a FIFO swapped in after the check cannot hang the open) and checked
    again on the open descriptor. The caller still caps what it reads from a stream.
    """
    path = Path(path)
    where = _where(path, what)
    size = check_regular_file(path, what)
    if size > limit:
        raise _too_big(where, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _os_error(where, exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CnnExplorerError(f"{where}: {_not_regular(st.st_mode)}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_user_file(path: Path, what: str, *, allow_empty: bool = False, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``; CnnExplorerError "<what> '<path>': <reason>" when it is missing, a folder, not a
    regular file, over ``limit`` bytes, unreadable or (unless ``allow_empty``: the caller has its own rule) empty.

    An empty ``what`` starts the messages with the bare path ("<path>: file not found").
    """
    path = Path(path)
    where = _where(path, what)
    with open_user_file(path, what, limit=limit) as fh:
        try:
            # the size it has now, plus one byte to notice growth: read(n) reserves n bytes up front
            data = fh.read(min(os.fstat(fh.fileno()).st_size, limit) + 1)
            while data and len(data) <= limit:  # it grew since: read on, a chunk at a time, up to the cap
                more = fh.read(min(16 * 1024**2, limit + 1 - len(data)))
                if not more:
                    break
                data += more
        except OSError as exc:
            raise _os_error(where, exc) from None
    if len(data) > limit:  # it grew after the check
        raise _too_big(where, limit)
    if not data and not allow_empty:
        raise CnnExplorerError(f"{where}: empty file (0 bytes)")
    return data


def read_user_text(path: Path, what: str, *, limit: int = MAX_TEXT_BYTES) -> str:
    """The text of ``path`` (UTF-8, a byte-order mark dropped); CnnExplorerError as ``read_user_file``, or not UTF-8."""
    try:
        return read_user_file(path, what, allow_empty=True, limit=limit).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CnnExplorerError(f"{_where(Path(path), what)}: not a text file (not UTF-8)") from None
