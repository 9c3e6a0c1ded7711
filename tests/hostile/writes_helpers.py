"""Shared helpers for the hostile write tests: a fake full disk, a fake read-only folder, a folder's snapshot.

The tests run as any user (root ignores a folder's permissions) and need no tmpfs:
the disk and the folder are faked with monkeypatch at the os level, where every
atomic write (core/io/atomic.py) passes.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too: a stray temporary file shows), by relative name, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def fill_disk_after(monkeypatch, limit: int) -> list[int]:
    """From now on the disk holds only ``limit`` more bytes: os.write writes up to that, then raises ENOSPC.

    Returns a list that collects the sizes written, so a test can check the
    failure came part-way through a file (not before its first byte).
    """
    real_write = os.write
    written: list[int] = []

    def write(fd, data):
        left = limit - sum(written)
        if left <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real_write(fd, bytes(data[:left]))
        written.append(n)
        return n

    monkeypatch.setattr(os, "write", write)
    return written


def make_read_only(monkeypatch, folder: Path) -> None:
    """Creating a file in ``folder`` fails with EACCES, as in a folder the user may not write to."""
    real_open = os.open
    folder = Path(folder).resolve()

    def fake_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(path).resolve().parent == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)


def stray_temporaries(folder: Path) -> list[str]:
    """Temporary files an atomic write left behind (there must be none)."""
    return sorted(p.name for p in Path(folder).rglob(".*.tmp"))
