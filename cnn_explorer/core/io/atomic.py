"""Atomic writes: a temporary file beside the target, complete and on disk, then renamed over it.

Every write of a user's file goes through here, so an interruption (Ctrl+C, a
SIGTERM, a full disk, a kill) leaves the previous file as it was and no
temporary file behind. Each failure becomes one CnnExplorerError naming the
user's file (never the temporary one) and saying that it was not changed.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError

#: bytes handed to one os.write call: a full disk fails part-way through a large file, as it does for real
CHUNK = 1 << 16
#: how the libraries that write for us (safetensors, Pillow) word a full disk when they do not raise OSError
_DISK_FULL_WORDS = ("no space left", "storagefull", "disk full", "os error 28", "code: 28")
#: every temporary name starts with "." and ends with this, so a clean-up can find strays
TEMP_SUFFIX = ".tmp"


def _new_temp(target: Path) -> Path:
    """An empty new file beside ``target``, with the permissions a plain new file gets (the umask applies)."""
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise CnnExplorerError(f"{target.parent}: cannot create a temporary file")


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` (an OSError or a library's own error) says the disk or quota is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG):
        return True
    text = str(exc).lower()
    return any(words in text for words in _DISK_FULL_WORDS)


def _is_write_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) or type(exc).__name__ == "SafetensorError" or is_disk_full(exc)


def write_failure(target: Path, exc: BaseException, *, after: bool = True) -> CnnExplorerError:
    """The one message for a write of ``target`` that failed with ``exc``: why, and (``after``) that nothing changed."""
    unchanged = ("was not changed" if target.exists() else "was not written") if after else ""
    if is_disk_full(exc):
        return CnnExplorerError(f"the disk is full: {target} {unchanged}".rstrip())
    if isinstance(exc, PermissionError) or getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM):
        reason = "permission denied (the folder or file is protected)"
    elif isinstance(exc, FileNotFoundError) and not target.parent.is_dir():
        reason = f"the folder {target.parent} does not exist"
    elif getattr(exc, "errno", None) == errno.EROFS:
        reason = "the disk is read-only"
    elif isinstance(exc, OSError):
        reason = exc.strerror or " ".join(str(exc).split())[:120]
    else:
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
    return CnnExplorerError(f"cannot write {target}: {reason}" + (f"; it {unchanged}" if unchanged else ""))


def check_writable(target: Path, what: str = "output", *, create_folders: bool = False) -> None:
    """Refuse at once (before any long work) a ``target`` whose folder is missing, not a folder or not writable.

    Creates and removes one temporary file, the same way the final write will, so
    a read-only disk or a protected folder is found now. With ``create_folders``
    a missing folder is fine when the nearest existing one above it is writable
    (the write will create it).
    """
    target = Path(target)
    folder = target.parent
    if target.is_dir():
        raise CnnExplorerError(f"{what}: {target} is a folder")
    probe = target
    if create_folders:
        while not probe.parent.exists() and probe.parent != probe.parent.parent:
            probe = probe.parent
        folder = probe.parent
    if not folder.exists():
        raise CnnExplorerError(f"{what}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise CnnExplorerError(f"{what}: {folder} is not a folder")
    try:
        _new_temp(probe).unlink()
    except OSError as exc:
        raise CnnExplorerError(f"{what}: {write_failure(probe, exc, after=False)}") from None


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` in chunks (os.write may write fewer bytes than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:CHUNK])
        view = view[written:]


def fill(tmp: Path, data: bytes) -> None:
    """Write ``data`` over the temporary file ``tmp`` and flush it to the disk (for a ``write`` callback)."""
    fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_BINARY", 0))
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_file(tmp: Path) -> None:
    """Flush a file a library wrote to the disk, so the rename never publishes an empty file after a crash."""
    fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make the renames durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(target: Path, write) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``target``, then rename it over ``target``."""
    atomic_write_all([(target, write)])


def atomic_write_bytes(target, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (see the module); its folder must exist."""
    atomic_write_all([(Path(target), bytes(data))], create_folders=False)


def atomic_write_text(target, text: str) -> None:
    """Write ``text`` as UTF-8 to ``target`` atomically (see the module); its folder must exist."""
    atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_all(jobs, *, create_folders: bool = True) -> None:
    """Write every ``(target, write)`` to a temporary file beside its target, then rename them all.

    ``write`` is either the bytes to write or a function called with the
    temporary path. The renames come only after every file is complete and on
    disk, so an interruption (Ctrl+C, a full disk) leaves the previous files
    untouched and no temporary file behind. A failure raises CnnExplorerError
    naming the target (see ``write_failure``); Ctrl+C and CnnExplorerError pass
    through unchanged.
    """
    temps: list[tuple[Path, Path]] = []
    target = None
    try:
        for target, write in jobs:
            target = Path(target)
            if create_folders:
                target.parent.mkdir(parents=True, exist_ok=True)
            tmp = _new_temp(target)
            temps.append((tmp, target))
            if isinstance(write, (bytes, bytearray, memoryview)):
                fill(tmp, bytes(write))
            else:
                write(tmp)
                _sync_file(tmp)
        for tmp, target in temps:
            os.replace(tmp, target)
        for folder in {t.parent for _, t in temps}:
            _sync_folder(folder)
    except (CnnExplorerError, KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # an OSError, or a library's own error (safetensors' SafetensorError) for a full disk
        if target is None or not _is_write_error(exc):
            raise
        raise write_failure(target, exc) from None
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
