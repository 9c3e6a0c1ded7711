"""Before the window reads a file the user named (Open, paste, drop, Load kernel, Load model, a dataset folder).

Only ``os.stat`` runs here, on the GUI thread: it never blocks, so a FIFO, a device such as
/dev/zero or a socket is refused at once instead of freezing the window, and a file too
large to read in a moment is refused before a byte of it is read. The readers in core
then check again and cap what they read.
"""

from __future__ import annotations

import os
from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError, excerpt
from cnn_explorer.core.io.files import check_regular_file

#: the largest picture or grid file the window opens (a 100-megapixel TIFF is about 300 MB)
MAX_PICTURE_BYTES = 512 * 1024**2
#: the largest kernel or lesson text file the window opens
MAX_TEXT_BYTES = 16 * 1024**2


def _size(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


def check_file(path: str | Path, what: str = "", *, limit: int = MAX_PICTURE_BYTES) -> Path:
    """``path`` as a Path when it is a regular file of at most ``limit`` bytes; CnnExplorerError naming it otherwise."""
    path = Path(os.path.expanduser(str(path)))
    size = check_regular_file(path, what)
    if size > limit:
        where = f"{what} {str(path)!r}" if what else str(path)
        raise CnnExplorerError(f"{where}: the file is {_size(size)}; the window opens files up to {_size(limit)}")
    return path


def check_model_path(path_or_name: str | Path) -> str | Path:
    """``path_or_name`` back when it is a folder, a regular file (a .json or .safetensors) or no path (a name)."""
    text = str(path_or_name)
    path = Path(os.path.expanduser(text))
    try:
        if path.is_dir():
            return path_or_name
        exists = os.path.lexists(path)
    except (OSError, ValueError):
        raise CnnExplorerError(f"model {excerpt(text)}: no model there") from None
    if exists:
        check_file(path, "model", limit=4 * 1024**3)
    return path_or_name


def check_folder(path: str | Path, what: str = "folder") -> Path:
    """``path`` as a Path when it is a folder; CnnExplorerError naming it otherwise (a FIFO is never opened)."""
    path = Path(os.path.expanduser(str(path)))
    try:
        if path.is_dir():
            return path
        exists = os.path.lexists(path)
    except (OSError, ValueError):
        exists = False
    reason = "is not a folder" if exists else "not found"
    raise CnnExplorerError(f"{what} {excerpt(str(path))}: {reason}")
