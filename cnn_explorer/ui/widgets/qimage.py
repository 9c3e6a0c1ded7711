"""QImage <-> bytes for core's picture loader (pasted and dropped pictures go through one loader)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage


def png_bytes(image: QImage) -> bytes:
    """A QImage encoded as PNG (lossless, alpha kept), for core's picture loader."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    data = bytes(buffer.data())
    buffer.close()
    return data
