"""Atomic writes: a temporary file beside the target, complete and flushed, then renamed over it.

Every write of a user's file goes through here, so an interruption (Ctrl+C, a full
disk, a kill) leaves the previous file as it was and no temporary file behind.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError


def atomic_write(target: Path, write) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``target``, then rename it over ``target``."""
    atomic_write_all([(target, write)])


def _new_temp(target: Path) -> Path:
    """An empty new file beside ``target``, with the permissions a plain new file gets (the umask applies)."""
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise CnnExplorerError(f"{target.parent}: cannot create a temporary file")


def atomic_write_all(jobs) -> None:
    """Write every ``(target, write)`` to a temporary file beside its target, then rename them all.

    The renames come only after every file is complete, so an interruption
    (Ctrl+C, a full disk) leaves the previous files untouched and no temporary
    file behind.
    """
    temps: list[tuple[Path, Path]] = []
    try:
        for target, write in jobs:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = _new_temp(target)
            temps.append((tmp, target))
            write(tmp)
        for tmp, target in temps:
            os.replace(tmp, target)
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
