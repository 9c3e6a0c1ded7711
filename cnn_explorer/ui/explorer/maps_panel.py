"""The explorer's maps panel: feature map, activation map and pooled map side by side.

One row per kernel of the stack. For a multi-channel (RGB) input each row
starts with the per-channel partial maps (R + G + B), their sum, and the bias
that turns the sum into the feature map. The panel only shows what
``core.pipeline.run_pipeline`` computed; it never computes a map itself
(except summing the core's partial maps for the "sum of channels" tile).

Colours: a choice in the panel (``contrast()``): full range, robust (the colour range
clipped at the 99.5th percentile of |values|), or grey "as an image"; "auto", the default,
is robust for photos (inputs larger than PHOTO_MIN_SIDE on a side) and full range for the
teaching grids. An impossible setting leaves the last maps on screen, hatched, under a
banner that says why (``set_stale``).

Signals: ``cell_clicked(stage, k, i, j)`` with stage one of 'feature',
'activation', 'pooled', 'partial' (a channel or the channel sum: feature-map
coordinates); ``status_message(str)`` with hover text ('' when the mouse
leaves); ``repainted()`` after a new result has been put on screen.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.conv.partials import ChannelPartials
from cnn_explorer.core.conv.settings import output_shape
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.map_tile import MapTile
from cnn_explorer.ui.explorer.maps_data import PartialSampler, map_ranges
from cnn_explorer.ui.explorer.maps_row import MapsRow, best_columns
from cnn_explorer.ui.explorer.state import ExplorerState

ACTIVATION_TITLES = {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "sigmoid": "Sigmoid", "tanh": "tanh",
                     "none": "Activation: none (the feature map passes through)"}
CHANNEL_NAMES = ("R", "G", "B")
EMPTY_TEXT = "Draw or load an image to see its feature maps."
#: an input with a side longer than this is a photo (the slides' grids, digits and shapes are at most 64×64)
PHOTO_MIN_SIDE = 65
#: (key, menu text, what it does) of the colour choices
CONTRAST_CHOICES = (
    ("auto", "Auto", "Robust contrast for photos, the full range for the small teaching grids."),
    ("full", "Full range", "Colours span ±(largest |value|): zero white, the extremes darkest."),
    ("robust", "Robust (99.5%)", "Colours span ± the 99.5th percentile of |values|: the few strongest "
                                 "cells (a photo's sharpest edges) saturate instead of washing out the rest."),
    ("image", "As an image", "Grey, as a picture editor would save the map: values clipped to 0..255, so 0 "
                             "and below are black, 255 and above white (negative responses vanish, as in "
                             "setosa's Image Kernels)."),
)


def is_photo(image_shape) -> bool:
    """True for a picture larger than the teaching grids (robust contrast is then the default)."""
    return max(int(s) for s in tuple(image_shape)[:2]) >= PHOTO_MIN_SIDE


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
        self._contrast_choice = "auto"
        self._partials: tuple[tuple, ChannelPartials] | None = None     # padded input kept across kernel edits
        self._ready: dict[int, dict] = {}             # channel maps computed while the worker computes the rest
        self._rendered: dict[int, list] = {}          # ... and coloured (a Rendering per channel tile)
        self._stale_reason: str | None = None
        self._arranged: tuple | None = None
        self._builds = 0                                   # rows made anew so far
        self.rows: list[MapsRow] = []
        self.contrast_combo = QComboBox(self)
        for key, text, tip in CONTRAST_CHOICES:
            self.contrast_combo.addItem(text, key)
            self.contrast_combo.setItemData(self.contrast_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.contrast_combo.setToolTip("How values become colours. " + " ".join(
            f"{text}: {tip}" for _, text, tip in CONTRAST_CHOICES))
        self.contrast_combo.currentIndexChanged.connect(self._on_contrast_combo_changed)
        self._contrast_label = QLabel("&Colours", self)
        self._contrast_label.setBuddy(self.contrast_combo)
        self._contrast_note = QLabel(self)
        self._contrast_note.setWordWrap(True)
        self._contrast_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.addWidget(self._contrast_label)
        bar.addWidget(self.contrast_combo)
        bar.addWidget(self._contrast_note, 1)
        self.stale_banner = QLabel(self)
        self.stale_banner.setObjectName("inlineError")
        self.stale_banner.setWordWrap(True)
        self.stale_banner.setVisible(False)
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
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.stale_banner)
        layout.addWidget(self._placeholder)
        layout.addWidget(self._scroll, 1)
        state.result_changed.connect(self.set_result)
        state.error_occurred.connect(self.set_stale)
        state.error_cleared.connect(self._on_state_error_cleared)
        state.computing_started.connect(self._on_state_computing_started)
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

    def set_stale(self, reason: str | None) -> None:
        """Mark the maps as not updated (hatched, a banner saying ``reason``); None: they are current again."""
        self._stale_reason = " ".join(str(reason).split()) if reason else None
        if self._stale_reason:
            self.stale_banner.setText(f"Maps not updated: {self._stale_reason}. "
                                      "They still show the last settings that worked.")
        self.stale_banner.setVisible(self._stale_reason is not None)
        for row in self.rows:
            for tile in row.all_tiles():
                tile.set_stale(self._stale_reason is not None)

    def stale_reason(self) -> str | None:
        """Why the maps are not up to date (None when they are)."""
        return self._stale_reason

    def set_contrast(self, choice: str) -> None:
        """'auto', 'full', 'robust' or 'image' (as the Colours box offers)."""
        index = self.contrast_combo.findData(choice)
        if index < 0:
            raise ValueError(f"contrast: one of {', '.join(k for k, _, _ in CONTRAST_CHOICES)}, got {choice!r}")
        self.contrast_combo.setCurrentIndex(index)

    def contrast(self) -> str:
        """The contrast the maps are drawn with now: 'full', 'robust' or 'image' ('auto' resolved)."""
        if self._contrast_choice != "auto":
            return self._contrast_choice
        result = self.result()
        return "robust" if result is not None and is_photo(np.shape(result.image)) else "full"

    def _on_contrast_combo_changed(self, index: int) -> None:
        self._contrast_choice = self.contrast_combo.itemData(index)
        self._show_contrast()

    def _show_contrast(self) -> None:
        contrast = self.contrast()
        if self._contrast_choice == "auto":
            self._contrast_note.setText("robust (photo)" if contrast == "robust" else "full range")
        else:
            self._contrast_note.setText("")
        for row in self.rows:
            for tile in row.all_tiles():
                tile.set_contrast(contrast)

    def _on_state_error_cleared(self) -> None:
        self.set_stale(None)

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
        contrast = self.contrast()
        self._show_contrast()
        for k, row in enumerate(self.rows):
            name = names[k] if len(names) == k_count else ""
            row.heading.setText(f"Kernel {k + 1} of {k_count}" + (f": {name}" if name else ""))
            fmap = feature[k]
            fmap_range, activated_range = map_ranges(fmap, result.activation)
            title = f"Feature map {shape_text(fmap.shape)}"
            if channels:
                # Computed only at the resolution each map is shown (a photo's maps are far larger).
                partials = PartialSampler(self._channel_partials(result.conv), result.conv, k,
                                          self._ready.pop(k, None))
                rendered = self._rendered.pop(k, None) or [None] * len(row.channel_tiles)
                for c, tile in enumerate(row.channel_tiles):
                    ready = rendered[c] if rendered[c] is not None and partials.was_ready(rendered[c].stride) else None
                    tile.set_sampled_map(fmap.shape, partials.channel(c), f"{channel_name(c, channels)} channel",
                                         contrast=contrast, rendered=ready)
                total = np.asarray(result.conv.maps)[k]            # Σ of the partials + bias
                row.tiles["sum"].set_sampled_map(
                    fmap.shape, lambda step, total=total: total[::step, ::step] - bias, "Sum of channels",
                    value_range=(fmap_range[0] - bias, fmap_range[1] - bias), contrast=contrast)
                row.set_bias(bias)
            row.tiles["feature"].set_map(fmap, title, contrast, value_range=fmap_range)
            row.tiles["activation"].set_map(np.asarray(result.activated)[k], activation_title(result.activation),
                                            contrast, value_range=activated_range)
            if has_pool:
                pooled = np.asarray(result.pooled.values)
                pooled_k = pooled[k] if pooled.ndim == 3 else pooled
                row.tiles["pooled"].set_map(pooled_k, pool_title(result.pool, pooled_k.shape), contrast)
        self._arrange_rows()                # maps that need room for their numbers may wrap
        self.repainted.emit()

    def _channel_partials(self, conv) -> ChannelPartials:
        """The image's padded channels, kept while the image is the same (kernel edits then cost only the
        cells shown)."""
        return self._partials_of(conv.image, "exact" if conv.maps.dtype == np.float64 else "fast")

    def _partials_of(self, image, precision: str) -> ChannelPartials:
        """Keyed on the array itself (held, so its id stays unique) and the state's revision (a stroke edits
        the image in place)."""
        key = (id(image), self._state.image_revision, precision)
        if self._partials is None or self._partials[0] != key or self._partials[1].image is not image:
            self._partials = (key, ChannelPartials(image, precision))
        return self._partials[1]

    def _on_state_computing_started(self) -> None:
        """The state's worker computes a photo's maps: meanwhile, compute and colour the channel maps the tiles
        will show (they need only the image, the kernels and the settings), so the result is put on screen
        sooner (``set_result`` takes them when they are for its very kernel, settings, stride and contrast)."""
        self._ready.clear()
        self._rendered.clear()
        if self._deferred or not self.isVisible() or self._result is None or not self.rows \
                or not self.rows[0].channel_tiles:
            return
        try:
            kernels = self._state.effective_kernels()
            image, conv = self._state.image, self._state.conv
            if image.ndim != 3 or kernels.shape[0] != len(self.rows):
                return
            shape = output_shape(image.shape[:2], kernels.shape[1:3], conv)
        except CnnExplorerError:
            return
        # the precision of the last result: the same image and kernel size give the same
        partials = self._partials_of(image, "exact" if self._result.conv.maps.dtype == np.float64 else "fast")
        contrast = self.contrast()
        for k, row in enumerate(self.rows):
            steps = {tile.view.display_stride_for(shape) for tile in row.channel_tiles}
            self._ready[k] = {step: (partials, kernels[k], conv, partials.maps(kernels[k], conv, step))
                              for step in steps}
            self._rendered[k] = [
                tile.view.render(shape, lambda step, c=c, k=k: self._ready[k][step][3][c], contrast=contrast)
                for c, tile in enumerate(row.channel_tiles)]

    def _arrange_rows(self) -> None:
        """A single kernel's maps wrap onto a grid when that makes them larger; a stack keeps one line each."""
        # what the arrangement depends on: the room, the scale and each map's least width (room for its numbers)
        key = (self.width(), self._scroll.height() if self._scroll.isVisible() else self.height(), self._scale,
               self._builds,
               tuple((t.view.minimumWidth(), t.bar.sizeHint().width()) for row in self.rows for t in row.all_tiles()))
        if key == self._arranged:
            return
        self._arranged = key
        width = self.width() - 12
        if len(self.rows) != 1:
            for row in self.rows:
                row.arrange(row.fitting_columns(width))
            return
        row = self.rows[0]
        min_side = max(max(t.view.minimumWidth(), t.view.minimumHeight()) for t in row.all_tiles())
        height = self._scroll.height() if self._scroll.isVisible() else self.height()
        columns = best_columns(len(row.all_tiles()), width, height - 8, self._scale, min_side)
        row.arrange(min(columns, row.fitting_columns(width)))

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
                tile.set_stale(self._stale_reason is not None)
            for tile in row.all_tiles():
                tile.cell_hovered.connect(lambda i, j, k=k, tile=tile: self._on_tile_cell_hovered(k, tile, i, j))
                tile.cell_clicked.connect(lambda i, j, k=k, tile=tile: self.cell_clicked.emit(tile.stage, k, i, j))
            self._rows_layout.addWidget(row, 1)
            self.rows.append(row)
        self._structure = (k_count, channels, has_pool)
        self._builds += 1

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
