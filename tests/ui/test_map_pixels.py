"""The maps' pixels: coloured once into the painter's own format (ARGB32) and drawn as they are."""

from __future__ import annotations

import numpy as np

from cnn_explorer.ui.explorer.colorbar import (
    argb32_to_rgba,
    diverging_argb32,
    diverging_lut,
    diverging_rgba,
    grey_argb32,
    grey_rgba,
)


def test_argb_words_are_the_rgba_colours():
    rng = np.random.default_rng(7)
    values = rng.normal(0.0, 80.0, (13, 17))
    values[3, 4], values[5, 6], values[7, 8] = np.nan, np.inf, -np.inf
    for m in (1.0, 50.0, 300.0):
        words = diverging_argb32(values, m)
        assert words.dtype == np.uint32 and words.shape == values.shape
        assert np.array_equal(argb32_to_rgba(words), diverging_rgba(values, m))
    assert words[3, 4] == 0                                               # NaN: transparent
    assert diverging_argb32(values * 2, 50.0, out=words) is words          # the buffer is reused
    grey = rng.uniform(-40, 300, (9, 11))
    grey[0, 0] = np.nan
    assert np.array_equal(argb32_to_rgba(grey_argb32(grey)), grey_rgba(grey))
    # 0xAARRGGBB: the top byte opaque, then red, green, blue
    top = diverging_argb32(np.array([[5.0]]), 1.0)[0, 0]
    red, green, blue = diverging_lut()[255].tolist()
    assert int(top) == (255 << 24) | (red << 16) | (green << 8) | blue


def test_the_view_paints_each_cell_in_its_colour(qtbot):
    """What reaches the screen: a grab of the map shows every cell in the colour the LUT gives it."""
    from cnn_explorer.ui.explorer.map_view import FeatureMapView

    view = FeatureMapView()
    qtbot.addWidget(view)
    view.resize(240, 200)
    view.show()
    qtbot.waitExposed(view)
    values = np.array([[-4.0, -1.0, 0.0], [1.5, 3.0, 4.0]])
    view.set_values(values, contrast="full")
    cell = view.cell_center(1, 1) - view.cell_center(0, 0)

    def painted(i: int, j: int) -> list[int]:       # a quarter cell up and left of the centre: clear of the number
        colour = view.grab().toImage().pixelColor((view.cell_center(i, j) - cell * 0.25).toPoint())
        return [colour.red(), colour.green(), colour.blue()]

    expected = view.displayed_rgba()
    for i in range(2):
        for j in range(3):
            assert painted(i, j) == expected[i, j, :3].tolist(), (i, j)
    assert expected[0, 0, :3].tolist() == diverging_lut()[0].tolist()       # −m: the darkest blue end
    view.set_contrast("image")                                              # grey, clipped to 0..255
    assert painted(1, 2) == [4, 4, 4] and painted(0, 0) == [0, 0, 0]


def test_the_colour_bar_follows_its_span_size_and_scale(qtbot):
    """The bar keeps what it draws between edits (ramp, tick places); a new span, size or scale redraws it there."""

    from cnn_explorer.ui.explorer.colorbar import ColorBar

    bar = ColorBar()
    qtbot.addWidget(bar)
    bar.resize(80, 300)
    bar.show()
    qtbot.waitExposed(bar)
    bar.set_range(10.0, -4.0, 9.0)

    def ramp_rows() -> tuple[int, int]:     # first and last row where the ramp's column differs from the background
        image = bar.grab().toImage()
        rows = [y for y in range(image.height()) if image.pixelColor(6, y) != image.pixelColor(0, y)]
        return min(rows), max(rows)

    first = ramp_rows()
    bar.set_span(100.0, 200.0)
    moved = ramp_rows()
    assert abs(moved[0] - 100) <= 2 and abs(moved[1] - 200) <= 2 and moved != first
    bar.set_range(20.0, -4.0, 9.0)                                        # an edit: numbers change, the ramp stays
    assert ramp_rows() == moved and bar.labels()[0] == "20"
    bar.set_span(0.0, 300.0)
    bar.resize(80, 200)
    qtbot.waitUntil(lambda: bar.height() == 200)
    assert ramp_rows()[1] <= 200
    narrow = bar.sizeHint().width()
    bar.set_scale(2.0)
    assert bar.sizeHint().width() > narrow
    bar.resize(bar.sizeHint().width(), 200)
    image = bar.grab().toImage()
    assert image.pixelColor(2 + 20, 100) != image.pixelColor(0, 100)          # the ramp is 24 px wide now


def test_a_map_rendered_beforehand_is_shown_as_it_is_or_coloured_anew(qtbot):
    """``render`` colours without showing; ``set_sampled(rendered=)`` shows it without asking the sampler
    again, unless the view would now colour that map another way (here: another contrast)."""
    from cnn_explorer.ui.explorer.map_view import FeatureMapView

    view = FeatureMapView()
    qtbot.addWidget(view)
    view.resize(200, 200)
    view.show()
    qtbot.waitExposed(view)
    full = np.random.default_rng(8).normal(0.0, 50.0, (600, 600))
    calls: list[int] = []

    def sampler(step: int) -> np.ndarray:
        calls.append(step)
        return full[::step, ::step]

    before = view.grab().toImage()
    rendered = view.render(full.shape, sampler, contrast="full")
    assert calls == [view.display_stride_for(full.shape)] and calls[0] > 1
    assert view.grab().toImage() == before                                 # nothing shown yet
    view.set_sampled(full.shape, sampler, contrast="full", rendered=rendered)
    assert len(calls) == 1                                                 # shown as rendered
    shown = full[:: calls[0], :: calls[0]]
    assert np.array_equal(view.displayed_rgba(), diverging_rgba(shown, np.abs(shown).max()))
    view.set_sampled(full.shape, sampler, contrast="image", rendered=rendered)
    assert len(calls) == 2                                                 # another contrast: coloured anew
    assert np.array_equal(view.displayed_rgba(), grey_rgba(shown))
