"""One kernel's row of the maps panel: [R + G + B = Σ, + bias →] feature → activation [→ pooled]."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.map_tile import MapTile
from cnn_explorer.ui.scale import scaled_font
from cnn_explorer.ui.widgets.containers import clear_grid

ROW_MIN_HEIGHT = 190


class Operator(QLabel):
    """The '+', '=' or '→' between two tiles."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)

    def set_scale(self, f: float) -> None:
        self.setFont(scaled_font(self.font(), 16, f, 10))


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
        self.operators: list[Operator] = []
        self._items: list[QWidget] = []          # tiles and operators in reading order
        self._columns = 0
        self._scale = 1.0
        self._bias = 0.0

        def add_operator(text: str) -> Operator:
            op = Operator(text, self)
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
        clear_grid(self._grid, self._items, len(self._items))
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

    def fitting_columns(self, width: float) -> int:
        """The most maps per line whose minimum widths (room for their numbers) fit in ``width`` pixels:
        every map on one line when they fit there with their operators, else a grid."""
        tiles = self.all_tiles()
        spacing = self._grid.spacing()
        one_line = sum(w.minimum_width() if isinstance(w, MapTile) else w.sizeHint().width()
                       for w in self._items) + spacing * (len(self._items) - 1)
        if one_line <= width:
            return len(tiles)
        widest = max(t.minimum_width() for t in tiles) + spacing
        return max(1, min(len(tiles) - 1, int((width + spacing) // widest)))

    def _show_bias(self) -> None:
        if self.channel_tiles:
            wrapped = self._columns < len(self.all_tiles())
            self.tiles["feature"].set_title_suffix(f" = Σ + bias {format_number(self._bias, 'cell')}" if wrapped else "")

    def _update_minimum_height(self) -> None:
        rows = (len(self.all_tiles()) + self._columns - 1) // max(1, self._columns)
        self.setMinimumHeight(round(ROW_MIN_HEIGHT * self._scale * rows))

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        self.heading.setFont(scaled_font(self.font(), 14, f, 9, bold=True))
        for tile in self.all_tiles():
            tile.set_scale(f)
        for op in self.operators:
            op.set_scale(f)
        self._update_minimum_height()


def best_columns(n: int, width: float, height: float, scale: float, min_side: float = 0.0) -> int:
    """Maps per line for n maps in a width×height area (pixels): the arrangement that gives the largest
    maps; one line, left to right, when that is nearly as large (and at least 120 px at scale 1) and
    leaves each map the ``min_side`` it needs (e.g. room for its numbers)."""
    bar, text = 52 * scale, 56 * scale          # colour bar beside, title and caption above and below

    def side(columns: int) -> float:
        rows = (n + columns - 1) // columns
        operators = 28 * scale * (n - 1) if columns == n else 0.0
        return min((width - operators) / columns - bar, height / rows - text)

    one_line = side(n)
    fitting = [c for c in range(1, n + 1) if side(c) >= min_side] or list(range(1, n + 1))
    best = max(fitting, key=side)
    if n in fitting and one_line >= 120 * scale and one_line >= 0.8 * side(best):
        return n
    return best
