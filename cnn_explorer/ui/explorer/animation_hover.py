"""What the status bar says while the mouse is over a cell of the step view's grids."""

from __future__ import annotations

from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.animation_grid import NumberGridView
from cnn_explorer.ui.explorer.maps_panel import activation_title


def output_hover_text(view: NumberGridView, i: int, j: int) -> str:
    """'Output (row i, col j) = v · click to jump there'; '' when the mouse left the grid (i < 0)."""
    if i < 0:
        return ""
    return f"Output (row {i}, col {j}) = {format_number(float(view.values()[i, j]), 'cell')} · click to jump there"


def input_hover_text(view, r: int, c: int, data) -> str:
    """The input cell (r, c) of ``view`` in the original image's (or the activated map's) coordinates, padding
    said as such; ``data`` is the panel's AnimationData. '' when the mouse left the grid."""
    result = data.result
    if r < 0 or not isinstance(view, NumberGridView) or result is None:
        return ""
    value = format_number(float(view.values()[r, c]), "cell")
    if data.stage == "conv":
        top, _, left, _ = result.conv.pads
        where = f"(row {r - top}, col {c - left})"
        return f"Input {where} = {value}" + (" · padding" if view.is_padding(r, c) else "")
    top, left = data.pool_pads
    name = activation_title(result.activation)
    if view.is_padding(r, c):
        return f"Outside the {name} map (row {r - top}, col {c - left}): not counted"
    return f"{name} map (row {r - top}, col {c - left}) = {value}"
