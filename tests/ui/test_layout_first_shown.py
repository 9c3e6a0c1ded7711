"""A scale set before a page is first shown, as `--screenshot --scale F --page P` and a restart do.

The layout matrix (test_layout_matrix.py) changes the scale in 25 % steps on pages laid out before. Here a new
window gets the scale first and builds the page after: the Classify page then fitted its column to fonts it did
not have yet (the canvas lay over "What the network sees", 'Load model…' was cut). A module of its own: the
matrix's windows, alive for its whole module, share the application's font with any other window.
"""

from __future__ import annotations

import layout_check as lc  # tests/ui/layout_check.py (pytest puts this folder on the path)
import pytest

pytestmark = pytest.mark.slow

SCREENS = [(name, size) for name, size, ratio in lc.SCREENS if ratio == 1][:2]


@pytest.mark.parametrize("page", ["train", "classify"])
@pytest.mark.parametrize("scale", [2.0, 3.0], ids=lambda s: f"{round(s * 100)}%")
@pytest.mark.parametrize("screen", [name for name, _size in SCREENS])
def test_a_page_first_shown_at_a_large_scale_fits(qapp, screen, scale, page):
    from argparse import Namespace

    from cnn_explorer.ui.app import configure_window
    from cnn_explorer.ui.main_window import MainWindow

    window = MainWindow(settings=None)
    try:
        window.resize(*dict(SCREENS)[screen])
        configure_window(window, Namespace(sample=lc.SAMPLE, scale=scale, page=page))
        window.finish_start_up()
        window.show()
        lc.settle(qapp, window)
        mine, theirs = lc.view_problems(window, page)
        found = mine + theirs
        assert not found, f"{screen} at {scale:.0%}, {page} first shown at that scale:\n  " + "\n  ".join(found)
    finally:
        window.scale.reset()
        window.close()
        lc.settle(qapp)
