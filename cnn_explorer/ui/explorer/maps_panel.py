"""The explorer's maps panel: feature map, activation map and pooled map side by side.

One row per kernel of the stack. For a multi-channel (RGB) input each row
starts with the per-channel partial maps (R + G + B), their sum, and the bias
that turns the sum into the feature map. The panel only shows what
``core.pipeline.run_pipeline`` computed; it never computes a map itself
(except summing the core's partial maps for the "sum of channels" tile).

Signals: ``cell_clicked(stage, k, i, j)`` with stage one of 'feature',
'activation', 'pooled', 'partial' (a channel or the channel sum: feature-map
coordinates); ``status_message(str)`` with hover text ('' when the mouse
leaves); ``repainted()`` after a new result has been put on screen.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout,
                               QWidget)

from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.colorbar import ColorBar

ACTIVATION_TITLES = {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "sigmoid": "Sigmoid", "tanh": "tanh",
                     "none": "No activation"}
CHANNEL_NAMES = ("R", "G", "B")
ROW_MIN_HEIGHT = 190
EMPTY_TEXT = "Draw or load an image to see its feature maps."


def shape_text(shape) -> str:
    """'4×4' for (4, 4)."""
    return "×".join(str(int(s)) for s in shape)


def activation_title(name: str) -> str:
    return ACTIVATION_TITLES.get(name, name)


def pool_title(pool, out_shape) -> str:
    """'Max-pool 2×2 → 2×2' (window → output), with the stride when it differs from the window."""
    kind = "Max-pool" if pool.mode == "max" else "Average-pool"
    size = tuple(pool.size)
    stride = tuple(pool.stride) if pool.stride is not None else size
    text = f"{kind} {shape_text(size)}"
    if stride != size:
        text += f", stride {stride[0] if stride[0] == stride[1] else shape_text(stride)}"
    return f"{text} → {shape_text(out_shape)}"


def channel_name(c: int, channels: int) -> str:
    return CHANNEL_NAMES[c] if channels == 3 else f"Channel {c + 1}"


class ValueCaption(QWidget):
    """The centred, word-wrapped text under a map (its value range).

    Unlike a QLabel, a new text re-lays out the maps only when it needs another number of
    lines: typing changes these numbers at every key, and a relayout of every map each time
    is most of what an edit would cost on small maps.
    """

    FLAGS = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name, so it reads like one
        if text == self._text:
            return
        before = self.heightForWidth(self.width())
        self._text = text
        if self.heightForWidth(self.width()) != before:
            self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        box = QRect(0, 0, max(1, width), 1 << 20)
        return self.fontMetrics().boundingRect(box, self.FLAGS, self._text or " ").height()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        fm = self.fontMetrics()
        return QSize(round(fm.horizontalAdvance(self._text)), fm.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(0, self.fontMetrics().height())

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
        super().changeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        p.drawText(self.rect(), self.FLAGS, self._text)
        p.end()


class MapTile(QWidget):
    """A titled map with its colour bar and a caption giving the value range."""

    cell_hovered = Signal(int, int)
    cell_clicked = Signal(int, int)

    def __init__(self, stage: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.channel = -1
        self._title = ""
        self._suffix = ""
        self.title = QLabel(self)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        from cnn_explorer.ui.explorer.map_view import FeatureMapView  # pyqtgraph: loaded after the first paint

        self.view = FeatureMapView(self)
        self.bar = ColorBar(self)
        self.caption = ValueCaption(self)
        # Long titles wrap instead of forcing the whole row wider than the window.
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(4)
        body.addWidget(self.view, 1)
        body.addWidget(self.bar, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)
        layout.addWidget(self.caption)
        self.view.cell_hovered.connect(self.cell_hovered)
        self.view.cell_clicked.connect(self.cell_clicked)
        self.view.span_changed.connect(self._on_view_span_changed)
        self.set_scale(1.0)

    def _on_view_span_changed(self) -> None:
        top, bottom = self.view.image_span()
        self.bar.set_span(top, bottom)

    def set_map(self, values: np.ndarray, title: str) -> None:
        self.view.set_values(values)
        self._title = title
        self.title.setText(title + self._suffix)
        lo, hi = self.view.data_range()
        self.bar.set_range(self.view.value_range(), lo, hi)
        self.caption.setText(f"min\u00a0{format_number(lo, 'cell')}   max\u00a0{format_number(hi, 'cell')}")

    def set_title_suffix(self, suffix: str) -> None:
        """Extra words after the title (e.g. the bias when the '+ bias' sign between maps is hidden)."""
        self._suffix = suffix
        self.title.setText(self._title + suffix)

    def set_scale(self, f: float) -> None:
        title_font = QFont(self.font())
        title_font.setPixelSize(max(9, round(14 * f)))
        title_font.setBold(True)
        self.title.setFont(title_font)
        caption_font = QFont(self.font())
        caption_font.setPixelSize(max(8, round(11 * f)))
        self.caption.setFont(caption_font)
        self.view.set_scale(f)
        self.bar.set_scale(f)


class _Operator(QLabel):
    """The '+', '=' or '→' between two tiles."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)

    def set_scale(self, f: float) -> None:
        font = QFont(self.font())
        font.setPixelSize(max(10, round(16 * f)))
        self.setFont(font)


class MapsRow(QWidget):
    """The maps of one kernel: [R + G + B = Σ, + bias →] feature → activation [→ pooled].

    Laid out on one line with the operators between the maps, or, when the panel is narrow
    and shows a single kernel, wrapped onto a grid of ``columns`` (operators hidden).
    """

    def __init__(self, k: int, channels: int, has_pool: bool, heading: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.k = k
        self.heading = QLabel(self)
        self.heading.setVisible(heading)
        self.tiles: dict[str, MapTile] = {}
        self.channel_tiles: list[MapTile] = []
        self.operators: list[_Operator] = []
        self._items: list[QWidget] = []          # tiles and operators in reading order
        self._columns = 0
        self._scale = 1.0
        self._bias = 0.0

        def add_operator(text: str) -> _Operator:
            op = _Operator(text, self)
            self.operators.append(op)
            self._items.append(op)
            return op

        def add_tile(tile: MapTile) -> MapTile:
            self._items.append(tile)
            return tile

        if channels > 1:
            for c in range(channels):
                if c:
                    add_operator("+")
                tile = add_tile(MapTile("partial", self))
                tile.channel = c
                self.channel_tiles.append(tile)
            add_operator("=")
            self.tiles["sum"] = add_tile(MapTile("partial", self))
            self.bias_operator = add_operator("+ bias\n0\n→")
        self.tiles["feature"] = add_tile(MapTile("feature", self))
        add_operator("→")
        self.tiles["activation"] = add_tile(MapTile("activation", self))
        if has_pool:
            add_operator("→")
            self.tiles["pooled"] = add_tile(MapTile("pooled", self))
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.heading)
        layout.addLayout(self._grid, 1)
        self.arrange(len(self.all_tiles()))

    def all_tiles(self) -> list[MapTile]:
        return self.channel_tiles + list(self.tiles.values())

    def columns(self) -> int:
        return self._columns

    def arrange(self, columns: int) -> None:
        """Put the maps on one line (``columns`` ≥ number of maps) or on a grid of ``columns``."""
        tiles = self.all_tiles()
        columns = max(1, min(columns, len(tiles)))
        if columns == self._columns:
            return
        self._columns = columns
        for w in self._items:
            self._grid.removeWidget(w)
        for i in range(len(self._items)):
            self._grid.setColumnStretch(i, 0)
            self._grid.setRowStretch(i, 0)
        one_line = columns == len(tiles)
        if one_line:
            for col, w in enumerate(self._items):
                self._grid.addWidget(w, 0, col)
                self._grid.setColumnStretch(col, 1 if isinstance(w, MapTile) else 0)
            self._grid.setRowStretch(0, 1)
        else:
            for i, tile in enumerate(tiles):
                self._grid.addWidget(tile, i // columns, i % columns)
            for col in range(columns):
                self._grid.setColumnStretch(col, 1)
            for row in range((len(tiles) + columns - 1) // columns):
                self._grid.setRowStretch(row, 1)
        for op in self.operators:
            op.setVisible(one_line)
        self._show_bias()
        self._update_minimum_height()

    def set_bias(self, bias: float) -> None:
        """The bias added to the channel sum (shown between the sum and the feature map)."""
        self._bias = float(bias)
        self.bias_operator.setText(f"+ bias\n{format_number(self._bias, 'cell')}\n→")
        self._show_bias()

    def _show_bias(self) -> None:
        if self.channel_tiles:
            wrapped = self._columns < len(self.all_tiles())
            self.tiles["feature"].set_title_suffix(f" = Σ + bias {format_number(self._bias, 'cell')}" if wrapped else "")

    def _update_minimum_height(self) -> None:
        rows = (len(self.all_tiles()) + self._columns - 1) // max(1, self._columns)
        self.setMinimumHeight(round(ROW_MIN_HEIGHT * self._scale * rows))

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        font = QFont(self.font())
        font.setPixelSize(max(9, round(14 * f)))
        font.setBold(True)
        self.heading.setFont(font)
        for tile in self.all_tiles():
            tile.set_scale(f)
        for op in self.operators:
            op.set_scale(f)
        self._update_minimum_height()


def best_columns(n: int, width: float, height: float, scale: float) -> int:
    """Maps per line for n maps in a width×height area (pixels): one line, left to right, unless the
    maps would be too small to read (under 120 px at scale 1) and wrapping makes them clearly larger."""
    bar, text = 52 * scale, 56 * scale          # colour bar beside, title and caption above and below

    def side(columns: int) -> float:
        rows = (n + columns - 1) // columns
        operators = 28 * scale * (n - 1) if columns == n else 0.0
        return min((width - operators) / columns - bar, height / rows - text)

    one_line = side(n)
    if one_line >= 120 * scale:
        return n
    best = max(range(1, n + 1), key=side)
    return best if side(best) >= 1.3 * one_line else n


class MapsPanel(QWidget):
    """Shows a PipelineResult's maps; listens to ``state.result_changed``."""

    cell_clicked = Signal(str, int, int, int)
    status_message = Signal(str)
    repainted = Signal()

    def __init__(self, state=None, parent: QWidget | None = None, *, deferred: bool = False) -> None:
        """``deferred``: build no map (and load no pyqtgraph) until :meth:`build_deferred` is called; the
        main window does that right after its first paint, so start-up does not wait for pyqtgraph."""
        super().__init__(parent)
        self._state = state
        self._scale = 1.0
        self._result = None
        self._structure: tuple | None = None
        self._pending = None
        self._was_shown = False
        self._deferred = bool(deferred)
        self.rows: list[MapsRow] = []
        self._placeholder = QLabel("Preparing the maps…" if deferred else EMPTY_TEXT, self)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._container = QWidget()
        self._rows_layout = QVBoxLayout(self._container)
        self._rows_layout.setContentsMargins(4, 4, 4, 4)
        self._rows_layout.setSpacing(10)
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setWidget(self._container)
        self._scroll.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._placeholder)
        layout.addWidget(self._scroll, 1)
        if state is not None and hasattr(state, "result_changed"):
            state.result_changed.connect(self.set_result)
            current = getattr(state, "result", None)
            if current is not None and not callable(current):
                self.set_result(current)

    # --- public ---------------------------------------------------------------------------------
    def result(self):
        """The latest PipelineResult given (None before the first)."""
        return self._pending if self._pending is not None else self._result

    def set_scale(self, f: float) -> None:
        """Presenter scale: titles, numbers and row heights grow together."""
        self._scale = float(f)
        for row in self.rows:
            row.set_scale(self._scale)
        self._arrange_rows()

    def tile(self, k: int, stage: str) -> MapTile:
        """Tile of kernel ``k``: stage 'feature', 'activation', 'pooled' or 'sum'."""
        self.build_deferred()
        return self.rows[k].tiles[stage]

    def channel_tile(self, k: int, c: int) -> MapTile:
        self.build_deferred()
        return self.rows[k].channel_tiles[c]

    def is_deferred(self) -> bool:
        """True until the maps may be built (see ``deferred`` in the constructor)."""
        return self._deferred

    def build_deferred(self) -> None:
        """End the start-up deferral: build and show the latest result now (no-op when not deferred)."""
        if not self._deferred:
            return
        self._deferred = False
        self._placeholder.setText(EMPTY_TEXT)
        if self._pending is not None:
            self.set_result(self._pending)

    # --- result ---------------------------------------------------------------------------------
    def set_result(self, result) -> None:
        """Show a ``core.pipeline.PipelineResult`` (kept for later while the panel is hidden behind a tab,
        or while start-up defers the maps)."""
        if self._deferred or (self._was_shown and not self.isVisible()):
            self._pending = result
            return
        self._pending = None
        self._result = result
        feature = np.asarray(result.feature)
        image = np.asarray(result.image)
        channels = image.shape[2] if image.ndim == 3 and image.shape[2] > 1 else 0
        has_pool = result.pooled is not None
        structure = (feature.shape[0], channels, has_pool)
        if structure != self._structure:
            self._rebuild(*structure)
            self._arrange_rows()
        self._placeholder.setVisible(False)
        self._scroll.setVisible(True)
        k_count = feature.shape[0]
        bias = float(result.conv.settings.bias)
        names = tuple(getattr(self._state, "kernel_names", ()) or ())
        for k, row in enumerate(self.rows):
            name = names[k] if len(names) == k_count else ""
            row.heading.setText(f"Kernel {k + 1} of {k_count}" + (f": {name}" if name else ""))
            fmap = feature[k]
            title = f"Feature map {shape_text(fmap.shape)}"
            if channels:
                partials = np.asarray(result.conv.partial_maps(k))
                for c, tile in enumerate(row.channel_tiles):
                    tile.set_map(partials[c], f"{channel_name(c, channels)} channel")
                row.tiles["sum"].set_map(partials.sum(axis=0), "Sum of channels")
                row.set_bias(bias)
            row.tiles["feature"].set_map(fmap, title)
            row.tiles["activation"].set_map(np.asarray(result.activated)[k], activation_title(result.activation))
            if has_pool:
                pooled = np.asarray(result.pooled.values)
                pooled_k = pooled[k] if pooled.ndim == 3 else pooled
                row.tiles["pooled"].set_map(pooled_k, pool_title(result.pool, pooled_k.shape))
        self.repainted.emit()

    def _arrange_rows(self) -> None:
        """A single kernel's maps wrap onto a grid when that makes them larger; a stack keeps one line each."""
        if len(self.rows) != 1:
            for row in self.rows:
                row.arrange(len(row.all_tiles()))
            return
        row = self.rows[0]
        row.arrange(best_columns(len(row.all_tiles()), self.width() - 8, self.height() - 8, self._scale))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._arrange_rows()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._was_shown = True
        if self._pending is not None and not self._deferred:
            self.set_result(self._pending)
        super().showEvent(event)

    def _rebuild(self, k_count: int, channels: int, has_pool: bool) -> None:
        for row in self.rows:
            self._rows_layout.removeWidget(row)
            row.hide()                  # gone from the screen now, whenever the event loop deletes it
            row.deleteLater()
        self.rows = []
        for k in range(k_count):
            row = MapsRow(k, channels, has_pool, heading=k_count > 1, parent=self._container)
            row.set_scale(self._scale)
            for tile in row.all_tiles():
                tile.cell_hovered.connect(lambda i, j, k=k, tile=tile: self._on_tile_cell_hovered(k, tile, i, j))
                tile.cell_clicked.connect(lambda i, j, k=k, tile=tile: self.cell_clicked.emit(tile.stage, k, i, j))
            self._rows_layout.addWidget(row, 1)
            self.rows.append(row)
        self._structure = (k_count, channels, has_pool)

    # --- hover text -----------------------------------------------------------------------------
    def _on_tile_cell_hovered(self, k: int, tile: MapTile, i: int, j: int) -> None:
        if i < 0 or self._result is None:
            self.status_message.emit("")
            return
        self.status_message.emit(self.describe_cell(k, tile, i, j))

    def describe_cell(self, k: int, tile: MapTile, i: int, j: int) -> str:
        """The hover text for cell (i, j) of ``tile`` in kernel ``k``'s row."""
        res = self._result
        prefix = f"Kernel {k + 1} · " if np.asarray(res.feature).shape[0] > 1 else ""
        where = f"(row {i}, col {j})"
        value = format_number(float(tile.view.values()[i, j]), "cell")
        if tile.stage == "pooled":
            kind = "max-pool" if res.pool.mode == "max" else "average-pool"
            argmax = np.asarray(res.pooled.argmax)
            r, c = (argmax[k, i, j] if argmax.ndim == 4 else argmax[i, j])
            act = activation_title(res.activation)
            if res.pool.mode == "max":
                return f"{prefix}{kind} {where} = {value}, won by {act} cell (row {int(r)}, col {int(c)})"
            ph, pw = res.pool.size
            return f"{prefix}{kind} {where} = {value}, mean of the {ph}×{pw} window from (row {int(r)}, col {int(c)})"
        if tile.stage == "activation":
            before = format_number(float(np.asarray(res.feature)[k, i, j]), "cell")
            return f"{prefix}{activation_title(res.activation)} {where} = {value} (feature map {before})"
        if tile.stage == "partial":
            channels = np.asarray(res.image).shape[-1]
            name = "sum of channels" if tile.channel < 0 else f"{channel_name(tile.channel, channels)} channel"
            return f"{prefix}{name} {where} = {value}"
        return f"{prefix}feature map {where} = {value}"
