"""The diverging colour map: zero white at the centre, blue below, red above."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.colormaps import (
    DIVERGING_LUT,
    GREY_LUT,
    NAN_RGB,
    diverging_at,
    diverging_rgb,
    grey_rgb,
    symmetric_limit,
    text_is_dark,
)
from cnn_explorer.core.errors import CnnExplorerError


def _luminance(rgb) -> np.ndarray:
    return np.asarray(rgb, dtype=float) @ np.array([0.2126, 0.7152, 0.0722])


def test_lut_shape_and_centre():
    assert DIVERGING_LUT.shape == (256, 3) and DIVERGING_LUT.dtype == np.uint8
    assert not DIVERGING_LUT.flags.writeable
    # zero falls between entries 127 and 128 (pyqtgraph levels -m..+m): both near white
    assert DIVERGING_LUT[127].min() >= 250 and DIVERGING_LUT[128].min() >= 250
    low, high = DIVERGING_LUT[0], DIVERGING_LUT[255]
    assert low[2] > low[0]  # blue end
    assert high[0] > high[2]  # red end


def test_lut_darkens_monotonically_away_from_zero():
    lum = _luminance(DIVERGING_LUT)
    assert np.all(np.diff(lum[:128]) >= 0)  # blue end brightens towards the centre
    assert np.all(np.diff(lum[128:]) <= 0)  # and darkens again towards the red end
    # roughly symmetric in lightness, so |value| reads the same on both sides
    assert np.max(np.abs(lum[:128] - lum[::-1][:128])) < 40


def test_diverging_rgb_zero_is_exactly_white_and_signs_have_their_hue():
    rgb = diverging_rgb(np.array([[-4.0, -1.0, 0.0, 1.0, 4.0]]))
    assert rgb.shape == (1, 5, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 2]) == (255, 255, 255)
    assert rgb[0, 0, 2] > rgb[0, 0, 0] and rgb[0, 1, 2] > rgb[0, 1, 0]
    assert rgb[0, 4, 0] > rgb[0, 4, 2] and rgb[0, 3, 0] > rgb[0, 3, 2]
    assert _luminance(rgb[0, 0]) < _luminance(rgb[0, 1]) < 255  # bigger magnitude, darker
    assert np.abs(rgb[0, 4].astype(int) - DIVERGING_LUT[255]).max() <= 2  # the LUT's end


def test_vmax_scales_and_clips():
    a = diverging_rgb(np.array([[1.0, 2.0, 10.0]]), vmax=2.0)
    assert tuple(a[0, 1]) == tuple(a[0, 2])  # 10 clipped to +vmax
    b = diverging_rgb(np.array([[1.0, 2.0]]))
    assert tuple(b[0, 1]) == tuple(a[0, 1])  # default vmax = max |value|
    with pytest.raises(CnnExplorerError, match="vmax: must be a positive number"):
        diverging_rgb(np.zeros((2, 2)), vmax=0)


def test_nan_zero_maps_and_bad_shapes():
    rgb = diverging_rgb(np.array([[np.nan, 0.0]]))
    assert tuple(rgb[0, 0]) == NAN_RGB and tuple(rgb[0, 1]) == (255, 255, 255)
    assert (diverging_rgb(np.zeros((3, 3))) == 255).all()
    assert symmetric_limit([[0.0, 0.0]]) == 1.0 and symmetric_limit([[-3.0, 2.0, np.inf]]) == 3.0
    with pytest.raises(CnnExplorerError, match="expected a 2-D map"):
        diverging_rgb(np.zeros((2, 2, 2)))


def test_lut_matches_the_continuous_map_at_bin_centres():
    centres = (np.arange(256) + 0.5) / 128.0 - 1.0
    assert np.abs(np.rint(diverging_at(centres)) - DIVERGING_LUT).max() == 0


def test_grey_ramp_and_text_colour():
    g = grey_rgb(np.array([[0.0, 5.0, 10.0]]))
    assert g[0, :, 0].tolist() == [0, 128, 255] and (g[..., 0] == g[..., 2]).all()
    assert grey_rgb(np.array([[7.0]]), vmin=0, vmax=14)[0, 0, 0] == 128
    assert GREY_LUT[0].tolist() == [0, 0, 0] and GREY_LUT[255].tolist() == [255, 255, 255]
    dark = text_is_dark(np.array([[255, 255, 255], DIVERGING_LUT[0], DIVERGING_LUT[255]]))
    assert dark.tolist() == [True, False, False]


def test_robust_limit_is_the_percentile_of_the_magnitudes():
    from cnn_explorer.core.colormaps import robust_limit

    rng = np.random.default_rng(7)
    values = rng.normal(0.0, 10.0, (90, 90))
    values[3, 4], values[50, 60] = 5000.0, -4000.0            # two sharp edges
    assert robust_limit(values) == pytest.approx(np.percentile(np.abs(values), 99.5))
    assert robust_limit(values) < 100.0                        # the two extremes no longer set the range
    assert robust_limit(values, 100.0) == pytest.approx(5000.0)
    sparse = np.zeros((20, 20))
    sparse[0, 0] = -3.0                                        # percentile 0: the largest |value| instead
    assert robust_limit(sparse) == 3.0
    assert robust_limit(np.full((3, 3), np.nan)) == 1.0
    with pytest.raises(CnnExplorerError):
        robust_limit(values, 0.0)


def test_robust_limit_of_a_large_map_is_estimated_from_evenly_spaced_cells():
    from cnn_explorer.core.colormaps import robust_limit

    rng = np.random.default_rng(8)
    values = rng.normal(0.0, 1.0, (1024, 1024)).astype(np.float32)
    exact = np.percentile(np.abs(values), 99.5)
    assert robust_limit(values) == pytest.approx(exact, rel=0.05)
