"""NetworkView: every layer's output for the current picture, as stacks of small maps and bar strips.

Conv blocks (conv -> BatchNorm -> ReLU) are shown once, at their final map, unless "every layer" is on.
Click a conv block's map to knock its filter out (again to bring it back); right-click for more (send the
filter to the explorer, visualise it, see its top patches, edit its weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.colormaps import DIVERGING_LUT, GREY_LUT, diverging_rgb, grey_rgb
from cnn_explorer.core.interpret import block_end, layer_kind, layers
from cnn_explorer.ui import theme
from cnn_explorer.ui.classify.pictures import rgb_qimage
from cnn_explorer.ui.explorer.colorbar import lut_index
from cnn_explorer.ui.export.figure_export import figure_export_of, install_figure_export

#: Kinds never shown on their own (they change nothing a viewer can see, or are shown as the bars).
_HIDDEN = {"dropout", "identity", "softmax"}
#: Kinds whose output is shown as a vector.
_VECTORS = {"dense", "flatten", "global_avg_pool", "global_max_pool"}


@dataclass(frozen=True)
class Section:
    """One row of the view: ``source`` is the layer whose output is shown; ``conv`` the conv it belongs to (or None)."""

    title: str
    source: str
    kind: str
    conv: str | None


def sections(model: Any, every_layer: bool = False) -> list[Section]:
    """The rows for ``model``: conv and dense blocks at their final output, pools...; ``every_layer``: each leaf."""
    leaves = [(n, layer_kind(m)) for n, m in layers(model)]
    out: list[Section] = []
    conv = None
    i = 0
    while i < len(leaves):
        name, kind = leaves[i]
        if kind == "conv2d":
            conv = name
        if every_layer:
            if kind not in ("softmax",):
                out.append(Section(f"{name} ({kind})", name, kind, conv if kind != "dense" else None))
            if kind not in ("conv2d", "relu", "leaky_relu", "sigmoid", "tanh", "batchnorm", "dropout", "identity"):
                conv = None
            i += 1
            continue
        if kind in ("conv2d", "dense"):
            end = block_end(model, name)
            j = [n for n, _ in leaves].index(end)
            chain = [n for n, k in leaves[i:j + 1] if k not in _HIDDEN]
            out.append(Section(" → ".join(chain), end, kind, name if kind == "conv2d" else None))
            i = j + 1
            continue
        if kind not in _HIDDEN:
            out.append(Section(f"{name} ({kind})", name, kind, None))
        i += 1
    return out


def stack_rgb(values: np.ndarray) -> np.ndarray:
    """Colour a stack (C, h, w) on one scale: (C, h, w, 3) uint8, grey 0..max when non-negative, else diverging."""
    v = np.nan_to_num(np.asarray(values, np.float32))
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
    if lo < 0:
        return DIVERGING_LUT[lut_index(v, max(-lo, hi))]
    idx = np.clip(v * np.float32(255.0 / max(hi, 1e-6)) + 0.5, 0, 255).astype(np.uint8)
    return GREY_LUT[idx]


class MapStack(QWidget):
    """A stack of feature maps (C, h, w) as a grid of small multiples; one colour scale for the whole stack.

    Grey (0 black .. max white) when non-negative, else diverging (blue - white - red); knocked-out maps
    crossed. Rendered once per update at an integer zoom (one image to paint): cheap repaints while drawing.
    """

    map_clicked = Signal(int)
    map_menu_requested = Signal(int, QPoint)

    #: px between maps
    GAP = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: np.ndarray | None = None
        self._rgb: np.ndarray | None = None
        self._image = None
        self._image_key: tuple = ()
        self._off: set[int] = set()
        self._scale = 1.0
        self.clickable = False
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # a clickable stack's own right-click menu on a map (the page's) holds Copy and Save as… too
        install_figure_export(self, "layer maps", values=lambda: self._values,
                              menu_at=lambda pos: not (self.clickable and self.index_at(pos) is not None))

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self._image_key = ()
        self._relayout()

    def set_values(self, values: np.ndarray) -> None:
        """``values``: (C, h, w) float32."""
        shape_changed = self._values is None or self._values.shape != values.shape
        self._values = values
        self._rgb = stack_rgb(values)
        self._image_key = ()
        if shape_changed:
            self._relayout()
        self.update()

    def set_knocked_out(self, channels: set[int]) -> None:
        if channels != self._off:
            self._off = set(channels)
            self.update()

    def count(self) -> int:
        return 0 if self._values is None else self._values.shape[0]

    def _zoom(self) -> int:
        """Screen px per map px: maps of 28 px show about 50 px wide at scale 1, small maps grow more."""
        if self._values is None:
            return 1
        side = max(self._values.shape[1:])
        target = (50 if side >= 20 else 40 if side >= 10 else 26) * self._scale
        return max(1, round(target / side))

    def _grid(self, width: int) -> tuple[int, int, int]:
        """(columns, cell width, cell height) in px for a widget ``width`` px wide."""
        _, h, w = self._values.shape
        z = self._zoom()
        cw, ch = w * z, h * z
        cols = max(1, min(self.count(), (width - 2 + self.GAP) // (cw + self.GAP)))
        return cols, cw, ch

    def _relayout(self) -> None:
        self.updateGeometry()
        self.setFixedHeight(self.heightForWidth(max(self.width(), 200)))
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        h = self.heightForWidth(self.width())
        if h != self.height():
            self.setFixedHeight(h)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        if self._values is None:
            return 10
        cols, _, ch = self._grid(width)
        rows = math.ceil(self.count() / cols)
        return rows * (ch + self.GAP) + 2

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(400, self.heightForWidth(400))

    def cell_rect(self, index: int) -> QRectF:
        """Where map ``index`` is drawn (widget coordinates)."""
        cols, cw, ch = self._grid(self.width())
        r, c = divmod(index, cols)
        return QRectF(1 + c * (cw + self.GAP), 1 + r * (ch + self.GAP), cw, ch)

    def index_at(self, pos) -> int | None:
        if self._values is None:
            return None
        cols, cw, ch = self._grid(self.width())
        x, y = pos.x() - 1, pos.y() - 1
        c, r = int(x // (cw + self.GAP)), int(y // (ch + self.GAP))
        if x < 0 or y < 0 or c >= cols or x - c * (cw + self.GAP) >= cw or y - r * (ch + self.GAP) >= ch:
            return None
        i = r * cols + c
        return i if i < self.count() else None

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        i = self.index_at(event.position())
        if i is None:
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self.map_clicked.emit(i)
        elif event.button() == Qt.MouseButton.RightButton:
            self.map_menu_requested.emit(i, event.globalPosition().toPoint())

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        i = self.index_at(event.position())
        if i is not None and self._values is not None:
            m = self._values[i]
            state = " — knocked out" if i in self._off else ""
            hint = "\nclick: knock out / bring back · right-click: more" if self.clickable else ""
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"map {i}: min {m.min():.3g}, mean {m.mean():.3g}, max {m.max():.3g}{state}{hint}", self)

    def _render(self) -> None:
        """The whole grid as one image at the current width and zoom."""
        cols, cw, ch = self._grid(self.width())
        key = (cols, cw, ch, id(self._rgb), self.palette().color(self.backgroundRole()).rgb())
        if key == self._image_key and self._image is not None:
            return
        c = self.count()
        rows = math.ceil(c / cols)
        z = self._zoom()
        g = self.GAP
        big = np.repeat(np.repeat(self._rgb, z, axis=1), z, axis=2)  # (C, ch, cw, 3)
        cells = np.empty((rows * cols, ch + g, cw + g, 4), np.uint8)  # BGRX, gaps included
        bg = self.palette().color(self.backgroundRole())
        cells[...] = (bg.blue(), bg.green(), bg.red(), 255)
        cells[:c, :ch, :cw, :3] = big[..., ::-1]
        out = cells.reshape(rows, cols, ch + g, cw + g, 4).transpose(0, 2, 1, 3, 4).reshape(rows * (ch + g), cols * (cw + g), 4)
        out = np.ascontiguousarray(out)
        self._image = QImage(out.data, out.shape[1], out.shape[0], out.strides[0], QImage.Format.Format_RGB32).copy()
        self._image_key = key

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._rgb is None:
            return
        self._render()
        p = QPainter(self)
        p.drawImage(1, 1, self._image)
        if self._off:
            red = QPen(theme.KNOCKED_OUT, max(1.5, 2 * self._scale))
            for i in sorted(self._off):
                if i >= self.count():
                    continue
                rect = self.cell_rect(i)
                p.fillRect(rect, theme.KNOCKED_OUT_VEIL)
                p.setPen(red)
                p.drawLine(rect.topLeft(), rect.bottomRight())
                p.drawLine(rect.topRight(), rect.bottomLeft())
        p.end()


class VectorBars(QWidget):
    """A vector (n,) as bars from a zero line (positive up, negative down); long vectors as a wrapped colour strip."""

    #: Vectors longer than this are drawn as a strip of coloured cells.
    MAX_BARS = 192

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: np.ndarray | None = None
        self._labels: tuple[str, ...] = ()
        self._scale = 1.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(70)
        install_figure_export(self, "layer values", values=lambda: self._values, vector=True)

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self._fit_height()

    def set_values(self, values: np.ndarray, labels: tuple[str, ...] = ()) -> None:
        self._values = np.asarray(values, np.float32).ravel()
        self._labels = labels if len(labels) == len(self._values) else ()
        self._fit_height()
        self.update()

    def _rows(self) -> int:
        n = 0 if self._values is None else len(self._values)
        return 1 if n <= self.MAX_BARS else math.ceil(n / 128)

    def _fit_height(self) -> None:
        n = 0 if self._values is None else len(self._values)
        if n > self.MAX_BARS:
            h = int(self._rows() * 7 * self._scale) + 4
        else:
            h = int((64 + (16 if self._labels else 0)) * self._scale)
        self.setFixedHeight(max(h, 20))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._values is None or not len(self._values):
            return
        p = QPainter(self)
        v = self._values
        n = len(v)
        if n > self.MAX_BARS:
            cols = 128
            rows = self._rows()
            pad = np.full(rows * cols, np.nan, np.float32)
            pad[:n] = v
            grid = pad.reshape(rows, cols)
            rgb = diverging_rgb(grid) if np.nanmin(v) < 0 else grey_rgb(grid, 0.0, max(float(np.nanmax(v)), 1e-6))
            p.drawImage(QRectF(0, 0, self.width(), self.height() - 2), rgb_qimage(rgb))
            p.end()
            return
        label_h = (16 * self._scale) if self._labels else 0
        plot_h = self.height() - label_h - 2
        m = float(np.abs(v).max()) or 1.0
        has_neg = float(v.min()) < 0
        zero = plot_h / 2 if has_neg else plot_h
        span = plot_h / 2 if has_neg else plot_h
        slot = self.width() / n
        bar = max(1.0, slot * 0.8)
        top = int(np.argmax(v))
        for i, val in enumerate(v):
            hgt = span * abs(float(val)) / m
            y = zero - hgt if val >= 0 else zero
            colour = theme.ACCENT if (self._labels and i == top) else theme.NEGATIVE_BAR if val < 0 else theme.POSITIVE_BAR
            p.fillRect(QRectF(i * slot + (slot - bar) / 2, y, bar, max(hgt, 0.5)), colour)
        p.setPen(theme.GRID_LINE)
        p.drawLine(0, int(zero), self.width(), int(zero))
        if self._labels:
            f = QFont(self.font())
            f.setPixelSize(max(8, int(min(slot * 0.8, 12 * self._scale))))
            p.setFont(f)
            p.setPen(self.palette().color(self.palette().ColorRole.WindowText))
            for i, lab in enumerate(self._labels):
                p.drawText(QRectF(i * slot, plot_h + 1, slot, label_h), Qt.AlignmentFlag.AlignCenter, lab)
        p.end()


class NetworkView(QWidget):
    """All layers of the model for the current picture, top to bottom, in a scroll area."""

    knock_out_requested = Signal(str, int)       # conv layer, channel (toggle)
    filter_menu_requested = Signal(str, int, QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = None
        self._class_names: tuple[str, ...] = ()
        self._sections: list[Section] = []
        self._views: list[QWidget] = []
        self._titles: list[QLabel] = []
        self._scale = 1.0
        self._last: Any = None  # the Activations shown
        self.every_layer = QCheckBox("Every layer (BatchNorm, ReLU… apart)")
        self.every_layer.setToolTip("Show each layer's output on its own instead of one row per conv block")
        self.every_layer.toggled.connect(self._on_every_layer_toggled)
        self.hint = QLabel("Click a map to knock its filter out; right-click for more.")
        self.hint.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.hint, 1)
        top.addWidget(self.every_layer)
        self._body = QWidget()
        self._body_layout = QVBoxLayout(self._body)
        self._body_layout.setContentsMargins(4, 4, 4, 4)
        self._body_layout.setSpacing(2)
        self.empty_hint = QLabel("Draw a digit (or open a picture) to see what every layer makes of it.")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setStyleSheet(f"color: {theme.MUTED_TEXT.name()}; padding: 24px;")
        self._body_layout.addWidget(self.empty_hint)
        self._body_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self._body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        for v in self._views:
            v.set_scale(factor)

    def set_model(self, model: Any, class_names: tuple[str, ...]) -> None:
        self._model = model
        self._class_names = class_names
        self._last = None
        self._rebuild()
        self.set_activations(None)

    def _on_every_layer_toggled(self, on: bool) -> None:
        self._rebuild()
        if self._last is not None:
            self.set_activations(self._last)

    def _rebuild(self) -> None:
        for w in self._views + self._titles:
            self._body_layout.removeWidget(w)
            w.deleteLater()
        self._views, self._titles = [], []
        self._sections = sections(self._model, self.every_layer.isChecked()) if self._model is not None else []
        for k, sec in enumerate(self._sections):
            title = QLabel(sec.title)
            title.setStyleSheet("font-weight: bold; margin-top: 4px;")
            view: QWidget = VectorBars() if sec.kind in _VECTORS else MapStack()
            view.set_scale(self._scale)
            figure_export_of(view).set_title(sec.title)
            if isinstance(view, MapStack) and sec.conv is not None:
                view.clickable = True
                view.setCursor(Qt.CursorShape.PointingHandCursor)
                view.map_clicked.connect(lambda i, c=sec.conv: self.knock_out_requested.emit(c, i))
                view.map_menu_requested.connect(lambda i, pos, c=sec.conv: self.filter_menu_requested.emit(c, i, pos))
            self._body_layout.insertWidget(self._body_layout.count() - 1, title)
            self._body_layout.insertWidget(self._body_layout.count() - 1, view)
            self._titles.append(title)
            self._views.append(view)
            title.setVisible(self._last is not None)
            view.setVisible(self._last is not None)

    def sections(self) -> list[Section]:
        return list(self._sections)

    def views(self) -> list[QWidget]:
        return list(self._views)

    def set_activations(self, activations: Any, knocked_out: frozenset = frozenset()) -> None:
        """Show one forward pass (core ``Activations``); ``knocked_out``: {(conv, channel)} to cross out."""
        self._last = activations
        empty = activations is None
        self.empty_hint.setVisible(empty)
        for w in self._views + self._titles:
            w.setVisible(not empty)
        if empty:
            return
        by_name = {layer.name: layer.value for layer in activations.layers}
        last_dense = max((k for k, s in enumerate(self._sections) if s.kind == "dense"), default=-1)
        for k, (sec, view, title) in enumerate(zip(self._sections, self._views, self._titles)):
            value = by_name.get(sec.source)
            if value is None:
                continue
            shape = "×".join(str(d) for d in value.shape)
            text = f"{sec.title}   <span style='font-weight: normal; color: {theme.MUTED_TEXT.name()}'>{shape}</span>"
            if title.text() != text:
                title.setText(text)
            if isinstance(view, MapStack):
                if value.ndim == 1:
                    value = value[:, None, None]
                view.set_values(value)
                if sec.conv is not None:
                    view.set_knocked_out({c for layer, c in knocked_out if layer == sec.conv})
            else:
                value = value.ravel()
                labels = self._class_names if k == last_dense and value.size == len(self._class_names) else ()
                view.set_values(value, labels)
