"""Ruinous numbers typed into the window: the pixel and kernel grids refuse them at once, overflow is said plainly."""

from __future__ import annotations

import time

import numpy as np
import pytest

RUINOUS = ["7" * 30000 + "/3", "9" * 5000, "1e999999/1"]


@pytest.mark.parametrize("text", RUINOUS, ids=["long-fraction", "big-integer", "huge-exponent"])
def test_pixel_grid_refuses_ruinous_numbers(qtbot, explorer_page, text):
    state, panel = explorer_page.state, explorer_page.input_panel
    panel.new_canvas(5)
    panel.view_combo.setCurrentIndex(panel.view_combo.findData("numbers"))
    grid = panel.pixel_grid
    before = state.image.copy()
    start = time.monotonic()
    grid.item(1, 2).setText(text)
    assert time.monotonic() - start < 1
    assert np.array_equal(state.image, before)
    message = panel.message.text()
    assert "(row 1, col 2)" in message and "value kept" in message
    assert len(message) < 200


@pytest.mark.parametrize("text", RUINOUS, ids=["long-fraction", "big-integer", "huge-exponent"])
def test_kernel_grid_refuses_ruinous_numbers(qtbot, explorer_page, text):
    editor = explorer_page.kernel_editor
    kernels = [np.array(k) for k in explorer_page.state.kernels]
    start = time.monotonic()
    editor.grid.item(0, 0).setText(text)
    assert time.monotonic() - start < 1
    assert (0, 0) in editor.invalid_cells
    assert all(np.array_equal(a, b) for a, b in zip(explorer_page.state.kernels, kernels))


def test_an_overflowing_kernel_is_said_plainly(qtbot, explorer_page, recwarn):
    state = explorer_page.state
    state.set_cell(0, 0, 255.0)
    state.recompute_now()
    shown = state.result
    errors = []
    state.error_occurred.connect(errors.append)
    state.set_kernels([np.full((3, 3), 1e308)], ["huge"])
    state.recompute_now()
    assert errors and "the result overflows" in errors[-1]
    assert state.result is shown  # the last good maps stay on screen
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]
