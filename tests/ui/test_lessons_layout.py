"""Every step of the shipped lessons renders at 1366x768, at 100 % and in the presenter view at 150 %,
with no clipped text and no overlapping widgets in the lesson bar or the window around it."""

from __future__ import annotations

import layout_check as lc  # tests/ui/layout_check.py (pytest puts this folder on the path)
import pytest

from cnn_explorer.core.lessons.library import shipped_lesson_paths

SIZE = (1366, 768)


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    """Lesson 003 writes its "8" / "not 8" folders into the cache: a fresh one, not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CNN_EXPLORER_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def window(shared_window):
    return shared_window


def _problems(window, view: str) -> list[str]:
    """Every problem in the window: the lesson bar, the explorer around it and its Maps / Step views."""
    mine, theirs = lc.view_problems(window, view)
    panel = window.lesson_player().panel
    mine += [text for _w, text in lc.overlap_problems(panel) if text not in mine]
    return mine + theirs


@pytest.mark.parametrize(("presenter", "scale"), [(False, 1.0), (True, 1.5)], ids=["100%", "presenter-150%"])
@pytest.mark.parametrize("path", shipped_lesson_paths(), ids=lambda p: p.stem)
def test_every_step_fits(qapp, window, path, presenter, scale):
    window.set_presenter(presenter)
    window.scale.set_factor(scale)
    player = window.lesson_player()
    assert player.open_file(path), player.last_error
    found = []
    try:
        for i in range(len(player.lesson.steps)):
            player.go(i)
            lc.settle(qapp, rounds=3)
            assert player.panel.isVisible() and player.dock.height() > 40
            assert window.explorer.height() > 250, f"step {i + 1}: the lesson bar leaves the explorer too little room"
            view = "presenter" if presenter else ("step" if window.explorer.showing_step_by_step() else "maps")
            found += [f"step {i + 1} ({player.lesson.steps[i].title}): {p}" for p in _problems(window, view)]
    finally:      # a failing lesson leaves the window as the next one expects it (and its loaders finished)
        player.close()
        window.set_presenter(False)
        window.scale.set_factor(1.0)
        lc.settle(qapp)
    assert not found, f"{len(found)} layout problem(s):\n  " + "\n  ".join(found)
