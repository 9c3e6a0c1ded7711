"""The colour bar beside each map, and the colour helpers the explorer's views share.

Maps are coloured with ``core.colormaps.DIVERGING_LUT`` over the symmetric range
[−m, m] so zero always sits at the centre of the bar (m = the largest |value|, or a
high percentile of them for robust contrast), or "as an image": grey, values clipped to
0..255 as a picture editor would save them.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.core.colormaps import DIVERGING_LUT, GREY_LUT, text_is_dark
from cnn_explorer.core.format import format_number
from cnn_explorer.ui.scale import scaled_font
from cnn_explorer.ui.theme import DARK_TEXT, LIGHT_TEXT


@functools.lru_cache(maxsize=1)
def diverging_lut() -> np.ndarray:
    """The core's diverging lookup table, (256, 3) uint8, read-only."""
    lut = np.ascontiguousarray(DIVERGING_LUT, dtype=np.uint8)
    lut.setflags(write=False)
    return lut


@functools.lru_cache(maxsize=1)
def diverging_lut_rgba32() -> np.ndarray:
    """The diverging LUT as (256,) uint32 words whose bytes are opaque R, G, B, A (any byte order)."""
    rgba = np.empty((256, 4), dtype=np.uint8)
    rgba[:, :3] = diverging_lut()
    rgba[:, 3] = 255
    words = rgba.view(np.uint32).reshape(256)
    words.setflags(write=False)
    return words


def diverging_index(values: np.ndarray, m: float) -> tuple[np.ndarray, np.ndarray | None]:
    """Each value's bin (uint8) of the 256-entry diverging LUT over [−m, m], binned exactly as pyqtgraph
    bins levels (−m, m); and the NaN cells' mask (None when there are none; their bin is 0)."""
    values = np.asarray(values)
    m = float(m) or 1.0
    scaled = np.subtract(values, -m, dtype=np.float64)
    scaled *= 256.0 / (2.0 * m)
    np.clip(scaled, 0.0, 255.0, out=scaled)
    nan = np.isnan(scaled)
    if nan.any():
        scaled[nan] = 0.0
        return scaled.astype(np.uint8), nan
    return scaled.astype(np.uint8), None


def _lookup(index: np.ndarray, nan: np.ndarray | None, lut_words: np.ndarray, words: np.ndarray) -> None:
    """words[...] = lut_words[index], NaN cells 0 (transparent) - one table lookup into ``words``."""
    np.take(lut_words, index, out=words, mode="clip")    # uint8 indices: always in range;
    # mode="raise" (the default) would colour into a scratch buffer and copy it over
    if nan is not None:
        words[nan] = 0


def _rgba_out(shape, out: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """An (H, W, 4) uint8 array (``out`` when it fits) and its (H, W) uint32 view, one word a pixel."""
    if out is None or out.shape != (*shape, 4):
        out = np.empty((*shape, 4), dtype=np.uint8)
    return out, out.view(np.uint32).reshape(shape)


def _argb_out(shape, out: np.ndarray | None) -> np.ndarray:
    return out if out is not None and out.shape == tuple(shape) and out.dtype == np.uint32 \
        else np.empty(shape, np.uint32)


def diverging_rgba(values: np.ndarray, m: float, out: np.ndarray | None = None) -> np.ndarray:
    """Colour a 2-D map over [−m, m] as (H, W, 4) uint8 RGBA, binned exactly as pyqtgraph bins levels
    (−m, m) into a 256-entry LUT; NaN cells are transparent (as pyqtgraph draws them).

    ``out``: an (H, W, 4) uint8 array to reuse. One pass of float arithmetic and one table lookup,
    instead of pyqtgraph's per-paint rescale and colour-table conversion.
    """
    index, nan = diverging_index(values, m)
    out, words = _rgba_out(index.shape, out)
    _lookup(index, nan, diverging_lut_rgba32(), words)
    return out


@functools.lru_cache(maxsize=2)
def _argb32_words(grey: bool) -> np.ndarray:
    """The diverging (or grey) LUT as (256,) uint32 words 0xAARRGGBB, opaque: QImage's ARGB32 (premultiplied
    too, being opaque), the raster engine's own format, which it draws without converting."""
    rgb = (GREY_LUT if grey else diverging_lut()).astype(np.uint32)
    words = (np.uint32(255) << 24) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    words.setflags(write=False)
    return words


def diverging_argb32(values: np.ndarray, m: float, out: np.ndarray | None = None) -> np.ndarray:
    """``diverging_rgba``'s colours as (H, W) uint32 words 0xAARRGGBB (QImage.Format_ARGB32_Premultiplied;
    NaN 0: transparent). ``out``: an (H, W) uint32 array to reuse."""
    index, nan = diverging_index(values, m)
    out = _argb_out(index.shape, out)
    _lookup(index, nan, _argb32_words(False), out)
    return out


def grey_argb32(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``grey_rgba``'s colours as (H, W) uint32 words 0xAARRGGBB (NaN 0: transparent)."""
    values = np.asarray(values)
    index = grey_index(values)
    out = _argb_out(index.shape, out)
    nan = np.isnan(values)
    _lookup(index, nan if nan.any() else None, _argb32_words(True), out)
    return out


def argb32_to_rgba(words: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 R, G, B, A of (H, W) uint32 words 0xAARRGGBB."""
    words = np.asarray(words, dtype=np.uint32)
    out = np.empty((*words.shape, 4), np.uint8)
    for i, shift in enumerate((16, 8, 0, 24)):
        out[..., i] = (words >> shift) & 0xFF
    return out


@functools.lru_cache(maxsize=1)
def grey_lut_rgba32() -> np.ndarray:
    """The grey ramp (0 black .. 255 white) as (256,) uint32 words of opaque R, G, B, A bytes."""
    rgba = np.empty((256, 4), dtype=np.uint8)
    rgba[:, :3] = GREY_LUT
    rgba[:, 3] = 255
    words = rgba.view(np.uint32).reshape(256)
    words.setflags(write=False)
    return words


def grey_index(values: np.ndarray) -> np.ndarray:
    """Grey level of each value shown as an image: rounded and clipped to 0..255 (NaN -> 0), uint8."""
    level = np.rint(np.asarray(values, dtype=np.float64))
    np.clip(level, 0.0, 255.0, out=level)
    level[np.isnan(level)] = 0.0
    return level.astype(np.uint8)


def grey_rgba(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """A 2-D map as a grey picture, (H, W, 4) uint8 RGBA: 0 (or less) black, 255 (or more) white, NaN transparent."""
    values = np.asarray(values)
    index = grey_index(values)
    out, words = _rgba_out(index.shape, out)
    nan = np.isnan(values)
    _lookup(index, nan if nan.any() else None, grey_lut_rgba32(), words)
    return out


def finite_range(values: np.ndarray) -> tuple[float, float]:
    """(min, max) of the finite values; (0, 0) when there are none. Two passes, no copy, when all are finite."""
    values = np.asarray(values)
    if values.size == 0:
        return 0.0, 0.0
    lo, hi = float(values.min()), float(values.max())
    if math.isfinite(lo) and math.isfinite(hi):
        return lo, hi
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)


def lut_index(values: np.ndarray, m: float) -> np.ndarray:
    """Index into the 256-entry diverging LUT of each value over [−m, m], as pyqtgraph bins it."""
    scaled = np.nan_to_num(np.asarray(values, dtype=np.float64) / (m or 1.0), nan=0.0, posinf=1.0, neginf=-1.0)
    return np.clip(np.floor((scaled + 1.0) * 128.0), 0, 255).astype(np.intp)


def text_colors(rgb: np.ndarray) -> list[list[QColor]]:
    """For cell colours (rows, cols, 3) uint8: black or white text, whichever contrasts more (core's WCAG rule)."""
    dark = text_is_dark(np.asarray(rgb, dtype=np.uint8))
    return [[DARK_TEXT if d else LIGHT_TEXT for d in row] for row in dark]


#: how a tick text sits at its tick (made once: combining Qt flags in Python costs at every paint)
_LABEL_FLAGS = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
#: the widest tick text the colour bar always has room for (four digits and a minus sign)
RESERVED_LABEL = "−8888"


class ColorBar(QWidget):
    """A vertical bar of the diverging map from −m (bottom) to +m (top), zero in the middle,
    or in grey mode the grey ramp from 0 (black, bottom) to 255 (white, top).

    Ticks label the ends and the middle; small triangles mark where the map's actual
    minimum and maximum fall (pinned to an end when the colours clip them).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._m = 1.0
        self._lo = 0.0
        self._hi = 0.0
        self._grey = False
        self._scale = 1.0
        self._image: QImage | None = None
        self._ramp_cache: tuple | None = None      # (key, the ramp with its frame and ticks)
        self._layout: tuple | None = None          # what painting needs besides the numbers (_paint_layout)
        self._span: tuple[float, float] | None = None
        self._metrics: tuple | None = None       # (generation, font, metrics, RESERVED_LABEL's width)
        self._metrics_made = 0                   # generations of _metrics so far (a new font or scale: one more)
        self._labels: tuple[str, str, str] | None = None
        self._width_key: tuple | None = None      # (labels, metrics) of the tick width kept in _width
        self._width = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    def set_range(self, m: float, lo: float, hi: float, *, grey: bool = False) -> None:
        """Bar from −m to m (``grey``: the grey ramp 0..255, m ignored); data minimum ``lo`` and maximum ``hi``."""
        new = (float(m), float(lo), float(hi), bool(grey))
        if new == (self._m, self._lo, self._hi, self._grey):
            return
        old_width = self._label_width(self.labels())
        if new[3] != self._grey:
            self._image = None
            self._layout = None
        self._m, self._lo, self._hi, self._grey = new
        self._labels = None
        if self._label_width(self.labels()) != old_width:
            self.updateGeometry()           # a relayout only when the tick texts need another width
        self.update()

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        self._metrics = None
        self.updateGeometry()
        self._forget_layout()

    def set_span(self, top: float, bottom: float) -> None:
        """Draw the bar between these heights (the map's top and bottom on screen); default: full height."""
        span = (float(top), float(bottom))
        if span != self._span:
            self._span = span
            self._forget_layout()

    def is_grey(self) -> bool:
        return self._grey

    def labels(self) -> tuple[str, str, str]:
        """Top, middle and bottom tick texts."""
        if self._labels is None:        # asked for at every set_range, size hint and paint: formatted once
            if self._grey:
                self._labels = ("255", "128", "0")
            else:
                self._labels = (format_number(self._m, "cell"), "0", format_number(-self._m, "cell"))
        return self._labels

    def _font(self) -> QFont:
        return scaled_font(self.font(), 10, self._scale, 8)

    def _label_width(self, labels: tuple[str, ...]) -> float:
        """Pixels the tick texts get: room for at least ``RESERVED_LABEL`` so that typing, which
        changes the numbers at every key, does not change the bar's width and re-lay out the maps."""
        _font, fm, reserved = self._font_metrics()
        key = (labels, self._metrics[0])      # the font and scale the metrics are for (their generation)
        if key != self._width_key:      # the size hint, set_range and the panel's layout ask again and again
            self._width_key = key
            self._width = max(reserved, fm.horizontalAdvance(labels[0]), fm.horizontalAdvance(labels[2]))
        return self._width

    def _font_metrics(self) -> tuple[QFont, QFontMetricsF, float]:
        """The tick font, its metrics and RESERVED_LABEL's width, kept until the font or the scale changes
        (a kernel edit asks for them several times per map; asking the font for its key each time cost
        more than the rest)."""
        if self._metrics is None:
            font = self._font()
            fm = QFontMetricsF(font)
            self._metrics_made += 1
            self._metrics = (self._metrics_made, font, fm, fm.horizontalAdvance(RESERVED_LABEL))
        return self._metrics[1:]

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FontChange:
            self._metrics = None
            self.updateGeometry()
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._layout = None
        super().changeEvent(event)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        text_w = self._label_width(self.labels())
        return QSize(int(12 * self._scale + 8 * self._scale + text_w + 4), int(120 * self._scale))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = self.sizeHint()
        return QSize(hint.width(), int(40 * self._scale))

    def _bar_image(self) -> QImage:
        if self._image is None:
            lut = (GREY_LUT if self._grey else diverging_lut())[::-1]      # top of the bar = +m (255)
            rgba = np.empty((256, 1, 4), dtype=np.uint8)
            rgba[:, 0, :3] = lut
            rgba[:, 0, 3] = 255
            self._rgba = np.ascontiguousarray(rgba)
            # Converted once to the raster engine's native format (drawn without conversion at every paint).
            self._image = QImage(self._rgba.data, 1, 256, 4, QImage.Format.Format_RGBA8888).convertToFormat(
                QImage.Format.Format_ARGB32_Premultiplied)
        return self._image

    def _bar_rect(self, fm: QFontMetricsF) -> QRectF:
        """Where the colour ramp is drawn: beside the map (``set_span``), or the whole height when that is too short."""
        pad = fm.height() / 2 + 1
        top, bottom = self._span if self._span is not None else (0.0, float(self.height()))
        top, bottom = max(top, pad), min(bottom, self.height() - pad)
        if bottom - top < 3 * fm.height():           # too short to read: use the whole height
            top, bottom = pad, self.height() - pad
        return QRectF(2, top, 12 * self._scale, max(1.0, bottom - top))

    def _ramp(self, bar: QRectF, text_color) -> QPixmap:
        """The ramp, its frame and tick marks, drawn once per size, span and colours (a kernel edit changes only
        the numbers and the triangles, painted over it)."""
        dpr = self.devicePixelRatioF()
        key = (self.size(), dpr, bar, self._grey, self._scale, self.palette().mid().color().rgba(), text_color.rgba())
        if self._ramp_cache is None or self._ramp_cache[0] != key:
            pixmap = QPixmap(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
            pixmap.setDevicePixelRatio(dpr)
            pixmap.fill(Qt.GlobalColor.transparent)
            p = QPainter(pixmap)
            try:
                p.drawImage(bar, self._bar_image())
                p.setPen(QPen(self.palette().mid().color(), 1))
                p.drawRect(bar)
                p.setPen(text_color)
                for y in (bar.top(), bar.center().y(), bar.bottom()):
                    p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 3 * self._scale, y))
            finally:  # a painter left active on a pixmap that is then freed crashes the process
                p.end()
            self._ramp_cache = (key, pixmap)
        return self._ramp_cache[1]

    def _paint_layout(self) -> tuple:
        """(font, ramp pixmap, text colour, the three tick texts' rectangles, the bar, the marker triangle at
        y = 0), kept until the size, span, scale, font, palette or colours change: a kernel edit only moves
        the triangles and changes the numbers."""
        dpr = self.devicePixelRatioF()
        if self._layout is None or self._layout[0] != dpr:
            font, fm, _reserved = self._font_metrics()
            bar = self._bar_rect(fm)
            text_color = self.palette().windowText().color()
            x_text = bar.right() + 7 * self._scale
            rects = tuple(QRectF(x_text, y - fm.height() / 2, self.width() - x_text, fm.height())
                          for y in (bar.top(), bar.center().y(), bar.bottom()))
            s = 4 * self._scale
            x = bar.right() + 1
            triangle = QPolygonF([QPointF(x, 0.0), QPointF(x + s * 1.4, -s), QPointF(x + s * 1.4, s)])
            self._layout = (dpr, font, self._ramp(bar, text_color), text_color, rects, bar, triangle)
        return self._layout[1:]

    def _forget_layout(self) -> None:
        self._layout = None
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._layout = None
        super().resizeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        font, ramp, text_color, rects, bar, triangle = self._paint_layout()
        p = QPainter(self)
        p.setFont(font)
        p.drawPixmap(0, 0, ramp)
        p.setPen(text_color)
        for rect, text in zip(rects, self.labels()):
            p.drawText(rect, _LABEL_FLAGS, text)
        # Where the data's minimum and maximum fall on the bar.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setBrush(text_color)
        for value in (self._lo, self._hi):
            if self._grey:
                frac = 1.0 - max(0.0, min(1.0, value / 255.0))
            else:
                frac = 0.5 - 0.5 * max(-1.0, min(1.0, value / self._m)) if self._m else 0.5
            p.drawPolygon(triangle.translated(0.0, bar.top() + frac * bar.height()))
        p.end()
