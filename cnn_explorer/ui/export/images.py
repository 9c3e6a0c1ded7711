"""Saving a rendered QImage to a user's file, atomically (a failed or cancelled save leaves no file)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.atomic import atomic_write

#: picture types a QImage is saved as, by suffix
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".webp": "WEBP"}


def save_image_atomic(image: QImage, path, fmt: str | None = None) -> None:
    """Write ``image`` to ``path`` in ``fmt`` (default: from the suffix) through a temporary file."""
    out = Path(path)
    fmt = fmt or IMAGE_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise CnnExplorerError(f"output file {str(out)!r}: unsupported picture type; use "
                               + ", ".join(sorted(set(IMAGE_FORMATS))))

    def write(tmp: Path) -> None:
        if not image.save(str(tmp), fmt):
            raise CnnExplorerError(f"output file {str(out)!r}: cannot write")

    atomic_write(out, write)
