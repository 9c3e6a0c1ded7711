"""Numpy pictures -> QImage, a heat colour map for overlays, and ImageView, a widget that shows one picture.

Arrays are row-major ``(H, W)`` or ``(H, W, 3)``; floats are on a 0..1 scale.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.core.io.images import image_from_bytes
from cnn_explorer.ui import theme
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.widgets.qimage import png_bytes

#: "inferno"-like anchors (position, RGB): black -> purple -> orange -> light yellow.
_HEAT = np.array([
    (0.00, (0, 0, 4)), (0.25, (87, 16, 110)), (0.50, (188, 55, 84)),
    (0.75, (249, 142, 9)), (1.00, (252, 255, 164)),
], dtype=object)
_POS = np.array([a[0] for a in _HEAT], np.float64)
_RGB = np.array([a[1] for a in _HEAT], np.float64)
HEAT_LUT = np.stack([np.interp(np.linspace(0, 1, 256), _POS, _RGB[:, k]) for k in range(3)], axis=1).round().astype(np.uint8)


def to_uint8(a: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Scale ``lo..hi`` to 0..255 (clipped) as uint8."""
    span = hi - lo if hi > lo else 1.0
    return np.clip((np.asarray(a, np.float32) - lo) * (255.0 / span), 0, 255).round().astype(np.uint8)


def heat_rgb(a: np.ndarray) -> np.ndarray:
    """A 0..1 map -> (H, W, 3) uint8 on the heat colour map."""
    return HEAT_LUT[to_uint8(a)]


def seen_rgb(seen: np.ndarray) -> np.ndarray:
    """What the network sees (H, W) or (H, W, C) 0..1 -> (H, W, 3) uint8."""
    s = np.asarray(seen, np.float32)
    if s.ndim == 3 and s.shape[2] == 1:
        s = s[..., 0]
    if s.ndim == 2:
        return np.repeat(to_uint8(s)[..., None], 3, axis=2)
    if s.shape[2] >= 3:
        return to_uint8(s[..., :3])
    return np.repeat(to_uint8(s.mean(axis=2))[..., None], 3, axis=2)


def overlay_rgb(seen: np.ndarray, heat: np.ndarray, opacity: float = 0.6) -> np.ndarray:
    """The input in grey with a heat map blended on top: ``opacity`` x heat colour, weighted by the heat too."""
    base = seen_rgb(seen).astype(np.float32)
    base = base.mean(axis=2, keepdims=True) * 0.85
    colour = heat_rgb(heat).astype(np.float32)
    w = float(opacity) * np.clip(np.asarray(heat, np.float32), 0, 1)[..., None] ** 0.7
    return np.clip(base * (1 - w) + colour * w, 0, 255).astype(np.uint8)


def rgb_qimage(rgb: np.ndarray) -> QImage:
    """(H, W, 3) uint8 -> an independent QImage (RGB888)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ImageView(QWidget):
    """Shows one picture as large as fits, square pixels, nearest neighbour (or smooth), with a thin frame."""

    def __init__(self, parent: QWidget | None = None, *, minimum: int = 84, smooth: bool = False,
                 name="picture", values=None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._array: np.ndarray | None = None
        self._placeholder = ""
        self._smooth = smooth
        self._minimum = minimum
        self.setMinimumSize(QSize(minimum, minimum))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        install_figure_export(self, name, values=values)

    def set_rgb(self, rgb: np.ndarray | None, placeholder: str = "") -> None:
        """Show ``rgb`` (H, W, 3) uint8; None shows ``placeholder`` text instead."""
        self._array = None if rgb is None else np.asarray(rgb)
        self._image = None if rgb is None else rgb_qimage(rgb)
        self._placeholder = placeholder
        self.update()

    def rgb(self) -> np.ndarray | None:
        """The picture shown (H, W, 3) uint8, or None."""
        return self._array

    def set_minimum_side(self, side: int) -> None:
        self.setMinimumSize(QSize(side, side))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self._minimum * 2, self._minimum * 2)

    def heightForWidth(self, w: int) -> int:  # noqa: N802 - Qt API
        return w

    def target_rect(self) -> QRectF:
        """Where the picture is drawn (widget coordinates)."""
        if self._image is None:
            return QRectF(self.rect())
        iw, ih = self._image.width(), self._image.height()
        cell = min((self.width() - 2) / iw, (self.height() - 2) / ih)
        if cell >= 2 and not self._smooth:
            cell = float(int(cell))
        w, h = cell * iw, cell * ih
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self._image is None:
            p.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
        else:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._smooth)
            rect = self.target_rect()
            p.drawImage(rect, self._image)
            p.setPen(QPen(theme.GRID_LINE, 1))
            p.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))
        p.end()


def picture_from_qimage(image: QImage, name: str = "pasted picture") -> np.ndarray:
    """A QImage (e.g. from the clipboard) -> (H, W, 3) uint8 RGB through core's loader (transparency on white)."""
    return image_from_bytes(png_bytes(image), name, mode="rgb").array.astype(np.uint8)
