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
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.map_tile import MapTile
from cnn_explorer.ui.explorer.maps_row import MapsRow, best_columns
from cnn_explorer.ui.explorer.state import ExplorerState

ACTIVATION_TITLES = {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "sigmoid": "Sigmoid", "tanh": "tanh",
                     "none": "No activation"}
CHANNEL_NAMES = ("R", "G", "B")
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


class MapsPanel(QWidget):
    """Shows a PipelineResult's maps; listens to ``state.result_changed``."""

    cell_clicked = Signal(str, int, int, int)
    status_message = Signal(str)
    repainted = Signal()

    def __init__(self, state: ExplorerState, parent: QWidget | None = None, *, deferred: bool = False) -> None:
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
        state.result_changed.connect(self.set_result)
        if state.result is not None:
            self.set_result(state.result)

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
        names = self._state.kernel_names
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
